"""Who a figure is about: entity mentions found through an alias table.

The alias table maps every name a source uses (`alias`) to one `entity_id`; translated text
calls one company by several names ("Weiqiao venture group", "Weiqiao entrepreneurial
group"). Matching is case-insensitive on whole words, longest alias first.

Without a table (or for names the table lacks), a fallback finds company-like names: a run of
capitalised words ending in Group, Co., Company, Corporation, Ltd or Holdings. The subject is
then the name as written, without its legal suffix.
"""

from __future__ import annotations

import csv
import logging
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

DEFAULT_ALIAS_FILE = PROJECT_ROOT / "dbt" / "seeds" / "entity_aliases.csv"

_COMPANY = re.compile(
    r"\b(?:[A-Z][A-Za-z'&-]*\s+){1,6}?(?:Group|Co\.|Company|Corporation|Corp\.|Ltd\.?|Holdings)"
    r"(?:,?\s+Ltd\.?)?"
)
_LEGAL_SUFFIX = re.compile(r"(?:,?\s+(?:Co\.|Ltd\.?|Company|Corporation|Corp\.))+$")


@dataclass
class AliasTable:
    """Aliases (lower case) → entity_id, with one compiled pattern over all of them."""

    aliases: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    @property
    def pattern(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.aliases:
            words = sorted(self.aliases, key=len, reverse=True)
            body = "|".join(re.escape(word).replace(r"\ ", r"[\s-]+") for word in words)
            self._pattern = re.compile(
                rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])", re.IGNORECASE
            )
        return self._pattern

    def entity(self, written: str) -> str | None:
        return self.aliases.get(" ".join(written.lower().replace("-", " ").split()))

    def merged(self, other: AliasTable) -> AliasTable:
        return AliasTable({**self.aliases, **other.aliases}, [*self.problems, *other.problems])


def load_aliases(*paths: str | Path) -> AliasTable:
    """Read alias,entity_id CSV files; a missing or malformed file is reported, not fatal."""
    table = AliasTable()
    for path in paths:
        path = Path(path)
        if not path.exists():
            table.problems.append(f"{path}: alias file not found; subjects fall back to names")
            continue
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                columns = set(reader.fieldnames or [])
                if not {"alias", "entity_id"} <= columns:
                    table.problems.append(f"{path}: needs columns alias,entity_id")
                    continue
                for row in reader:
                    alias = " ".join((row.get("alias") or "").lower().replace("-", " ").split())
                    entity = (row.get("entity_id") or "").strip()
                    if alias and entity:
                        table.aliases[alias] = entity
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            table.problems.append(f"{path}: cannot read alias file ({error})")
    for problem in table.problems:
        log.info(problem)
    return table


_default_table: AliasTable | None = None


def default_aliases() -> AliasTable:
    """The project's seed, `dbt/seeds/entity_aliases.csv`, read once; empty if absent."""
    global _default_table
    if _default_table is None:
        if DEFAULT_ALIAS_FILE.exists():
            _default_table = load_aliases(DEFAULT_ALIAS_FILE)
        else:
            _default_table = AliasTable()
    return _default_table


@dataclass
class Mentions:
    """Entity mentions in one text, sorted by position, for nearest-before look-ups."""

    starts: list[int]
    ends: list[int]
    entities: list[str]

    @classmethod
    def find(cls, text: str, table: AliasTable, start: int, end: int) -> Mentions:
        found: list[tuple[int, int, str]] = []
        pattern = table.pattern
        if pattern is not None:
            for match in pattern.finditer(text, start, end):
                entity = table.entity(match.group(0))
                if entity is not None:
                    found.append((match.start(), match.end(), entity))
        return cls([f[0] for f in found], [f[1] for f in found], [f[2] for f in found])

    def last_before(self, position: int, floor: int) -> str | None:
        """Entity of the last mention ending at or before `position` and starting at `floor`+."""
        index = bisect_right(self.ends, position) - 1
        if index >= 0 and self.starts[index] >= floor:
            return self.entities[index]
        return None

    def first_in(self, start: int, end: int) -> str | None:
        index = bisect_right(self.starts, start - 1)
        if index < len(self.starts) and self.starts[index] < end:
            return self.entities[index]
        return None


def company_names(text: str, start: int, end: int) -> Iterable[tuple[int, int, str]]:
    """Fallback: company-like names in text[start:end] as (start, end, name)."""
    for match in _COMPANY.finditer(text, start, end):
        name = _LEGAL_SUFFIX.sub("", match.group(0)).strip()
        if name:
            yield match.start(), match.end(), name
