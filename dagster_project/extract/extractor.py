"""Article text → candidate claims, each pointing at the characters it came from.

`extract_text` works on a string; `extract_file` reads an article file (see articles.py) and
extracts from its body, with offsets into the whole decoded file. The steps, in order:
sentences → figure mentions → years and non-figures set aside → ranges paired → unit
adjustments (per tonne, per year) → bound → subject → metric → period.
See README.md in this folder for the rules and the decisions behind them.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from dagster_project.extract import bounds, metrics, periods, sentences
from dagster_project.extract.articles import MAX_ARTICLE_BYTES, Article, read_article
from dagster_project.extract.numbers import Mention, scan
from dagster_project.extract.patterns import lowered
from dagster_project.extract.subjects import (
    AliasTable,
    SubjectResolver,
    default_aliases,
    find_mentions,
    headline_place,
)
from dagster_project.extract.units import ANNUAL_UNITS, PER_TONNE_UNITS, apply_rate

OUTPUT_FIELDS = (
    "value", "unit", "surface", "start", "end", "sentence_start", "sentence_end", "bound",
    "subject", "metric", "period", "period_rule", "value_low", "value_high", "change",
    "subject_rule",
)  # fmt: skip
LEVEL, INCREASE, DECREASE = "level", "increase", "decrease"
EXCHANGE_RATE_RULE = "exchange_rate_note"


@dataclass(frozen=True, slots=True)
class Candidate:
    value: float
    unit: str
    surface: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    bound: str
    subject: str | None
    metric: str
    period: str | None
    period_rule: str
    candidate_id: str
    value_low: float | None = None  # both ends of a range ("20,000-30,000 yuan"), on each end
    value_high: float | None = None
    change: str = LEVEL  # level | increase | decrease ("up 19 cents", "fell 3.2%")
    subject_rule: str = "none"  # how the subject was chosen (subjects.SubjectResolver)

    def as_record(self) -> dict[str, object]:
        """The sixteen output fields (no candidate_id), as `alcap extract --format jsonl`."""
        record = asdict(self)
        return {name: record[name] for name in OUTPUT_FIELDS}


@dataclass
class Extraction:
    path: str
    sha256: str
    header: dict[str, str | None]
    warnings: list[str]
    candidates: list[Candidate]
    text: str = ""  # the decoded file the offsets point into
    body_start: int = 0
    source_id: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.source_id = self.header.get("source_id")

    @property
    def text_length(self) -> int:
        return len(self.text)

    @property
    def title(self) -> str | None:
        return self.header.get("title")

    @property
    def published(self) -> str | None:
        return self.header.get("published")


def candidate_id(article_sha256: str, start: int, end: int) -> str:
    """Stable id: sha1 of the article hash and the span; unchanged article → same ids."""
    return hashlib.sha1(f"{article_sha256}:{start}:{end}".encode()).hexdigest()


def extract_text(
    text: str,
    *,
    published: str | None = None,
    default_subject: str | None = None,
    aliases: AliasTable | None = None,
    title: str | None = None,
) -> list[Candidate]:
    """Candidates for every figure in `text`; offsets are into `text`. `title` (a headline)
    gives the place that "our city" and the opening sentences are about."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    table = default_aliases() if aliases is None else aliases
    return _extract(text, 0, len(text), published, default_subject, table, digest, title)


def extract_file(
    path: str | Path,
    *,
    aliases: AliasTable | None = None,
    default_subject: str | None = None,
    max_bytes: int | None = MAX_ARTICLE_BYTES,
) -> Extraction:
    """Read an article file and extract its body; raises ArticleError for a bad file."""
    article = read_article(path, max_bytes=max_bytes)
    return extract_article(article, aliases=aliases, default_subject=default_subject)


