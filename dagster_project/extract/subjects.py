"""Who a figure is about: entity mentions found through an alias table, and a subject rule.

The alias table maps every name a source uses (`alias`) to one `entity_id`; translated text
calls one company by several names ("Weiqiao venture group", "Weiqiao entrepreneurial
group"). Matching is case-insensitive on whole words, longest alias first. Entity types come
from an optional `entity_type` column of an alias file or from `entities.csv` beside the seed
(entity_id, entity_type); types other than company and group count as places (place, cluster,
project), which matters for "the company" below.

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

from dagster_project.extract.patterns import trie_pattern
from dagster_project.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

DEFAULT_ALIAS_FILE = PROJECT_ROOT / "dbt" / "seeds" / "entity_aliases.csv"
DEFAULT_ENTITY_FILE = PROJECT_ROOT / "dbt" / "seeds" / "entities.csv"
ORGANISATION_TYPES = frozenset({"company", "group"})

_COMPANY = re.compile(
    r"\b(?:[A-Z][A-Za-z'&-]*\s+){1,6}?(?:Group|Co\.|Company|Corporation|Corp\.|Ltd\.?|Holdings)"
    r"(?:,?\s+Ltd\.?)?"
)
_LEGAL_SUFFIX = re.compile(r"(?:,?\s+(?:Co\.|Ltd\.?|Company|Corporation|Corp\.))+$")
# A mention after these words says where, not who: "third largest producer in China".
_SCOPE_BEFORE = re.compile(
    r"\b(?:in|at|across|throughout|around|to|within|among|into|outside|near|all\s+over)\s+"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)
# "the world's fourth-largest", "China's No. 1": the place is the market, not the maker.
_SCOPE_POSSESSIVE = re.compile(
    r"(?:'s|’s)\s+(?:(?:own|only|very)\s+)?(?:first|second|third|fourth|fifth|sixth|seventh"
    r"|eighth|ninth|tenth|\d+(?:st|nd|rd|th)|largest|biggest|leading|top|No\.|number)",
    re.IGNORECASE,
)
# "Shandong University" is not Shandong.
_OTHER_BODY_AFTER = re.compile(
    r"[\s-]+(?:University|Institute|Academy|College|School|Hospital|Bank|Daily|Evening|News"
    r"|Airport|Port|Museum)\b"
)
# A sentence opening with one of these keeps the topic of the sentences before it.
_ANAPHOR_START = re.compile(
    r"\W*(?:the\s+(?:company|enterprise|group|firm|corporation|plant|factory|mill|park|zone"
    r"|city|county|cluster|project)|it|its|they|their|we|our|he|she|his|her)\b",
    re.IGNORECASE,
)
# Words that can only point back at a company, never at a city.
_ORGANISATION_ANAPHOR = re.compile(
    r"\bthe\s+(?:company|enterprise|group|firm|corporation|plant|factory|mill)(?:'s)?\b",
    re.IGNORECASE,
)


def _alias_char(char: str) -> str:
    return r"[\s-]+" if char == " " else re.escape(char)


def _normal(alias: str) -> str:
    return " ".join(alias.lower().replace("-", " ").split())


@dataclass
class AliasTable:
    """Aliases (normalised) → entity_id, entity types, one compiled pattern over all aliases."""

    aliases: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # entity_id → entity_type
    problems: list[str] = field(default_factory=list)
    _patterns: tuple[re.Pattern[str], re.Pattern[str]] | None = field(default=None, repr=False)

    def _compiled(self) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
        if self._patterns is None and self.aliases:
            body = rf"(?<![A-Za-z0-9])(?:{trie_pattern(self.aliases, _alias_char)})(?![A-Za-z0-9])"
            self._patterns = (re.compile(body, re.IGNORECASE), re.compile(body))
        return self._patterns

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """All aliases, case-insensitive."""
        compiled = self._compiled()
        return compiled[0] if compiled else None

    @property
    def lower_pattern(self) -> re.Pattern[str] | None:
        """All aliases, for text already lower-cased (aliases are stored lower-case)."""
        compiled = self._compiled()
        return compiled[1] if compiled else None

    def entity(self, written: str) -> str | None:
        return self.aliases.get(_normal(written))

    def is_place(self, entity_id: str) -> bool:
        entity_type = self.types.get(entity_id)
        return entity_type is not None and entity_type not in ORGANISATION_TYPES


def load_aliases(*paths: str | Path, entity_files: Iterable[str | Path] = ()) -> AliasTable:
    """Read alias,entity_id[,entity_type] CSV files (later files win) and entity_id,entity_type
    files. A missing or malformed file is recorded in `problems`, never fatal."""
    table = AliasTable()
    for path in paths:
        for row in _rows(Path(path), {"alias", "entity_id"}, table.problems):
            alias, entity = _normal(row.get("alias") or ""), (row.get("entity_id") or "").strip()
            if alias and entity:
                table.aliases[alias] = entity
                if (row.get("entity_type") or "").strip():
                    table.types[entity] = row["entity_type"].strip().lower()
    for path in entity_files:
        for row in _rows(Path(path), {"entity_id", "entity_type"}, table.problems):
            entity = (row.get("entity_id") or "").strip()
            if entity and (row.get("entity_type") or "").strip():
                table.types.setdefault(entity, row["entity_type"].strip().lower())
    for problem in table.problems:
        log.info(problem)
    return table


def _rows(path: Path, needed: set[str], problems: list[str]) -> list[dict[str, str]]:
    if not path.exists():
        problems.append(f"{path}: not found; subjects fall back to company-like names")
        return []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not needed <= set(reader.fieldnames or []):
                problems.append(f"{path}: needs columns {','.join(sorted(needed))}")
                return []
            return list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        problems.append(f"{path}: cannot read ({error})")
        return []


_default_table: AliasTable | None = None


def default_aliases() -> AliasTable:
    """The project's seeds (entity_aliases.csv, entities.csv), read once; empty if absent."""
    global _default_table
    if _default_table is None:
        if DEFAULT_ALIAS_FILE.exists():
            entity_files = [DEFAULT_ENTITY_FILE] if DEFAULT_ENTITY_FILE.exists() else []
            _default_table = load_aliases(DEFAULT_ALIAS_FILE, entity_files=entity_files)
        else:
            _default_table = AliasTable()
    return _default_table


