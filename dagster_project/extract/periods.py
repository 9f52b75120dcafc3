"""Which year a figure speaks of, and by which rule.

Rules, first that applies wins (recorded as `period_rule`):
1. `explicit`: a year written in the figure's sentence as a date ("in 2020", "2019年", "the first
   half of 2020" → 2020-H1); the one nearest the figure. A year that starts a duration in the
   same sentence ("entered aluminium in 2001 and in 18 years built ...") is an anchor, not a
   date of the figure; "since 1984" and "founded in 2006" are never dates of other figures.
2. `published_date`: the year of the header's `published` date.
3. `inferred_from_offset`: the article's as-of year worked out from a start year plus a
   duration that follows it in the same or the next sentence ("since 2001 ... spent 18 years"
   → 2019). Several pairs vote; the most common year wins, the latest on a tie.
4. `unknown`: none of the above; period is None.
"last year" in the sentence takes one from the as-of year (rules 2 and 3); "the previous year"
and other relative words are not resolved.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

EXPLICIT = "explicit"
PUBLISHED_DATE = "published_date"
INFERRED = "inferred_from_offset"
UNKNOWN = "unknown"

_PART_OF_YEAR = re.compile(
    r"(?P<part>first|second|third|fourth)\s+(?P<kind>half|quarter)\s+of\s+(?:the\s+year\s+)?$",
    re.IGNORECASE,
)
_PART_NUMBERS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_FUTURE_DURATION = re.compile(r"(?:within|next|coming|another|future)\s+$", re.IGNORECASE)
_PUBLISHED = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(slots=True)
class YearToken:
    start: int
    end: int
    year: int
    sentence: int  # index of its sentence
    role: str  # date | since | founded


def published_year(published: str | None) -> int | None:
    if not published:
        return None
    match = _PUBLISHED.match(published.strip())
    return int(match.group(1)) if match else None


def period_label(text: str, token: YearToken, floor: int) -> str:
    """'2020', or '2020-H1' / '2020-Q3' when the year follows 'first half of' and the like."""
    match = _PART_OF_YEAR.search(text, max(floor, token.start - 40), token.start)
    if match is None:
        return str(token.year)
    letter = "H" if match.group("kind").lower() == "half" else "Q"
    number = _PART_NUMBERS[match.group("part").lower()]
    if letter == "H" and number > 2:
        return str(token.year)
    return f"{token.year}-{letter}{number}"


def infer_as_of_year(
    text: str,
    years: list[YearToken],
    durations: list[tuple[int, int, float, int]],
) -> int | None:
    """As-of year from (start year, duration) pairs; durations are (start, end, n, sentence)."""
    votes: Counter[int] = Counter()
    for token in years:
        best: tuple[int, int] | None = None
        for start, _end, value, sentence in durations:
            if sentence not in (token.sentence, token.sentence + 1) or start < token.end:
                continue
            if value != int(value) or not 1 <= value <= 100:
                continue
            if _FUTURE_DURATION.search(text, max(0, start - 12), start):
                continue
            distance = start - token.end
            if best is None or distance < best[0]:
                best = (distance, token.year + int(value))
        if best is not None and 1900 <= best[1] <= 2100:
            votes[best[1]] += 1
    if not votes:
        return None
    top = max(votes.values())
    return max(year for year, count in votes.items() if count == top)


def anchors(years: list[YearToken], durations: list[tuple[int, int, float, int]]) -> set[int]:
    """Start offsets of date years that begin a duration in their own sentence."""
    anchored = set()
    for token in years:
        for start, _end, _value, sentence in durations:
            if sentence == token.sentence and start > token.end:
                anchored.add(token.start)
                break
    return anchored
