"""Who a figure is about: entity mentions found through an alias table, and a subject rule.

The alias table maps every name a source uses (`alias`) to one `entity_id`; translated text
calls one company by several names ("Weiqiao venture group", "Weiqiao entrepreneurial
group"). Matching is case-insensitive on whole words, longest alias first. Entity types come
from an optional `entity_type` column of an alias file or from `entities.csv` beside the seed
(entity_id, entity_type); types other than company and group count as places (place, cluster,
project), which matters for "the company" below.

Without a table (or for names the table lacks), fallbacks find company-like names the table does
not know (see `company_names`): a run of capitalised words ending in a legal suffix (Group, Co.,
Ltd, Holdings ...) or in an industry word (Aluminium, Metals, Power, Foil, Technology ...); a
capitalised name that opens a sentence and is followed by a reporting verb or an apposition
("Dongying Shenghua, one of ...", "Runze said"); a capitalised name right before a figure in a
list ("..., Jinning Juke 300000 tons and ..."). The subject is then the name as written, without
its legal suffix, and a later short form of it ("Fengrui" for "Fengrui Aluminium") is the same
firm. How a subject was chosen is reported as a subject rule (see SubjectResolver).
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
_LEGAL_SUFFIX = re.compile(
    r"(?:,?\s+(?:Co\.?|Ltd\.?|Company|Corporation|Corp\.?|Inc\.?|Plc|LLC))+$"
)
_NAME_WORD = r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?"
# Words that end a firm's name in trade copy ("Xinhai Metals", "Nanshan Bauxite").
_INDUSTRY_WORDS = (
    "Aluminium|Aluminum|Metals?|Industrial|Industry|Power|Bauxite|Cables?|Foils?|Carbon|Alloys?"
    "|Materials?|Technology|Technologies|Lightweight|Casting|Smelting|Mining|Energy|Electric"
    "|Wires?|Factory|Steel|Chemicals?|Resources|Minerals|Refining|Extrusions?|Profiles"
)
# Runs of two or more capitalised words: every fallback name below is one, so one scan finds
# them all and each rule looks at a run's words and what touches it.
_CAPITALISED_RUN = re.compile(rf"\b{_NAME_WORD}(?:[ \t\n]+{_NAME_WORD})+")
_LEGAL_WORDS = frozenset({"Co", "Corp", "Inc", "Ltd", "Plc", "LLC"})
# A capitalised name right before a figure in a list: ", Jinning Juke 300000 tons".
_LIST_BEFORE = (", ", "and ", ": ")
_DIGIT_AFTER = re.compile(r"\s+\d")
# A capitalised name opening a sentence, then a reporting verb or an apposition.
_OPENING_AFTER = re.compile(
    r"(?:'s)?(?:,\s+(?:one\s+of|the|a|an|which|whose)\b|\s+(?:said|says|reported|reports|posted"
    r"|plans|planned|will|agreed|expects|expected|announced|produced|produces|makes|made|sold|has"
    r"|had|built|is|was|employs|owns|operates|shipped)\b)"
)
_NOT_A_FIRM = frozenset(
    [
        "The",
        "In",
        "At",
        "A",
        "An",
        "Its",
        "Their",
        "Our",
        "This",
        "These",
        "That",
        "Those",
        "According",
        "Among",
        "Affected",
        "Shares",
        "From",
        "To",
        "By",
        "For",
        "With",
        "Since",
        "After",
        "Before",
        "During",
        "Of",
        "On",
        "Analysts",
        "Investors",
        "Traders",
        "Data",
        "Prices",
        "Stocks",
        "Output",
        "Production",
        "Capacity",
        "Sales",
        "Revenue",
        "Profit",
        "Exports",
        "Imports",
        "Demand",
        "Supply",
        "Premiums",
        "Statistical",
        "Statistics",
        "Bureau",
        "County",
        "City",
        "Province",
        "Provincial",
        "Municipal",
        "Department",
        "Ministry",
        "Commission",
        "Association",
        "Exchange",
        "Office",
        "Government",
        "Council",
        "Committee",
        "Bank",
        "University",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Line",
        "Phase",
        "Grade",
        "Top",
        "Chinese",
        "China",
        "Beijing",
        "Shanghai",
        "Reuters",
        "Wire",
    ]
)
_INDUSTRY_WORD = re.compile(rf"^(?:{_INDUSTRY_WORDS})$")
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
    r"|city|county|cluster|project|refinery|smelter|province|region|board)|it|its|they|their|we"
    r"|our|he|she|his|her)\b",
    re.IGNORECASE,
)
# "our city", "our region": the place the headline names.
_LOCAL_ANAPHOR = re.compile(
    r"\bour\s+(?:city|county|region|province|district|town|prefecture)\b", re.IGNORECASE
)
# "capacity in Yunnan is 5.61 Mt", "Smelters in Yunnan added ...": a place that qualifies the
# subject of its clause is what the figure is about, not a scope.
_PLACE_SUBJECT_VERB = re.compile(
    r"\s+(?:alone\s+)?(?:is|was|are|were|stood|stands|has|have|had|reached|rose|fell|added"
    r"|adds|produced|produces|totall?ed|averaged|increased|decreased|grew|dropped|hit|came"
    r"|amounted|exceeded)\b"
)
_CLAUSE_HEAD = re.compile(r"(?:[A-Za-z-]+\s+){1,6}in\s+(?:the\s+)?$")
_CLAUSE_OPENERS = re.compile(r"(?:^|[.,;:!?\n]|\bthat\b|\bwhile\b|\bwhereas\b)")
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
    new: bool = False  # a name the alias table does not know


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
        EntityMention(name_start, name_end, name, False, new=True)
        for name_start, name_end, name in company_names(text, start, end, table)
    ]
    if names:
        found = _merge(found, names)
        found = _merge_short_forms(text, start, end, found, table)
    for mention in found:
        mention.scope = bool(
            _SCOPE_BEFORE.search(text, max(0, mention.start - 16), mention.start)
            or (mention.place and _SCOPE_POSSESSIVE.match(text, mention.end, end))
        )
        if mention.scope and mention.place and _qualifies_clause_subject(text, mention, end):
            mention.scope = False
    return found


def _qualifies_clause_subject(text: str, mention: EntityMention, end: int) -> bool:
    """'capacity in Yunnan is ...': a short noun phrase, 'in', the place, then a verb."""
    if not _PLACE_SUBJECT_VERB.match(text, mention.end, end):
        return False
    window_start = max(0, mention.start - 60)
    window = text[window_start : mention.start]
    openers = list(_CLAUSE_OPENERS.finditer(window))
    clause = window[openers[-1].end() :] if openers else window
    return bool(_CLAUSE_HEAD.fullmatch(clause.lstrip()))


def _merge_short_forms(
    text: str, start: int, end: int, found: list[EntityMention], table: AliasTable
) -> list[EntityMention]:
    """'Fengrui' after 'Fengrui Aluminium', 'Shenghua' after 'Dongying Shenghua': a word of a
    new firm's name (not an industry word, not a name the table knows) names that firm."""
    short: dict[str, str] = {}
    for mention in found:
        if not mention.new:
            continue
        for word in mention.entity.split():
            if len(word) >= 4 and not _INDUSTRY_WORD.match(word) and table.entity(word) is None:
                short.setdefault(word, mention.entity)
    if not short:
        return found
    added = []
    taken = [(m.start, m.end) for m in found]
    for word, entity in short.items():
        position = text.find(word, start, end)
        while position >= 0:
            word_end = position + len(word)
            bounded = not (position and text[position - 1].isalnum()) and not (
                word_end < len(text) and text[word_end].isalnum()
            )
            if bounded and not any(s < word_end and position < e for s, e in taken):
                added.append(EntityMention(position, word_end, entity, False, new=True))
            position = text.find(word, word_end, end)
    if not added:
        return found
    return sorted(found + added, key=lambda mention: mention.start)


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
    """The subject of a figure and the rule that chose it (`subject_rule`), in this order:
    1. `nearest_before`: the nearest entity named before it in its sentence (not a scope such
       as "in China"); in a list sentence that is the name next to the figure;
    2. `company_anaphor`: the words before the figure say "the company" (enterprise, group,
       firm ...): the last company topic; `local_anaphor`: they say "our city" (county,
       region ...): the place the headline names;
    3. `topic`: the topic carried from earlier sentences (at first, the headline's place);
    4. `first_after`: the first entity named after it in its sentence;
    5. `scope_place`: a place the sentence is scoped to ("in China");
    6. `default`: the default subject; `none` when there is none.
    A rule ends in `:new_name` when the subject is a name the alias table does not know, so the
    review queue can propose it as a new alias rather than map it to a known firm.
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
        headline_place: str | None = None,
    ) -> None:
        self.text = text
        self.spans = spans
        self.default_subject = default_subject
        self.headline_place = headline_place
        self.new_names = {mention.entity for mention in mentions if mention.new}
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
        topic, company_topic = self._topics[position] if position >= 0 else (None, None)
        return topic or self.headline_place, company_topic

    def subject(self, start: int, end: int, index: int) -> str | None:
        return self.subject_and_rule(start, end, index)[0]

    def subject_and_rule(self, start: int, end: int, index: int) -> tuple[str | None, str]:
        entity, rule = self._choose(start, end, index)
        if entity is not None and entity in self.new_names:
            rule += ":new_name"
        return entity, rule

    def _choose(self, start: int, end: int, index: int) -> tuple[str | None, str]:
        mentions = self.by_sentence.get(index, [])
        before = [m for m in mentions if m.end <= start]
        for mention in reversed(before):
            if not mention.scope:
                return mention.entity, "nearest_before"
        topic, company_topic = self._carried(index)
        sentence_start = self.spans[index][0]
        if company_topic is not None and _ORGANISATION_ANAPHOR.search(
            self.text, sentence_start, start
        ):
            return company_topic, "company_anaphor"
        if self.headline_place is not None and _LOCAL_ANAPHOR.search(
            self.text, sentence_start, start
        ):
            return self.headline_place, "local_anaphor"
        if topic is not None:
            return topic, "topic"
        after = [m for m in mentions if m.start >= end]
        for mention in after:
            if not mention.scope:
                return mention.entity, "first_after"
        if before:
            return before[-1].entity, "scope_place"
        if after:
            return after[0].entity, "scope_place"
        if self.default_subject is not None:
            return self.default_subject, "default"
        return None, "none"


def headline_place(title: str | None, table: AliasTable) -> str | None:
    """The first place of the alias table a headline names ("Binzhou projects ..." → binzhou)."""
    pattern = table.pattern
    if not title or pattern is None:
        return None
    for match in pattern.finditer(title):
        entity = table.entity(match.group(0))
        if entity is not None and table.is_place(entity):
            return entity
    return None


def company_names(
    text: str, start: int, end: int, table: AliasTable | None = None
) -> Iterable[tuple[int, int, str]]:
    """Fallback: company-like names in text[start:end] as (start, end, name), in order; see
    the module docstring for the phrasings. A name the table knows as a whole is left to it."""
    found: list[tuple[int, int, str]] = []

    def add(name_start: int, name_end: int, written: str) -> None:
        if any(s < name_end and name_start < e for s, e, _name in found):
            return
        words = written.split()
        if words[0] in _NOT_A_FIRM or any(word in _NOT_A_FIRM for word in words[1:]):
            return
        name = " ".join(_LEGAL_SUFFIX.sub("", written).split())
        if name and (table is None or table.entity(name) is None):
            found.append((name_start, name_end, name))

    for match in _COMPANY.finditer(text, start, end):
        name = " ".join(_LEGAL_SUFFIX.sub("", match.group(0)).split())
        if name:
            found.append((match.start(), match.end(), name))
    for match in _CAPITALISED_RUN.finditer(text, start, end):
        words = match.group(0).split()
        first = 0
        while first < len(words) - 1 and words[first] in _NOT_A_FIRM:
            first += 1  # "In March Xinhai Metals": the name starts after the openers
        run_start = match.start()
        if first:
            run_start = text.find(words[first], match.start() + len(words[0]))
        words = words[first:]
        last = len(words) - 1
        if last >= 1 and words[last] in _LEGAL_WORDS:
            last -= 1  # "Mingtai Alloy Co said"
        after = text[match.end() : match.end() + 1]
        if last >= 1 and _INDUSTRY_WORD.match(words[last]) and after not in ("&", "-"):
            add(run_start, match.end(), " ".join(words))
        elif not 2 <= len(words) <= 3:
            continue
        elif _DIGIT_AFTER.match(text, match.end(), end):
            if text[max(0, match.start() - 4) : match.start()].endswith(_LIST_BEFORE):
                add(run_start, match.end(), " ".join(words))
        elif (
            first == 0
            and _OPENING_AFTER.match(text, match.end(), end)
            and _opens_sentence(text, match.start())
        ):
            add(run_start, match.end(), " ".join(words))
    found.sort()
    return found


def _opens_sentence(text: str, position: int) -> bool:
    before = text[max(0, position - 3) : position]
    return position == 0 or before.endswith(("\n", ". ", "- ", ") ")) or before.strip() == ""
