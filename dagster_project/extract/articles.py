"""Read one article file: checks, front-matter header, body offset.

An article is a UTF-8 text or Markdown file, optionally opening with a front-matter header:

    ---
    title: Thin as a cicada's wing
    publisher: Binzhou Daily
    published: 2021-06-15          # YYYY, YYYY-MM or YYYY-MM-DD
    url: https://...
    language: en
    source_id: binzhou_daily_2021_foil   # optional: the source in raw/sources.yml
    ---

Each header line is `key: value` (split at the first colon, so titles may hold colons; quotes
around a value are dropped). A file without a header loads; every missing field is reported
as a warning. Bad files raise `ArticleError`, whose message is one line naming the file:
missing, empty, larger than `MAX_ARTICLE_BYTES`, binary, not UTF-8, or with a malformed header.
Offsets everywhere are character offsets into the decoded file (a UTF-8 byte-order mark is
dropped first); line endings are kept as they are.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

HEADER_FIELDS = ("title", "publisher", "published", "url", "language")
OPTIONAL_FIELDS = ("source_id",)
MAX_ARTICLE_BYTES = 10_000_000  # news features are tens of kilobytes

_FENCE = re.compile(r"---[ \t]*\r?$")
_CLOSING_FENCE = re.compile(r"(?:---|\.\.\.)[ \t]*\r?$")
_KEY_VALUE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(.*)$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class ArticleError(ValueError):
    """A file that cannot be read as an article; str() is one line naming the file."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass
class Article:
    path: str
    text: str  # the whole decoded file, header included
    sha256: str  # of the file's bytes
    header: dict[str, str | None]
    body_start: int  # offset of the first character after the header
    warnings: list[str] = field(default_factory=list)

    @property
    def published(self) -> str | None:
        return self.header.get("published")


def read_article(path: str | Path, max_bytes: int | None = MAX_ARTICLE_BYTES) -> Article:
    path = Path(path)
    if not path.exists():
        raise ArticleError(path, "file not found")
    if not path.is_file():
        raise ArticleError(path, "not a regular file")
    _check_size(path.stat().st_size, path, max_bytes)  # before reading a huge file
    return parse_article(path.read_bytes(), path, max_bytes)


def _check_size(size: int, path: str | Path, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise ArticleError(
            path,
            f"{size / 1e6:.1f} MB is larger than the {max_bytes / 1e6:.1f} MB limit for one "
            "article; split it or raise max_bytes",
        )


def parse_article(
    data: bytes, path: str | Path = "<text>", max_bytes: int | None = MAX_ARTICLE_BYTES
) -> Article:
    _check_size(len(data), path, max_bytes)
    if not data.strip():
        raise ArticleError(path, "file is empty" if not data else "file holds only white space")
    if b"\x00" in data[:65536]:
        raise ArticleError(path, "binary file (contains NUL bytes), not a text article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArticleError(
            path,
            f"not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} "
            "(save the article as UTF-8)",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    header, body_start, warnings = parse_header(text, path)
    if not text[body_start:].strip():
        warnings.append("no text after the header")
    digest = hashlib.sha256(data).hexdigest()
    return Article(str(path), text, digest, header, body_start, warnings)


def parse_header(text: str, path: str | Path) -> tuple[dict[str, str | None], int, list[str]]:
    """(fields, offset where the body starts, warnings)."""
    header: dict[str, str | None] = {name: None for name in (*HEADER_FIELDS, *OPTIONAL_FIELDS)}
    warnings: list[str] = []
    first_line_end = text.find("\n")
    first_line = text if first_line_end < 0 else text[:first_line_end]
    if not _FENCE.match(first_line):
        warnings.append("no front-matter header; missing " + ", ".join(HEADER_FIELDS))
        return header, 0, warnings
    position = len(first_line) + 1
    line_number = 1
    seen: set[str] = set()
    while True:
        if position > len(text):
            raise ArticleError(path, "front matter opened with '---' on line 1 is never closed")
        line_end = text.find("\n", position)
        if line_end < 0:
            line_end = len(text)
        line = text[position:line_end]
        line_number += 1
        position = line_end + 1
        if _CLOSING_FENCE.match(line):
            break
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _KEY_VALUE.match(stripped)
        if match is None:
            raise ArticleError(
                path, f"front matter line {line_number} is not 'key: value': {stripped[:60]!r}"
            )
        key, value = match.group(1).lower(), _unquote(_strip_comment(match.group(2).strip()))
        if key in seen:
            raise ArticleError(path, f"front matter line {line_number} repeats the key {key!r}")
        seen.add(key)
        if key in header:
            header[key] = value or None
        else:
            warnings.append(f"unknown header field {key!r} ignored")
    missing = [name for name in HEADER_FIELDS if not header[name]]
    if missing:
        warnings.append("missing header field(s): " + ", ".join(missing))
    published = header["published"]
    if published and not _valid_date(published):
        warnings.append(f"published {published!r} is not YYYY, YYYY-MM or YYYY-MM-DD; ignored")
        header["published"] = None
    language = header["language"]
    if language and not language.lower().startswith("en"):
        warnings.append(f"language {language!r}: the extractor reads English text")
    return header, min(position, len(text)), warnings


def _strip_comment(value: str) -> str:
    if value[:1] in ("'", '"'):
        return value
    return re.sub(r"\s+#.*$", "", value)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in ("'", '"'):
        return value[1:-1]
    return value


def _valid_date(value: str) -> bool:
    match = _DATE.match(value)
    if match is None:
        return False
    month = int(match.group(2) or 1)
    day = int(match.group(3) or 1)
    return 1 <= month <= 12 and 1 <= day <= 31
