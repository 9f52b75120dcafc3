"""Read a CSV file natively (polars), with the same result as csv_file.read_records_exactly.

The native path takes a file that is UTF-8 throughout, has no NUL byte and no bare carriage
return, and in which no quoted field runs past the end of its line: then every physical line
is at most one record. polars splits the file into lines (keeping blank ones, so a row's index
is its line number) and parses the lines in plain CSV (each field bare, or wholly quoted with
doubled quotes; the header's number of fields). Python's csv module parses the few other lines
one at a time (stray quotes, ragged rows with quotes, lines longer than its field limit), so
their rejections read as before. Any other file goes to the exact Python reader.
"""

from __future__ import annotations

import csv
import io

import polars as pl

from dagster_project.ingest.csv_file import (
    CsvRecords,
    FileError,
    Rejection,
    check_header,
    checked_bytes,
    read_records_exactly,
    records_frame,
    wrong_count,
)

# What Python's str.strip removes (it strips \x1c-\x1f too, unlike Unicode's White_Space).
WHITESPACE = "".join(character for character in map(chr, range(0x3001)) if character.isspace())
_FIELD = r'(?:"(?:[^"]|"")*"|[^,"]*)'
PLAIN_CSV = rf"^{_FIELD}(?:,{_FIELD})*$"
QUOTED_FIELD = r'"(?:[^"]|"")*"'
BATCH_LINES = 1_000_000  # lines handed to polars' CSV parser at once: bounds the copy it needs


class HandOver(Exception):
    """The file is not one the native path reads exactly like Python's csv module."""


def read_csv_records(data: bytes, expected_columns: list[str] | None = None) -> CsvRecords:
    """Read a file's bytes; check the header against `expected_columns` (order free, exact set)."""
    checked = checked_bytes(data)
    try:
        return _read_natively(checked, expected_columns)
    except HandOver:
        return read_records_exactly(data, expected_columns)


def _lines(data: bytes) -> pl.DataFrame:
    """Every physical line's text (without its line end), blank lines included, with its number."""
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        raise HandOver
    try:
        lines = pl.read_csv(
            data,
            has_header=False,
            separator="\x00",
            quote_char=None,
            infer_schema=False,
            empty_string_is_null=False,
            new_columns=["text"],
            raise_if_empty=False,
        )
    except pl.exceptions.ComputeError:  # not UTF-8 somewhere
        raise HandOver from None
    expected = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines.height != expected or lines.width != 1:
        raise HandOver
    return lines.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))


def _split_line(text: str) -> list[str]:
    """One line through Python's csv module; HandOver if a quoted field runs past its end."""
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error as error:
        if str(error) == "unexpected end of data":
            raise HandOver from None
        raise


def _read_natively(data: bytes, expected_columns: list[str] | None) -> CsvRecords:
    lines = _lines(data)
    try:
        header = [name.strip() for name in _split_line(lines["text"][0])]
    except csv.Error as error:
        raise FileError(f"header is not valid CSV: {error}") from None
    if not header or "line" in header:
        raise HandOver  # odd headers keep the exact reader's behaviour
    check_header(header, expected_columns)
    count = len(header)

    text = pl.col("text")
    quoted = text.str.contains('"', literal=True)
    fields = (
        pl.when(quoted).then(text.str.replace_all(QUOTED_FIELD, "")).otherwise(text)
    ).str.count_matches(",", literal=True) + 1
    plain = text.str.contains(PLAIN_CSV) & (text.str.len_chars() <= csv.field_size_limit())
    body = lines.slice(1).with_columns(
        kind=pl.when(~quoted & (text.str.strip_chars(WHITESPACE + ",") == ""))
        .then(pl.lit("blank"))
        .when(plain & (fields == count))
        .then(pl.lit("native"))
        .when(plain & ~quoted)
        .then(pl.lit("ragged"))
        .otherwise(pl.lit("python")),
        fields=fields,
    )
    frames = [_parse_natively(body.filter(pl.col("kind") == "native"), header)]
    ragged = body.filter(pl.col("kind") == "ragged")
    rejections = [
        Rejection(line, None, value, f"expected {count} fields, found {found}")
        for line, value, found in ragged.select(
            "line", text.str.slice(0, 200), "fields"
        ).iter_rows()
    ]
    python_frame, python_rejections = _parse_in_python(
        body.filter(pl.col("kind") == "python"), header
    )
    frames.append(python_frame)
    rows = pl.concat(frames).sort("line")
    rejections = sorted(rejections + python_rejections, key=lambda rejection: rejection.line)
    return CsvRecords(header, rows, rejections)


def _parse_natively(lines: pl.DataFrame, header: list[str]) -> pl.DataFrame:
    """Lines in plain CSV with the header's number of fields → stripped string columns."""
    frames = []
    for batch in lines.iter_slices(BATCH_LINES):
        text = io.BytesIO()
        batch.select("text").write_csv(text, include_header=False, quote_style="never")
        text.seek(0)
        parsed = pl.read_csv(
            text,
            has_header=False,
            new_columns=header,
            infer_schema=False,
            empty_string_is_null=False,
            raise_if_empty=False,
        )
        if parsed.height != batch.height:
            raise HandOver
        frames.append(
            parsed.select(
                batch["line"], *(pl.col(name).str.strip_chars(WHITESPACE) for name in header)
            )
        )
    if not frames:
        return records_frame(header, [], [])
    rows = pl.concat(frames)
    blank = pl.all_horizontal(pl.col(name) == "" for name in header)
    return rows.filter(~blank)  # e.g. `"",""`: every field empty


def _parse_in_python(
    lines: pl.DataFrame, header: list[str]
) -> tuple[pl.DataFrame, list[Rejection]]:
    records, record_lines, rejections = [], [], []
    for line, text in lines.select("line", "text").iter_rows():
        try:
            fields = _split_line(text)
        except csv.Error as error:
            rejections.append(Rejection(line, None, None, f"malformed CSV: {error}"))
            continue
        if not fields or all(not value.strip() for value in fields):
            continue
        if len(fields) != len(header):
            rejections.append(wrong_count(line, fields, len(header)))
            continue
        records.append([value.strip() for value in fields])
        record_lines.append(line)
    return records_frame(header, record_lines, records), rejections
