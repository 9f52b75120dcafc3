"""Split text into sentences, as (start, end) character offsets.

A sentence ends at . ! ? (or 。！？) followed by white space, at a blank line, and before a
Markdown block (heading, list item, quote). A period does not end a sentence after a short
abbreviation ("No. 1", "Co., Ltd", "approx. 5", "U.S.") or when the next word starts in lower
case. Single line breaks inside a paragraph are not boundaries, so hard-wrapped text works.
"""

from __future__ import annotations

import re

_CANDIDATE_END = re.compile(
    r"[.!?]['\"”’)\]]*\s+|[。！？；]['\"”’)\]]*\s*|\n[ \t]*\n\s*|\n(?=[ \t]*(?:#|[-*+][ \t]|>))"
)
_HEADING = re.compile(r"^#{1,6}[ \t][^\n]*", re.MULTILINE)
# Never end a sentence after these ("No. 1", "approx. 5", "U.S. dollars").
ABBREVIATIONS = frozenset(
    {
        "no", "nos", "co", "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e",
        "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "fig", "dept", "est", "gov", "sq", "u.s",
    }
)  # fmt: skip


_LEGAL_SUFFIXES = frozenset({"ltd", "inc", "corp", "plc"})


def split(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end], white space trimmed, empty sentences left out."""
    end = len(text) if end is None else end
    cuts: list[tuple[int, int]] = []  # (end of a sentence, start of the next)
    for match in _CANDIDATE_END.finditer(text, start, end):
        mark = match.group(0)
        if mark[0] == "." and not _period_ends_sentence(text, match.start(), match.end(), end):
            continue
        stripped = mark.rstrip()
        cuts.append((match.start() + len(stripped), match.end()))
    for match in _HEADING.finditer(text, start, end):
        cuts.append((match.end(), match.end()))
    cuts.sort()
    spans: list[tuple[int, int]] = []
    position = start
    for sentence_end, next_start in cuts:
        if sentence_end < position:
            continue
        _append(text, spans, position, sentence_end)
        position = max(position, next_start)
    _append(text, spans, position, end)
    return spans


def _append(text: str, spans: list[tuple[int, int]], start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _period_ends_sentence(text: str, period: int, after: int, limit: int) -> bool:
    if after < limit and text[after].islower():
        return False  # "approx. five", "Co., Ltd. and"
    word_start = period
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:period].lower()
    if word in ABBREVIATIONS:
        return False
    if word in _LEGAL_SUFFIXES and after < limit and text[after].isdigit():
        return False  # "..., Xinrun Casting Co., Ltd. 150,000 tons of ...": a list goes on
    return not (len(word) == 1 and word.isalpha())  # initials: "J. Smith", "U.S."