@dataclass(slots=True)
class EntityMention:
    start: int
    end: int
    entity: str
    place: bool  # a place (or cluster), not a company
    scope: bool = False  # "in China", "across Shandong": where, not who


def find_mentions(
    text: str, table: AliasTable, start: int, end: int, lower: str | None = None
) -> list[EntityMention]:
    """Alias-table mentions plus company-like names the table lacks, in order of position.
    `lower`, if given, is text.lower() of the same length, scanned instead (faster)."""
    found: list[EntityMention] = []
    pattern = table.pattern if lower is None else table.lower_pattern
    if pattern is not None:
        for match in pattern.finditer(text if lower is None else lower, start, end):
            entity = table.entity(match.group(0))
            if entity is None or _OTHER_BODY_AFTER.match(text, match.end(), end):
                continue
            found.append(EntityMention(match.start(), match.end(), entity, table.is_place(entity)))
    names = [
        EntityMention(name_start, name_end, name, False)
        for name_start, name_end, name in company_names(text, start, end)
    ]
    if names:
        found = _merge(found, names)
    for mention in found:
        mention.scope = bool(
            _SCOPE_BEFORE.search(text, max(0, mention.start - 16), mention.start)
            or (mention.place and _SCOPE_POSSESSIVE.match(text, mention.end, end))
        )
    return found


def _merge(table_mentions: list[EntityMention], names: list[EntityMention]) -> list[EntityMention]:
    """Add fallback names the table lacks. A name that only overlaps places of the table
    ("Binzhou Xinhe Alumina Co., Ltd." holds "Binzhou") replaces them; a name overlapping a
    company of the table is that company, so the table mention stays."""
    kept = list(table_mentions)
    for name in names:
        overlapping = [m for m in kept if m.start < name.end and name.start < m.end]
        if any(not m.place for m in overlapping):
            continue
        if any(m.start < name.start or m.end > name.end for m in overlapping):
            continue
        kept = [m for m in kept if m not in overlapping]
        kept.append(name)
    kept.sort(key=lambda mention: mention.start)
    return kept


class SubjectResolver:
    """The subject of a figure, in this order:
    1. the nearest entity named before it in its sentence (not a scope such as "in China");
    2. the topic carried from earlier sentences; when the words before the figure say "the
       company" (or enterprise, group, firm ...), the last company topic;
    3. the first entity named after it in its sentence;
    4. a place the sentence is scoped to ("in China");
    5. the default subject.
    A sentence's topic is its first company named (not as a scope), else its first place,
    unless the sentence opens with an anaphor ("The company ...", "It ...", "Its ..."), which
    keeps the topic it refers to.
    """

    def __init__(
        self,
        text: str,
        spans: list[tuple[int, int]],
        mentions: list[EntityMention],
        default_subject: str | None,
    ) -> None:
        self.text = text
        self.spans = spans
        self.default_subject = default_subject
        sentence_starts = [span[0] for span in spans]
        self.by_sentence: dict[int, list[EntityMention]] = {}
        for mention in mentions:
            index = max(0, bisect_right(sentence_starts, mention.start) - 1)
            self.by_sentence.setdefault(index, []).append(mention)
        # Topics in effect after each sentence that names someone, for carrying forward.
        self._indexes: list[int] = []
        self._topics: list[tuple[str | None, str | None]] = []  # (topic, company topic)
        topic: str | None = None
        company_topic: str | None = None
        for index in sorted(self.by_sentence):
            actors = [m for m in self.by_sentence[index] if not m.scope]
            if not actors and topic is None:
                actors = self.by_sentence[index]  # "Walking into the park ...": a first topic
            sentence_start, sentence_end = spans[index]
            if actors and not _ANAPHOR_START.match(text, sentence_start, sentence_end):
                companies = [m for m in actors if not m.place]
                topic = (companies or actors)[0].entity
                if companies:
                    company_topic = companies[0].entity
            self._indexes.append(index)
            self._topics.append((topic, company_topic))

    def _carried(self, index: int) -> tuple[str | None, str | None]:
        position = bisect_right(self._indexes, index - 1) - 1
        return self._topics[position] if position >= 0 else (None, None)

    def subject(self, start: int, end: int, index: int) -> str | None:
        mentions = self.by_sentence.get(index, [])
        before = [m for m in mentions if m.end <= start]
        for mention in reversed(before):
            if not mention.scope:
                return mention.entity
        topic, company_topic = self._carried(index)
        sentence_start = self.spans[index][0]
        if company_topic is not None and _ORGANISATION_ANAPHOR.search(
            self.text, sentence_start, start
        ):
            return company_topic
        if topic is not None:
            return topic
        after = [m for m in mentions if m.start >= end]
        for mention in after:
            if not mention.scope:
                return mention.entity
        if before:
            return before[-1].entity
        if after:
            return after[0].entity
        return self.default_subject


def company_names(text: str, start: int, end: int) -> Iterable[tuple[int, int, str]]:
    """Fallback: company-like names in text[start:end] as (start, end, name)."""
    for match in _COMPANY.finditer(text, start, end):
        name = " ".join(_LEGAL_SUFFIX.sub("", match.group(0)).split())
        if name:
            yield match.start(), match.end(), name