def extract_article(
    article: Article,
    *,
    aliases: AliasTable | None = None,
    default_subject: str | None = None,
) -> Extraction:
    """Extract an article already read (see articles.parse_article); offsets into its text."""
    table = default_aliases() if aliases is None else aliases
    candidates = _extract(
        article.text,
        article.body_start,
        len(article.text),
        article.published,
        default_subject,
        table,
        article.sha256,
        article.header.get("title"),
    )
    warnings = list(article.warnings)
    if not candidates and article.text[article.body_start :].strip():
        warnings.append("no figures found")
    return Extraction(
        article.path,
        article.sha256,
        article.header,
        warnings,
        candidates,
        article.text,
        article.body_start,
    )


# Words before a 4-digit year that make it a history claim rather than a date.
_SINCE = re.compile(r"\bsince\s+(?:the\s+year\s+)?$", re.IGNORECASE)
_FOUNDED = re.compile(
    r"\b(?:founded|established|set\s+up|incorporated|was\s+born)\s+in\s+(?:the\s+year\s+)?$",
    re.IGNORECASE,
)
_LIST_NAME = re.compile(r"(?:\bFortune(?:\s+Global)?|\bGlobal|\bTop|\bTOP)\s+$")
_CODE = re.compile(r"\b(?:code|codes|No\.|number|tel|phone|room|grade)\s*[:：]?\s*$", re.I)
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|~|～|to|and)\s*$", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween\s+$", re.IGNORECASE)
_FROM = re.compile(r"(?<!\brange\s)(?<!\branges\s)(?<!\branged\s)(?<!\bvaries\s)\bfrom\s+$", re.I)
_OF_AFTER = re.compile(r"\s+of\b")
_PER_TONNE_BASIS = re.compile(
    r"\b(?:one|each|every|per|a|1)\s+(?:metric\s+)?(?:tonnes?|tons?)\b", re.IGNORECASE
)
# "a year earlier", "a year ago": a comparison with the year before, not a yearly rate.
_NOT_A_RATE = r"(?!\s+(?:earlier|ago|before|previously|later|on\s+year)\b)"
_ANNUAL_AFTER = re.compile(
    rf"[^,;.\d]{{0,30}}?\b(?:a|per|each|every)\s+year\b{_NOT_A_RATE}|[^,;.\d]{{0,30}}?\bannually\b",
    re.I,
)
_ANNUAL = re.compile(
    r"\b(?:annual|annually|annualised|annualized|yearly|per\s+year|a\s+year|per\s+annum"
    rf"|each\s+year|every\s+year)\b{_NOT_A_RATE}",
    re.IGNORECASE,
)
# "($1 = 6.4992 yuan)", "US$1 equals 7.10 Chinese yuan renminbi", "the yuan at 6.45 per dollar".
_EXCHANGE_NOTE = re.compile(
    r"(?:(?:US|U\.S\.\s?)?\$\s?1(?:\.00)?|\b(?:one|1)\s+(?:US\s+|U\.S\.\s+)?dollars?|\bUSD\s?1)"
    r"\s*(?:=|equals|is\s+equal\s+to|to|against)\s*(?P<rate>\d{1,3}(?:\.\d+)?)\s*"
    r"(?P<currency>(?:Chinese\s+)?(?:yuan|RMB|CNY)(?:\s+renminbi)?|renminbi)",
    re.IGNORECASE,
)
_PER_DOLLAR = re.compile(
    r"(?P<rate>\d{1,2}\.\d+)\s*(?:(?P<currency>yuan|RMB)\s+)?(?:per|to\s+the|against\s+the|a)\s+"
    r"(?:US\s+|U\.S\.\s+)?dollar\b",
    re.IGNORECASE,
)
# Words before a figure that make it a change: "up 19 cents", "fell 3.2%", "cut ... by $150".
_GAP = (
    r"(?:another\s+|a\s+further\s+|a\s+total\s+of\s+)?(?:about\s+|nearly\s+|some\s+|around\s+"
    r"|almost\s+|roughly\s+|over\s+|more\s+than\s+|up\s+to\s+|less\s+than\s+|just\s+)?"
)
_UP_WORDS = (
    r"up|rose|risen|rises?|gain(?:ed|s)?|climb(?:ed|s)?|increas(?:ed|es)|jump(?:ed|s)?"
    r"|grew|grow(?:n|s)?|added|adds?|soared|surged|rallied|advanced|higher|expanded|rising"
    r"|increasing|climbing|jumping|growing|gaining|adding|soaring"
)
_DOWN_WORDS = (
    r"down|fell|fallen|falls?|dropped|drops?|slipped|slid|declined|declines?|decreased"
    r"|decreases?|lost|cut|cuts|eased|shed|lower|shrank|slumped|plunged|tumbled|reduced|falling"
    r"|dropping|declining|decreasing|slipping|sliding|easing|losing|cutting|shrinking"
)
_UP_BEFORE = re.compile(
    rf"\b(?:(?:{_UP_WORDS})\s+(?:by\s+)?|(?:an?\s+)?(?:increase|rise|growth|gain|jump)\s+of\s+){_GAP}$",
    re.IGNORECASE,
)
_DOWN_BEFORE = re.compile(
    rf"\b(?:(?:{_DOWN_WORDS})\s+(?:by\s+)?|(?:an?\s+)?(?:decrease|decline|drop|fall|reduction|loss)\s+of\s+){_GAP}$",
    re.IGNORECASE,
)
_UP_BY_BEFORE = re.compile(rf"\b(?:{_UP_WORDS})\b[^,;.\d]{{0,40}}?\bby\s+{_GAP}$", re.I)
_DOWN_BY_BEFORE = re.compile(rf"\b(?:{_DOWN_WORDS})\b[^,;.\d]{{0,40}}?\bby\s+{_GAP}$", re.I)
# Any word the change patterns above start with, to skip them where none is near.
_CHANGE_HINT_WORDS = (
    "up rose risen rise rises gain gained gains climb climbed climbs increased increases jump "
    "jumped jumps grew grow grown grows added add adds soared surged rallied advanced higher "
    "expanded down fell fallen fall falls dropped drop drops slipped slid declined decline "
    "declines decreased decrease decreases lost cut cuts eased shed lower shrank slumped "
    "plunged tumbled reduced by increase growth reduction loss rising increasing climbing jumping "
    "growing gaining adding soaring falling dropping declining decreasing slipping sliding "
    "easing losing cutting shrinking"
)
_CHANGE_WORDS = frozenset(_CHANGE_HINT_WORDS.split())
# Between two changes of one unit joined by "and" / "or": "up 3.9% on month and 8.2% on year",
# "rose $31.50, or 1.4%" is not this (the units differ).
_JOINED_CHANGE = re.compile(r"[\s,]*(?:[a-z-]+\s+){0,4}?(?:and|or)\s+(?:by\s+)?", re.IGNORECASE)
_UP_AFTER = re.compile(r"\s+(?:more|higher|up|above)\b(?!\s+(?:than\s+)?\d)", re.IGNORECASE)
_DOWN_AFTER = re.compile(r"\s+(?:fewer|less|lower|down|below)\b(?!\s+(?:than\s+)?\d)", re.I)
# A past change right before a figure: "rose 17,425 tonnes to 962,650 tonnes" is a change and a
# level, not a range.
_MOVED_BEFORE = re.compile(
    r"\b(?:up|down|rose|fell|gained|lost|added|dropped|climbed|jumped|slipped|declined|increased"
    r"|decreased|eased|shed|grew|slid|surged|soared|plunged|cut|by)\s+(?:about\s+|nearly\s+"
    r"|some\s+|around\s+|another\s+)?$",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"\s+(?:of\s+(?:them|these|those|which|whom)\b|(?:more|fewer)\b(?!\s+(?:than\s+)?\d))", re.I
)
_COUNT_BEFORE_WORDS = ("umbered", "otal", "which", "whom", "mong", "ncluding", "umber")
_COUNT_BEFORE = re.compile(
    r"\b(?:numbered|numbering|totall?ed|of\s+(?:which|whom)|among\s+(?:them|these)|including"
    r"|(?:bringing|brought|taking|took)\s+the\s+(?:total|number)\s+to"
    r"|number\s+of\b[^.;\d]{0,60}?\b(?:was|is|were|are|reached|stood\s+at|hit|rose\s+to))\s+$",
    re.IGNORECASE,
)
# Output over part of a year is not a capacity: "in the first three quarters, it delivered ...".
_PART_OF_YEAR = re.compile(
    r"\b(?:quarters?|half|months?|weeks?|January|February|March|April|May|June|July|August"
    r"|September|October|November|December)\b",
    re.IGNORECASE,
)
_SINCE_CLAUSE = re.compile(r"\bsince\b[^,.;\d]{0,40}?\b(?:in|of)\s+$", re.IGNORECASE)
# A part of the year named without its year: "third-quarter revenue", "from January to June".
_PART_WITHOUT_YEAR = (
    (
        "H1",
        re.compile(
            r"\b(?:first\s+half|first-half|H1|1H|January\s+(?:to|through)\s+June"
            r"|January-June|first\s+six\s+months)\b",
            re.I,
        ),
    ),
    ("Q1", re.compile(r"\b(?:first[\s-]quarter|Q1|January\s+(?:to|through)\s+March)\b", re.I)),
    ("Q2", re.compile(r"\b(?:second[\s-]quarter|Q2)\b", re.I)),
    ("Q3", re.compile(r"\b(?:third[\s-]quarter|Q3)\b", re.I)),
    ("Q4", re.compile(r"\b(?:fourth[\s-]quarter|Q4)\b", re.I)),
)
# "up 12% on the same period last year", "more than last year": a comparison, not the period.
_COMPARED_LAST_YEAR = re.compile(
    r"\b(?:period|than|from|over|on|against|with|versus|vs\.?)\s+last\s+year\b", re.I
)
_LAST_YEAR = re.compile(r"\blast\s+year\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[,;:()，；：]")
_MONEY_WORD = re.compile(r"\b(?:yuan|RMB|dollars?)\b|元", re.IGNORECASE)
_PRODUCT_NOUNS = frozenset({"wheels", "pistons", "pieces", "sets", "vehicles", "cans", "products"})


