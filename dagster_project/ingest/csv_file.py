"""Reading a CSV file into string columns with physical line numbers, never losing a row.

A malformed row or an undecodable byte must become one rejected row naming its line, while the
rest of the file still loads. Python's csv module, line by line, defines the result
(read_records_exactly); csv_reader.py reproduces it natively for the files it can.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl


class FileError(Exception):
    """The whole file cannot be read; the message names the problem (the caller adds the file)."""


@dataclass
class Rejection:
    line: int
    column_name: str | None
    value: str | None
    reason: str
    source_id: str | None = None
    # A claims row's claim_id as written (for telling whether an earlier file now holds it).
    claim_id: str | None = None


@dataclass
class CsvRecords:
    header: list[str]
    rows: pl.DataFrame  # column `line` plus one string column per header field
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.rows.height + len({r.line for r in self.rejections})


def utf16_name(data: bytes) -> str | None:
    """ "UTF-16" when the bytes are UTF-16 text (a byte-order mark, or every other byte NUL)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    sample = data[:512]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4 and (even.count(0) > 0.8 * len(even) or odd.count(0) > 0.8 * len(odd)):
        return "UTF-16"
    return None


def chinese_hint(data: bytes) -> str:
    """A hint when bytes that are not UTF-8 read as GBK (GB 18030), the usual Chinese encoding."""
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return "; it reads as GBK/GB 18030 (Chinese Windows)"


def _decoded_lines(data: bytes, rejections: list[Rejection]) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) for each physical line; undecodable lines become rejections."""
    for number, raw_line in enumerate(data.splitlines(keepends=True), start=1):
        try:
            yield number, raw_line.decode("utf-8")
        except UnicodeDecodeError as error:
            if number == 1:
                raise FileError(
                    f"header is not valid UTF-8 (byte 0x{raw_line[error.start]:02x} "
                    f"at position {error.start}){chinese_hint(data)}; save the file as UTF-8"
                ) from None
            rejections.append(
                Rejection(
                    line=number,
                    column_name=None,
                    value=raw_line.decode("utf-8", errors="replace").rstrip("\r\n"),
                    reason=f"line is not valid UTF-8 (byte 0x{raw_line[error.start]:02x} "
                    f"at position {error.start}){chinese_hint(raw_line)}",
                )
            )


def checked_bytes(data: bytes) -> bytes:
    """The bytes to read, without a UTF-8 byte-order mark; FileError for a file that is not CSV."""
    if not data.strip():
        raise FileError("file is empty")
    encoding = utf16_name(data)
    if encoding:
        raise FileError(f"file is {encoding}-encoded, not UTF-8; save it as UTF-8")
    if b"\x00" in data[:4096]:
        raise FileError("file looks binary (NUL bytes), not CSV text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data


def check_header(header: list[str], expected_columns: list[str] | None) -> None:
    """FileError for duplicate names, or names other than `expected_columns` (order free)."""
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileError(f"duplicate columns in header: {', '.join(duplicates)}")
    if expected_columns is not None:
        missing = [name for name in expected_columns if name not in header]
        extra = [name for name in header if name not in expected_columns]
        problems = []
        if missing:
            problems.append(f"missing columns: {', '.join(missing)}")
        if extra:
            problems.append(f"unexpected columns: {', '.join(extra)}")
        if problems:
            raise FileError("; ".join(problems) + f" (expected: {', '.join(expected_columns)})")


def wrong_count(line: int, fields: list[str], expected: int) -> Rejection:
    return Rejection(
        line=line,
        column_name=None,
        value=",".join(fields)[:200],
        reason=f"expected {expected} fields, found {len(fields)}",
    )


def read_records_exactly(data: bytes, expected_columns: list[str] | None = None) -> CsvRecords:
    """The definition of reading a CSV file: Python's csv module, line by line.

    csv_reader.read_csv_records gives the same result faster; this stays for the files it hands
    over (bad bytes, quoted fields across lines) and as the reference its tests compare with.
    """
    data = checked_bytes(data)
    rejections: list[Rejection] = []
    line_numbers: list[int] = []

    def lines() -> Iterator[str]:
        for number, text in _decoded_lines(data, rejections):
            line_numbers.append(number)
            yield text

    reader = csv.reader(lines(), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise FileError("file is empty") from None
    except csv.Error as error:
        raise FileError(f"header is not valid CSV: {error}") from None
    check_header(header, expected_columns)

    records: list[list[str]] = []
    record_lines: list[int] = []
    while True:
        consumed = reader.line_num
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            line = line_numbers[min(consumed, len(line_numbers) - 1)]
            rejections.append(Rejection(line, None, None, f"malformed CSV: {error}"))
            continue
        # A record may span lines inside quotes: it starts right after the previous one.
        first_line = line_numbers[min(consumed, len(line_numbers) - 1)]
        if not fields or all(not value.strip() for value in fields):
            continue  # blank line: not a row
        if len(fields) != len(header):
            rejections.append(wrong_count(first_line, fields, len(header)))
            continue
        records.append([value.strip() for value in fields])
        record_lines.append(first_line)
    return CsvRecords(header, records_frame(header, record_lines, records), rejections)


def records_frame(header: list[str], lines: list[int], records: list[list[str]]) -> pl.DataFrame:
    columns = {"line": pl.Series("line", lines, dtype=pl.Int64)}
    for index, name in enumerate(header):
        columns[name] = pl.Series(name, [row[index] for row in records], dtype=pl.String)
    return pl.DataFrame(columns)
