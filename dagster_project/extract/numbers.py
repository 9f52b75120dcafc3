"""Find the figures in a text: numbers with their scale, unit and rate, as written.

Two scans over the text, each one compiled regex:
- digits: "330billion yuan", "1,650亿元", "0.245mm", "15 ten thousand tons", "4th largest",
  "No. 1", "2019年";
- words: "seven consecutive years", "two billion yuan", "one third", "half of", "fourth-largest",
  "ranked first", "number one", "top ten".
Each hit becomes a `Mention`: span, value (scale and unit multiplier applied), canonical unit
(or None for a bare number), and what kind of figure it is. Deciding which mentions are
claims (bare numbers, dates, list names) is the extractor's job, not this module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dagster_project.extract.patterns import trie_pattern
from dagster_project.extract.units import (
    COUNT_NOUNS,
    PREFIX_CURRENCY,
    RATE_PATTERN,
    SCALE_PATTERN,
    UNIT_PATTERN,
    apply_rate,
    canonical_rate,
    canonical_scale,
    canonical_unit,
)

# Thousands separators, also broken by a space after the comma as copy often is ("50, 000").
NUMBER = r"(?:\d{1,3}(?:,(?: (?=\d{3}(?!\d)))?\d{3})+|\d+)(?:\.\d+)?"

WORD_VALUES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
ORDINAL_VALUES = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
FRACTION_DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
    "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "eighth": 8, "eighths": 8,
    "tenth": 10, "tenths": 10,
}  # fmt: skip
NUMERATORS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4}

_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
WORD_NUMBER = rf"(?:(?:{_TENS})(?:[\s-](?:{_ONES})(?![a-z]))?|{_TEENS}|{_ONES})"

_TAIL = re.compile(
    rf"(?:[\s-]?(?P<scale>{SCALE_PATTERN}))?"
    rf"(?:[\s-]?(?P<unit>{UNIT_PATTERN}))?"
    rf"(?:{RATE_PATTERN})?",
    re.IGNORECASE,
)
_STOP_WORDS = (
    "of|are|is|was|were|be|been|in|to|the|a|an|and|or|for|with|from|by|on|at|than|that|"
    "which|who|this|these|its|their|has|have|had|will|would|per|as|into|over|about|yuan|"
    "tons|tonnes|percent|year|years"
)
_FILLER = rf"(?!(?:{_STOP_WORDS})\b)[A-Za-z][a-z-]*"
_COUNT_TAIL = re.compile(
    rf"(?:\s+(?:are|were)(?=\s))?"  # "of whom 300 are researchers"
    rf"(?:\s+{_FILLER}(?:\s+and\s+{_FILLER})?){{0,2}}?\s+"
    rf"(?P<noun>{'|'.join(sorted(COUNT_NOUNS, key=len, reverse=True))})(?![A-Za-z])"
    rf"(?:{RATE_PATTERN})?",
    re.IGNORECASE,
)
# Any plural after a digit number counts too ("22 aluminium smelters", "126 parks"), except
# these, which are units, times or not nouns.
_NOT_COUNTED = (
    "years|times|tons|tonnes|yuan|dollars|percent|meters|metres|kilometers|kilometres|hours|"
    "days|months|weeks|minutes|seconds|points|degrees|kilograms|sales|series|means|news|basis|"
    "is|was|has|its|this|thus|plus|less|across|always|sometimes|others|ours|unless|whereas|"
    "versus|whereas|as|us"
)
_PLURAL_TAIL = re.compile(
    rf"(?:\s+(?!(?:largest|biggest|leading|top|best)\b){_FILLER}){{0,2}}?\s+(?P<noun>(?!(?:{_NOT_COUNTED})\b)[a-z][a-z-]{{2,}}s)(?![A-Za-z])"
    rf"(?:{RATE_PATTERN})?"
)
DIGITS = re.compile(rf"{NUMBER}(?:(?P<ordinal>st|nd|rd|th)(?![a-z]))?", re.IGNORECASE)
WORDS = re.compile(
    r"\b(?:"
    r"(?P<fraction>(?:one|a|two|three|four)[\s-](?:halves|half|thirds|third|quarters|quarter"
    r"|fourths|fourth|fifths|fifth|sixths|sixth|eighths|eighth|tenths|tenth))"
    r"|(?P<half>half)"
    r"|(?P<ordinal>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)"
    rf"|(?P<number>{WORD_NUMBER})"
    r"|(?P<number_one>number\s+one)"
    r"|(?P<top>top)"
    r"|(?P<superlative>largest|biggest)"
    r")\b",
    re.IGNORECASE,
)
_TRIGGER_WORDS = [
    *WORD_VALUES,
    *ORDINAL_VALUES,
    "half",
    "number",
    "top",
    "largest",
    "biggest",
    *(f"a {denominator}" for denominator in FRACTION_DENOMINATORS),
]
# Finds where a spelled figure may start; WORDS, anchored there, says what it is.
_TRIGGER_BODY = (
    r"(?<![A-Za-z])(?:"
    + trie_pattern(_TRIGGER_WORDS, lambda c: r"[\s-]" if c == " " else c)
    + r")(?![A-Za-z])"
)
WORD_TRIGGER = re.compile(_TRIGGER_BODY, re.IGNORECASE)
WORD_TRIGGER_LOWER = re.compile(_TRIGGER_BODY)  # for text already lower-cased
_SUPERLATIVE = re.compile(
    r"[\s-]+(?:largest|biggest|greatest|highest|leading|strongest|most|place|position|spot)\b"
    r"|\s+(?:in|among)\s+(?:the\s+|its\s+|this\s+)?(?:country|nation|world|industry|province"
    r"|city|china|domestic|global|market|sector|same)\b(?![^.;,]{0,40}?\bto\s+[a-z]+)",
    re.IGNORECASE,
)
_RANK_BEFORE = re.compile(
    r"(?:rank|ranks|ranked|ranking|placed|came|stood|ranking\s+the|ranked\s+as)"
    r"(?:\s+the)?\s+$",
    re.IGNORECASE,
)
_NO_BEFORE = re.compile(r"\b(?:No|NO|no)\.\s?$|\b(?:No|NO)\s$")
_TOP_TAIL = re.compile(rf"\s+(?P<n>\d{{1,3}}|{WORD_NUMBER})\b", re.IGNORECASE)
_PREFIX_BEFORE = re.compile(r"(?:\b(?:RMB|CNY|USD)|\bUS\$|\$|¥|￥)\s?$", re.IGNORECASE)
_PART_OF_YEAR = re.compile(r"\s+of\s+(?:the\s+year\s+)?(?:\d{4}|this|last|the\s+year)\b", re.I)
_ORDINAL_BEFORE = re.compile(r"\b(?:first|last|past|next)\s+$", re.IGNORECASE)
_HALF_A = re.compile(r"\s+an?(?=\s)", re.IGNORECASE)
_GLUED_CURRENCY = re.compile(r"(?<![A-Za-z])(?:RMB|CNY|USD)$", re.IGNORECASE)
_RATE_AFTER = re.compile(RATE_PATTERN, re.IGNORECASE)
_TOP_BEFORE = re.compile(r"\b(?:the|among|in|into|of|its|their)\s+$", re.IGNORECASE)
_FRACTION_NOUN_AFTER = re.compile(
    r"[\s-]+(?!(?:of|as|that|than|the|more|less|lower|higher|larger|smaller|and|or|to|in|for"
    r"|from|by|is|are|was|were)\b)[a-z]",
    re.IGNORECASE,
)
_MORE_OR_FEWER = re.compile(r"\s+(?:more|fewer)\b(?!\s+(?:than\s+)?\d)", re.IGNORECASE)
_PLAN = re.compile(r"[\s-]year[\s-]plan", re.IGNORECASE)


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    value: float
    unit: str | None  # canonical unit, None for a bare number
    kind: str  # number | year | rank | fraction
    has_scale: bool = False
    noun: str | None = None  # count noun, when the unit came from one
    number_end: int = 0  # end of the number itself (before scale and unit)
    rate: str | None = None  # '/t' or '/yr' as written after the unit
    integer: bool = False  # written as plain digits without separators or decimals
    scale: float = 1.0  # the scale word's factor (billion → 1e9)
    multiplier: float = 1.0  # the unit word's factor (microns → 0.001 mm)
    bound: str | None = None  # set for the two ends of a range


def scan(
    text: str, start: int = 0, end: int | None = None, lower: str | None = None
) -> list[Mention]:
    """All figure mentions in text[start:end], in order of position. `lower`, if given, is
    text.lower() of the same length, used to find spelled numbers faster."""
    end = len(text) if end is None else end
    mentions: list[Mention] = []
    for match in DIGITS.finditer(text, start, end):
        mention = _digit_mention(text, match, end)
        if mention is not None:
            mentions.append(mention)
    triggers = (
        WORD_TRIGGER.finditer(text, start, end)
        if lower is None
        else WORD_TRIGGER_LOWER.finditer(lower, start, end)
    )
    for trigger in triggers:
        match = WORDS.match(text, trigger.start(), end)
        if match is None:
            continue
        mention = _word_mention(text, match, end)
        if mention is not None:
            mentions.append(mention)
    mentions.sort(key=lambda m: m.start)
    return _drop_overlaps(mentions)


def _drop_overlaps(mentions: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    for mention in mentions:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


def _number_value(written: str) -> float:
    if "," not in written:
        return float(written)
    return float(written.replace(",", "").replace(" ", ""))


def _digit_mention(text: str, match: re.Match[str], limit: int) -> Mention | None:
    start, number_end = match.start(), match.end()
    ordinal = match.group("ordinal")
    if ordinal:
        number_end -= len(ordinal)
    before = text[max(0, start - 6) : start]
    number_sign = None
    if ("o" in before or "O" in before) and not ordinal:
        number_sign = _NO_BEFORE.search(text, max(0, start - 6), start)
    if number_sign is not None:
        value = _number_value(text[start:number_end])
        return Mention(
            number_sign.start(), number_end, value, "rank", "rank", number_end=number_end
        )
    previous = text[start - 1] if start else " "
    glued_prefix = previous in "BYDbyd" and _GLUED_CURRENCY.search(text, max(0, start - 4), start)
    if previous.isascii() and (previous.isalnum() or previous in "._") and not glued_prefix:
        return None  # part of a code or a longer token: A380, ISO9001, 3.5.1
    if previous == "-" and start >= 2 and text[start - 2].isascii() and text[start - 2].isalpha():
        return None  # COVID-19, Su-27
    written = text[start:number_end]
    value = _number_value(written)
    integer = written.isdigit()
    if ordinal:
        return _rank_if_ranked(text, start, match.end(), value, limit)
    mention = _with_tail(text, start, number_end, value, limit, integer)
    if mention.end < limit and text[mention.end : mention.end + 1].isascii():
        following = text[mention.end]
        if following.isalnum() and mention.unit is None and not mention.has_scale:
            return None  # 5G, 3D
    prefix = None
    if mention.unit in (None, "CNY", "USD") and _might_be_currency(before):
        prefix = _PREFIX_BEFORE.search(text, max(0, start - 5), start)
    if prefix:
        if mention.unit is None:
            mention.unit = PREFIX_CURRENCY[prefix.group(0).strip().lower()]
            rate = _RATE_AFTER.match(text, mention.end, limit)  # "CNY 450 per tonne"
            if rate is not None:
                per = canonical_rate(rate.group("rate"), rate.group("annually"))
                with_rate = apply_rate(mention.unit, per)
                if with_rate != mention.unit:
                    mention.unit, mention.rate, mention.end = with_rate, per, rate.end()
        mention.start = prefix.start()
    return mention


def _might_be_currency(before: str) -> bool:
    if "$" in before or "¥" in before or "￥" in before:
        return True
    upper = before.upper()
    return "RMB" in upper or "CNY" in upper or "USD" in upper


def _with_tail(
    text: str,
    start: int,
    number_end: int,
    value: float,
    limit: int,
    integer: bool,
    generic_plurals: bool = True,
) -> Mention:
    tail = _TAIL.match(text, number_end, limit)
    scale_word = tail.group("scale")
    unit_word = tail.group("unit")
    unit, multiplier = canonical_unit(unit_word)
    if unit_word == "Mt" and not scale_word:
        multiplier = 1e6  # "4.2 Mt" is million tonnes; "3.96 million mt" is metric tonnes
    end = number_end
    if scale_word:
        end = tail.end("scale")
    if unit_word:
        if unit_word == "年" and integer and 1900 <= value <= 2100:
            unit, unit_word = None, None  # 2019年 is a date
        elif unit is not None:
            end = tail.end("unit")
    rate = None
    if unit is not None:
        rate = canonical_rate(tail.group("rate"), tail.group("annually"))
        if rate is not None:
            end = tail.end()
    noun = None
    if unit is None:
        count = _COUNT_TAIL.match(text, end, limit)
        if (
            count is None
            and generic_plurals
            and end == number_end
            and not _year_or_grade(value, integer)
        ):
            count = _PLURAL_TAIL.match(text, end, limit)
        if count is not None:
            noun = count.group("noun").lower()
            unit = "count"
            rate = canonical_rate(count.group("rate"), count.group("annually"))
            end = count.end() if rate else count.end("noun")
    if unit is not None:
        unit = apply_rate(unit, rate)
        if noun in ("cans", "can") and unit == "count/t":
            unit = "cans/t"
    scale = canonical_scale(scale_word)
    return Mention(
        start,
        end,
        value * scale * multiplier,
        unit,
        "number",
        has_scale=bool(scale_word),
        noun=noun,
        number_end=number_end,
        rate=rate,
        integer=integer,
        scale=scale,
        multiplier=multiplier,
    )


def _year_or_grade(value: float, integer: bool) -> bool:
    """2019, 7055: a year or an alloy grade, never a generic count."""
    return integer and 1000 <= value <= 9999


def _rank_if_ranked(
    text: str, start: int, ordinal_end: int, value: float, limit: int
) -> Mention | None:
    superlative = _SUPERLATIVE.match(text, ordinal_end, limit)
    if superlative is not None:
        word_end = superlative.end()
        if superlative.group(0).lstrip(" -").split()[0].lower() in ("in", "among"):
            word_end = ordinal_end
        return Mention(start, word_end, value, "rank", "rank", number_end=ordinal_end)
    if _RANK_BEFORE.search(text, max(0, start - 24), start):
        return Mention(start, ordinal_end, value, "rank", "rank", number_end=ordinal_end)
    return None


_SUPERLATIVE_BEFORE = re.compile(r"(?:\bthe|\bits|\btheir|'s|’s)\s+$", re.IGNORECASE)
# "one of the largest", "some of the country's largest": not rank 1.
_NOT_FIRST_BEFORE = re.compile(
    r"\b(?:(?:one|some|several|many|two|three|four|five|each|any)\s+of|among)"
    r"\s+(?:the|its|their)\s+(?:[\w-]+(?:'s|’s)\s+)?$",
    re.IGNORECASE,
)
_MAKER_AFTER = re.compile(
    rf"(?:[\s-]+(?!(?:{_STOP_WORDS})\b)[A-Za-z-]+){{0,4}}?\s+(?:producers?|makers?|manufacturers?|enterprises?"
    r"|compan(?:y|ies)|suppliers?|exporters?|bases?|groups?|firms?|refiners?|smelters?|plants?"
    r"|processors?|players?|brands?|clusters?|parks?)\b",
    re.IGNORECASE,
)


def _superlative(text: str, start: int, end: int, limit: int) -> Mention | None:
    """'the largest recycled aluminium enterprise': rank 1. Not 'one of the largest', not
    'the biggest shortage' (no maker named), not after an ordinal ('third largest')."""
    if not _SUPERLATIVE_BEFORE.search(text, max(0, start - 16), start):
        return None
    if _NOT_FIRST_BEFORE.search(text, max(0, start - 40), start):
        return None
    if _MAKER_AFTER.match(text, end, limit) is None:
        return None
    return Mention(start, end, 1.0, "rank", "rank", number_end=end)


def _word_value(word: str) -> float:
    total = 0
    for part in re.split(r"[\s-]+", word.lower()):
        total += WORD_VALUES[part]
    return float(total)


def _word_mention(text: str, match: re.Match[str], limit: int) -> Mention | None:
    start, end = match.start(), match.end()
    group = match.lastgroup
    if group == "fraction":
        numerator, denominator = re.split(r"[\s-]", match.group(0).lower())
        if _PART_OF_YEAR.match(text, end, limit) or _ORDINAL_BEFORE.search(
            text, max(0, start - 8), start
        ):
            return None  # "the first three quarters of 2022" is a period
        value = NUMERATORS[numerator] / FRACTION_DENOMINATORS[denominator]
        if numerator == "a" and denominator in ("half",):
            return None  # "half a year", "a half"
        if _FRACTION_NOUN_AFTER.match(text, end, limit):
            return None  # "a third plant", "a second line": ordinals, not fractions
        return Mention(start, end, value, "ratio", "fraction", number_end=end)
    if group == "half":
        before = text[max(0, start - 12) : start].lower()
        article = _HALF_A.match(text, end, limit)
        if article is not None:  # "half a tonne"
            unit_mention = _with_tail(
                text, start, article.end(), 0.5, limit, integer=False, generic_plurals=False
            )
            unit_mention.number_end = end
            if unit_mention.unit is not None and unit_mention.unit != "years":
                return unit_mention
            return None  # "half a year" is a period
        after = text[end : end + 4].lower()
        if before.endswith(("first ", "second ", "and a ", "one and ")) or not after.startswith(
            " of"
        ):
            return None
        return Mention(start, end, 0.5, "ratio", "fraction", number_end=end)
    if group == "ordinal":
        return _rank_if_ranked(
            text, start, end, float(ORDINAL_VALUES[match.group(0).lower()]), limit
        )
    if group == "superlative":
        return _superlative(text, start, end, limit)
    if group == "number_one":
        return Mention(start, end, 1.0, "rank", "rank", number_end=end)
    if group == "top":
        tail = _TOP_TAIL.match(text, end, limit)
        if tail is None or match.group(0) == "Top":
            return None  # "Top 500 Enterprises" is a list's name
        if not _TOP_BEFORE.search(text, max(0, start - 8), start):
            return None  # "sales will top 6 billion yuan": a verb, a bound
        written = tail.group("n")
        value = float(written) if written.isdigit() else _word_value(written)
        if value > 100:
            return None  # "top 500 enterprises" names a list
        return Mention(start, tail.end(), value, "rank", "rank_top", number_end=tail.end())
    written = match.group(0)
    if _PLAN.match(text, end, limit):
        return None  # Five-Year Plan
    mention = _with_tail(
        text, start, end, _word_value(written), limit, integer=False, generic_plurals=False
    )
    if mention.unit is None:
        if _MORE_OR_FEWER.match(text, mention.end, limit):
            mention.unit = "count"  # "two more than in 2020": a count named before it
            return mention
        return None  # "one of the", "two sides": spelled numbers count only with a unit
    return mention