def _extract(
    text: str,
    start: int,
    end: int,
    published: str | None,
    default_subject: str | None,
    table: AliasTable,
    article_hash: str,
    title: str | None = None,
) -> list[Candidate]:
    spans = sentences.split(text, start, end)
    if not spans:
        return []
    sentence_starts = [span[0] for span in spans]

    def sentence_of(position: int) -> int:
        return max(0, bisect_right(sentence_starts, position) - 1)

    lower = lowered(text)
    scanned = _exchange_rates(text, start, end, scan(text, start, end, lower))
    mentions = [(m, sentence_of(m.start)) for m in scanned]
    ranges = _pair_ranges(text, mentions)

    years: list[periods.YearToken] = []
    figures: list[tuple[Mention, int]] = []  # (mention, sentence index)
    for mention, index in mentions:
        floor = spans[index][0]
        window = max(floor, mention.start - 24)
        if _is_year(mention):
            role = "date"
            if _SINCE.search(text, window, mention.start):
                role = "since"
            elif _FOUNDED.search(text, window, mention.start):
                role = "founded"
            elif _SINCE_CLAUSE.search(text, max(floor, mention.start - 48), mention.start):
                role = "anchor"  # "since it listed in 2011": the start of something else
            token = periods.YearToken(mention.start, mention.end, int(mention.value), index, role)
            years.append(token)
            continue
        if mention.kind == "number" and (
            _maybe_list_name(text, window, mention.start)
            or (mention.unit is None and _CODE.search(text, window, mention.start))
        ):
            continue
        figures.append((mention, index))

    kept: list[tuple[Mention, int]] = []
    for mention, index in figures:
        if mention.unit is None and not mention.has_scale:
            if not _named_count(text, mention, spans[index][0]):
                continue  # a bare number: dates, list numbers, model names
            mention.unit = "count"
        if mention.unit is None:
            if not mention.has_scale:
                continue
            floor, ceiling = spans[index]
            money = _MONEY_WORD.search(text, floor, ceiling)
            mention.unit = "CNY" if money else "count"
        if mention.unit == "t" and mention.value == 1 and _OF_AFTER.match(text, mention.end, end):
            continue  # "one tonne of aluminium": the basis of a per-tonne figure
        kept.append((mention, index))

    durations = [
        (mention.start, mention.end, mention.value, index)
        for mention, index in kept
        if mention.unit == "years"
    ]
    as_of = periods.published_year(published)
    as_of_rule = periods.PUBLISHED_DATE
    if as_of is None:
        as_of = periods.infer_as_of_year(text, years, durations)
        as_of_rule = periods.INFERRED
    if as_of is None:
        as_of_rule = periods.UNKNOWN
    anchored = periods.anchors([y for y in years if y.role == "date"], durations)
    date_years: dict[int, list[periods.YearToken]] = {}
    for token in years:
        if token.role == "date" and token.start not in anchored:
            date_years.setdefault(token.sentence, []).append(token)

    resolver = SubjectResolver(
        text,
        spans,
        find_mentions(text, table, start, end, lower),
        default_subject,
        headline_place(title, table),
    )
    keyword_cache: dict[int, list[metrics.Keyword]] = {}

    items: list[tuple[Mention, int, str | None]] = [(m, i, None) for m, i in kept]
    items += [
        (_year_mention(token), token.sentence, token.role)
        for token in years
        if token.role in ("since", "founded")
    ]
    items.sort(key=lambda item: item[0].start)

    kept_spans = [(mention.start, mention.end) for mention, _index in kept]
    candidates: list[Candidate] = []
    changes: dict[int, str] = {}
    previous_rate: dict[int, tuple[str, str]] = {}  # sentence → (unit, metric) of its last figure
    for mention, index, year_role in items:
        sentence_start, sentence_end = spans[index]
        unit = mention.unit or "count"

        if mention.kind == "exchange_rate":
            subject, subject_rule = None, EXCHANGE_RATE_RULE
        else:
            subject, subject_rule = resolver.subject_and_rule(mention.start, mention.end, index)

        # Units: a per-tonne basis earlier in the sentence; annual capacities.
        if unit in PER_TONNE_UNITS and _per_tonne_basis(text, sentence_start, mention, kept_spans):
            unit = PER_TONNE_UNITS[unit]

        keywords = keyword_cache.get(index)
        if keywords is None:
            keywords = metrics.keywords_in(text, sentence_start, sentence_end, lower)
            keyword_cache[index] = keywords
        if year_role is not None:
            metric = metrics.YEAR_ROLE_METRICS[year_role]
        elif mention.kind == "exchange_rate":
            metric = metrics.EXCHANGE_RATE
        else:
            metric = metrics.guess(unit, mention.start, mention.end, keywords, mention.noun)
            metric = metrics.refine(metric, text, sentence_start, sentence_end)
        if (
            unit == "t"
            and previous_rate.get(index - 1) == ("t/yr", "capacity")
            and not _fits(keywords, unit)
            and not _PART_OF_YEAR.search(text, sentence_start, sentence_end)
        ):
            metric = (
                "capacity"  # "capacity is 5.6 Mt. 1.2 million tons were cut ...": still capacity
            )
        if unit in ANNUAL_UNITS and (unit != "count" or mention.noun in _PRODUCT_NOUNS):
            window = max(sentence_start, mention.start - 80)
            # The rate word must be in the figure's clause: "grow 10% a year to 2030, when it
            # could reach 10 million tonnes" gives tonnes, not tonnes a year.
            window = max(
                window,
                text.rfind(", ", window, mention.start) + 1,
                text.rfind("; ", window, mention.start) + 1,
                text.rfind(": ", window, mention.start) + 1,
            )
            if (
                metric == "capacity"
                or _ANNUAL.search(text, window, mention.start)
                or _ANNUAL_AFTER.match(text, mention.end, sentence_end)
            ):
                unit = ANNUAL_UNITS[unit]
                metric = metrics.for_unit(metric, unit)

        if mention.bound is not None:
            bound = mention.bound
        elif mention.kind == "rank_top":
            bound = bounds.AT_MOST
        elif year_role is not None:
            bound = bounds.EXACT
        else:
            bound = bounds.bound_of(text, mention.start, mention.end, sentence_start, sentence_end)

        period, rule = _period(
            text, mention, index, date_years, as_of, as_of_rule, sentence_start, sentence_end
        )
        pair = ranges.get(id(mention))
        if pair is not None and pair[1] is mention:
            change = changes.get(id(pair[0]), LEVEL)  # "grow 8% to 10%": both ends rise
        else:
            change = _change(text, lower, mention, sentence_start, sentence_end)
        if change == LEVEL and candidates and candidates[-1].sentence_start == sentence_start:
            previous = candidates[-1]
            if (
                previous.change != LEVEL
                and previous.unit == (unit or "count")
                and _JOINED_CHANGE.fullmatch(text, previous.end, mention.start)
            ):
                change = previous.change  # "up 3.9% on month and 8.2% on year"
        changes[id(mention)] = change
        previous_rate[index] = (unit, metric)
        candidates.append(
            Candidate(
                value=_clean(mention.value),
                unit="year" if year_role else unit,
                surface=text[mention.start : mention.end],
                start=mention.start,
                end=mention.end,
                sentence_start=sentence_start,
                sentence_end=sentence_end,
                bound=bound,
                subject=subject,
                metric=metric,
                period=period,
                period_rule=rule,
                candidate_id=candidate_id(article_hash, mention.start, mention.end),
                value_low=_clean(pair[0].value) if pair else None,
                value_high=_clean(pair[1].value) if pair else None,
                change=change,
                subject_rule=subject_rule,
            )
        )
    return _money_beside_a_price(candidates, kept)


