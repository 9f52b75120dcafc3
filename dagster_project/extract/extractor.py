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
from dataclasses import asdict, dataclass, field
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
)
from dagster_project.extract.units import ANNUAL_UNITS, PER_TONNE_UNITS

OUTPUT_FIELDS = (
    "value", "unit", "surface", "start", "end", "sentence_start", "sentence_end", "bound",
    "subject", "metric", "period", "period_rule",
)  # fmt: skip


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

    def as_record(self) -> dict[str, object]:
        """The twelve output fields (no candidate_id), as `alcap extract --format jsonl`."""
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
) -> list[Candidate]:
    """Candidates for every figure in `text`; offsets are into `text`."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    table = default_aliases() if aliases is None else aliases
    return _extract(text, 0, len(text), published, default_subject, table, digest)


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
_ANNUAL_AFTER = re.compile(
    r"[^,;.\d]{0,30}?\b(?:a|per|each|every)\s+year\b|[^,;.\d]{0,30}?\bannually\b", re.I
)
_ANNUAL = re.compile(
    r"\b(?:annual|annually|yearly|per\s+year|a\s+year|per\s+annum|each\s+year|every\s+year)\b",
    re.IGNORECASE,
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
) -> list[Candidate]:
    spans = sentences.split(text, start, end)
    if not spans:
        return []
    sentence_starts = [span[0] for span in spans]

    def sentence_of(position: int) -> int:
        return max(0, bisect_right(sentence_starts, position) - 1)

    lower = lowered(text)
    mentions = [(m, sentence_of(m.start)) for m in scan(text, start, end, lower)]
    _pair_ranges(text, mentions)

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
        if mention.unit is None:
            if not mention.has_scale:
                continue  # a bare number: dates, list numbers, model names
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
        text, spans, find_mentions(text, table, start, end, lower), default_subject
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
    for mention, index, year_role in items:
        sentence_start, sentence_end = spans[index]
        unit = mention.unit or "count"

        subject = resolver.subject(mention.start, mention.end, index)

        # Units: a per-tonne basis earlier in the sentence; annual capacities.
        if unit in PER_TONNE_UNITS and _per_tonne_basis(text, sentence_start, mention, kept_spans):
            unit = PER_TONNE_UNITS[unit]

        keywords = keyword_cache.get(index)
        if keywords is None:
            keywords = metrics.keywords_in(text, sentence_start, sentence_end, lower)
            keyword_cache[index] = keywords
        if year_role is not None:
            metric = metrics.YEAR_ROLE_METRICS[year_role]
        else:
            metric = metrics.guess(unit, mention.start, mention.end, keywords, mention.noun)
            metric = metrics.refine(metric, text, sentence_start, sentence_end)
        if unit in ANNUAL_UNITS and (unit != "count" or mention.noun in _PRODUCT_NOUNS):
            window = max(sentence_start, mention.start - 80)
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
            )
        )
    return candidates


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


def _pair_ranges(text: str, figures: list[tuple[Mention, int]]) -> None:
    """'20,000-30,000 yuan', 'between 15% and 20%', '3-5 million tons': two candidates."""
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
        if low.unit is None:
            factor = high.multiplier if low.has_scale else high.scale * high.multiplier
            low.value *= factor
            low.unit = high.unit
        elif low.unit != high.unit:
            continue
        low.bound = bounds.AT_LEAST
        high.bound = bounds.AT_MOST


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
    if _LAST_YEAR.search(text, sentence_start, sentence_end):
        return str(as_of - 1), as_of_rule
    return str(as_of), as_of_rule


def _clean(value: float) -> float:
    """Round away float noise from scale multiplication (3.3 * 1e9)."""
    return float(f"{value:.12g}")
