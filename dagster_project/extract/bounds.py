"""Qualifiers that make a figure a bound: exact, at_least, at_most or approx.

Looked for right before the figure ("more than 60%", "exceeded the 100 billion yuan mark") and
right after it ("300 times or more", "60% and above"). Only the words touching the figure
count, so "over the past 18 years" does not make 18 a lower bound. A range ("20,000-30,000
yuan") is two candidates, at_least and at_most; the extractor sets those itself.
"""

from __future__ import annotations

import re

EXACT = "exact"
AT_LEAST = "at_least"
AT_MOST = "at_most"
APPROX = "approx"

_BEFORE = {
    AT_LEAST: (
        r"more than|over|above|at least|not less than|no less than|no fewer than|greater than"
        r"|not lower than|no lower than|not below|higher than"
        r"|in excess of|upwards of|beyond|(?:exceed|exceeds|exceeded|exceeding|surpass|surpasses"
        r"|surpassed|surpassing|top|tops|topped|broke through|breaks through|break through"
        r"|broken through)(?:\s+the)?"
    ),
    AT_MOST: (
        r"less than|fewer than|up to|under|below|no more than|not more than|not exceeding"
        r"|within|at most|lower than|as little as|not higher than|no higher than|not above"
    ),
    APPROX: (
        r"about|nearly|around|some|approximately|roughly|close to|almost|approx\.?"
        r"|an estimated|estimated|more or less|circa"
    ),
}


def _flexible(words: str) -> str:
    """Let a space in a phrase match any white space, line breaks included."""
    return words.replace(" ", r"\s+")


_BEFORE_PATTERN = re.compile(
    r"(?<![A-Za-z])(?:"
    + "|".join(f"(?P<{bound}>{_flexible(words)})" for bound, words in _BEFORE.items())
    + r")\s*$",
    re.IGNORECASE,
)
_AFTER_PATTERN = re.compile(
    r"\s*(?:(?P<at_least>or\s+more|and more|or above|and above|or over|and over|plus|\+|above"
    r"|or higher|and higher)|(?P<at_most>or less|and less|or below|and below|or fewer|at most)"
    r"|(?P<approx>or so|left and right|or thereabouts))(?![A-Za-z])",
    re.IGNORECASE,
)
WINDOW = 32


def bound_before(text: str, start: int, floor: int) -> tuple[str, int] | None:
    """(bound, start of the qualifier) when a qualifier ends right before `start`."""
    window_start = max(floor, start - WINDOW)
    match = _BEFORE_PATTERN.search(text, window_start, start)
    if match is None:
        return None
    bound = match.lastgroup or EXACT
    return bound, match.start(bound)


def bound_after(text: str, end: int, limit: int) -> str | None:
    match = _AFTER_PATTERN.match(text, end, limit)
    return match.lastgroup if match is not None else None


def bound_of(text: str, start: int, end: int, floor: int, limit: int) -> str:
    before = bound_before(text, start, floor)
    if before is not None:
        return before[0]
    return bound_after(text, end, limit) or EXACT