def _fits(keywords: list[metrics.Keyword], unit: str) -> bool:
    """Whether any metric keyword of the sentence fits this unit."""
    return any(unit in units for _start, _end, entries in keywords for _metric, units in entries)


def _named_count(text: str, mention: Mention, sentence_start: int) -> bool:
    """A bare whole number whose noun was named before it: "enterprises numbered 152", "11 of
    them", "of which 96 are ...", "including 23 ...", "bringing the total to 37", "the number of
    entities was 68,212", "600 more than a year earlier"."""
    if not mention.integer and "," not in text[mention.start : mention.end]:
        return False
    if 1900 <= mention.value <= 2100 and mention.end - mention.start == 4:
        return False
    if _COUNT_AFTER.match(text, mention.end):
        return True
    window = max(sentence_start, mention.start - 80)
    before = text[window : mention.start]
    if not any(word in before for word in _COUNT_BEFORE_WORDS):
        return False
    return _COUNT_BEFORE.search(text, window, mention.start) is not None


def _per_tonne_basis(
    text: str, sentence_start: int, mention: Mention, spans: list[tuple[int, int]]
) -> bool:
    """'one tonne of aluminium ... adds 500 yuan': a basis earlier in the sentence, not inside
    another figure ('3,000 cans per tonne')."""
    for match in _PER_TONNE_BASIS.finditer(text, sentence_start, mention.start):
        index = bisect_right(spans, (match.start(), len(text))) - 1
        if index >= 0 and spans[index][0] <= match.start() < spans[index][1]:
            continue
        return True
    return False


def _maybe_list_name(text: str, window: int, start: int) -> bool:
    """'Fortune Global 500', 'China Top 500 Enterprises': a list's name, not a figure."""
    before = text[window:start]
    if not any(word in before for word in ("Fortune", "Global", "Top", "TOP")):
        return False
    return _LIST_NAME.search(text, window, start) is not None


def _is_year(mention: Mention) -> bool:
    return (
        mention.kind == "number"
        and mention.integer
        and mention.unit is None
        and not mention.has_scale
        and 1900 <= mention.value <= 2100
        and mention.number_end - mention.start == 4
    )


def _year_mention(token: periods.YearToken) -> Mention:
    return Mention(token.start, token.end, float(token.year), "year", "year", integer=True)


def _pair_ranges(
    text: str, figures: list[tuple[Mention, int]]
) -> dict[int, tuple[Mention, Mention]]:
    """'20,000-30,000 yuan', 'between 15% and 20%', '3-5 million tons': two candidates, each
    knowing the pair (by id of either mention)."""
    pairs: dict[int, tuple[Mention, Mention]] = {}
    for (low, low_sentence), (high, high_sentence) in zip(figures, figures[1:], strict=False):
        if low_sentence != high_sentence or high.unit is None or low.kind != "number":
            continue
        if high.kind != "number" or high.start - low.end > 7:
            continue
        gap = _RANGE_GAP.match(text, low.end, high.start)
        if gap is None or gap.end() != high.start:
            continue
        connector = gap.group(0).strip().lower()
        window = max(0, low.start - 10)
        if connector == "and" and not _BETWEEN.search(text, window, low.start):
            continue
        if connector == "to" and _FROM.search(text, window, low.start):
            continue  # "from 20% to 30%" is a change, not a range
        if connector == "to" and _MOVED_BEFORE.search(text, max(0, low.start - 24), low.start):
            continue  # "rose 17,425 tonnes to 962,650 tonnes": a change, then the level
        if low.unit is None:
            factor = high.multiplier if low.has_scale else high.scale * high.multiplier
            low.value *= factor
            low.unit = high.unit
        elif high.rate and apply_rate(low.unit, high.rate) == high.unit:
            low.unit = high.unit  # "$188-$195 a tonne": the rate is written once, at the end
        elif low.unit != high.unit:
            continue
        low.bound = bounds.AT_LEAST
        high.bound = bounds.AT_MOST
        pairs[id(low)] = pairs[id(high)] = (low, high)
    return pairs


def _exchange_rates(text: str, start: int, end: int, mentions: list[Mention]) -> list[Mention]:
    """'($1 = 6.4992 yuan)': one CNY/USD figure (the rate and its currency word), not a USD 1
    amount and a yuan amount."""
    notes = []
    if "=" in text or "equal" in text:
        notes += _EXCHANGE_NOTE.finditer(text, start, end)
    if " dollar" in text:
        notes += _PER_DOLLAR.finditer(text, start, end)
    if not notes:
        return mentions
    kept = [m for m in mentions if not any(n.start() < m.end and m.start < n.end() for n in notes)]
    for note in notes:
        rate_end = note.end("currency") if note.group("currency") else note.end("rate")
        rate = Mention(
            note.start("rate"), rate_end, float(note.group("rate")), "CNY/USD", "exchange_rate"
        )
        rate.bound = bounds.EXACT
        kept.append(rate)
    kept.sort(key=lambda mention: mention.start)
    return kept


def _change(text: str, lower: str, mention: Mention, sentence_start: int, sentence_end: int) -> str:
    """increase / decrease when the words touching the figure make it a change, else level.
    The patterns before the figure are tried only where a change word of the 60 characters
    before it starts (the scans' speed)."""
    window = max(sentence_start, mention.start - 60)
    words = {word for word in lower[window : mention.start].split() if word in _CHANGE_WORDS}
    starts = sorted({lower.rfind(word, window, mention.start) for word in words}, reverse=True)
    up_before = any(_UP_BEFORE.match(text, at, mention.start) for at in starts)
    if up_before or _UP_AFTER.match(text, mention.end, sentence_end):
        return INCREASE
    down_before = any(_DOWN_BEFORE.match(text, at, mention.start) for at in starts)
    if down_before or _DOWN_AFTER.match(text, mention.end, sentence_end):
        return DECREASE
    if any(_UP_BY_BEFORE.match(text, at, mention.start) for at in starts):
        return INCREASE
    if any(_DOWN_BY_BEFORE.match(text, at, mention.start) for at in starts):
        return DECREASE
    return LEVEL


def _money_beside_a_price(
    candidates: list[Candidate], kept: list[tuple[Mention, int]]
) -> list[Candidate]:
    """'$2,552 a tonne, down $84': money without a rate or a scale word, in a sentence with a
    price per tonne in the same currency, is per tonne too."""
    scaled = {mention.start for mention, _index in kept if mention.has_scale}
    prices = {(c.sentence_start, c.unit) for c in candidates if c.unit in ("CNY/t", "USD/t")}
    if not prices:
        return candidates
    result = []
    for candidate in candidates:
        per_tonne = PER_TONNE_UNITS.get(candidate.unit)
        if (
            per_tonne in ("CNY/t", "USD/t")
            and (candidate.sentence_start, per_tonne) in prices
            and candidate.start not in scaled
            and candidate.value < 1e6
        ):
            metric = candidate.metric
            if metric == metrics.UNIT_DEFAULTS.get(candidate.unit):
                metric = metrics.UNIT_DEFAULTS.get(per_tonne, metric)
            candidate = replace(candidate, unit=per_tonne, metric=metric)
        result.append(candidate)
    return result


def _period(
    text: str,
    mention: Mention,
    index: int,
    date_years: dict[int, list[periods.YearToken]],
    as_of: int | None,
    as_of_rule: str,
    sentence_start: int,
    sentence_end: int,
) -> tuple[str | None, str]:
    """The nearest date year before the figure in its sentence, else one after it in the same
    clause ("2860亿元 in 2019"), else the article's as-of year, less one when the sentence
    says "last year" (the rule stays the as-of year's)."""
    tokens = date_years.get(index) or []
    before = [token for token in tokens if token.end <= mention.start]
    chosen = before[-1] if before else None
    if chosen is None:
        for token in tokens:
            if token.start >= mention.end and not _CLAUSE_BREAK.search(
                text, mention.end, token.start
            ):
                chosen = token
                break
    if chosen is not None:
        return periods.period_label(text, chosen, sentence_start), periods.EXPLICIT
    if as_of is None:
        return None, periods.UNKNOWN
    last_years = len(_LAST_YEAR.findall(text, sentence_start, sentence_end))
    if last_years > len(_COMPARED_LAST_YEAR.findall(text, sentence_start, sentence_end)):
        return str(as_of - 1), as_of_rule
    if "quarter" in text[sentence_start:sentence_end].lower() or any(
        marker in text[sentence_start:sentence_end]
        for marker in ("half", "H1", "1H", "Q1", "Q2", "Q3", "Q4", "June", "March", "six months")
    ):
        for part, pattern in _PART_WITHOUT_YEAR:
            if pattern.search(text, sentence_start, sentence_end):
                return f"{as_of}-{part}", as_of_rule
    return str(as_of), as_of_rule


def _clean(value: float) -> float:
    """Round away float noise from scale multiplication (3.3 * 1e9)."""
    return float(f"{value:.12g}")
