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
_SPACE = "[" + "".join(f"\\x{{{ord(character):x}}}" for character in WHITESPACE) + "]"
_PADDED = f"^{_SPACE}|{_SPACE}$"
# A line with no quote holding a field that starts or ends with white space.
_PADDED_FIELD = f"(?:^|,){_SPACE}|{_SPACE}(?:,|$)"


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
    if b"\x00" in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
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

    body = lines.slice(1)
    text = pl.col("text")
    # The common line: plain CSV with the header's number of fields (checked by one regex;
    # in a file without a quote, by counting commas, which is the same and cheaper).
    unquoted = b'"' not in data
    if unquoted:
        fields = text.str.count_matches(",", literal=True) == count - 1
    else:
        fields = text.str.contains(rf"^{_FIELD}(?:,{_FIELD}){{{count - 1}}}$")
    body = body.with_columns(native=fields & (text.str.len_bytes() <= csv.field_size_limit()))
    del lines
    if body["native"].all():
        # Without quotes a field is padded only next to a comma or a line's end: when no line
        # has one, no column needs the check for it.
        padded = not unquoted or body.select(text.str.contains(_PADDED_FIELD).any()).item()
        body = body.select("line")  # the lines' text is not needed any more: free it
        # The file as it is: no copy of its lines.
        rows = _parse_natively(data, body, header, may_be_padded=padded)
        return CsvRecords(header, rows, [])
    quoted = text.str.contains('"', literal=True)
    others = body.filter(~pl.col("native")).with_columns(
        kind=pl.when(~quoted & text.str.contains(f"^(?:{_SPACE}|,)*$"))
        .then(pl.lit("blank"))
        .when(~quoted & (text.str.len_bytes() <= csv.field_size_limit()))
        .then(pl.lit("ragged"))
        .otherwise(pl.lit("python")),
    )
    ragged = others.filter(pl.col("kind") == "ragged").select(
        "line",
        text.str.slice(0, 200),
        (text.str.count_matches(",", literal=True) + 1).alias("fields"),
    )
    rejections = [
        Rejection(line, None, value, f"expected {count} fields, found {found}")
        for line, value, found in ragged.iter_rows()
    ]
    python_rows, python_rejections = _parse_in_python(
        others.filter(pl.col("kind") == "python"), header
    )
    native_lines = body.filter(pl.col("native"))
    text_of_lines = _joined(native_lines)
    rows = pl.concat([_parse_natively(text_of_lines, native_lines, header), python_rows])
    rejections = sorted(rejections + python_rejections, key=lambda rejection: rejection.line)
    return CsvRecords(header, rows.sort("line"), rejections)


def _joined(lines: pl.DataFrame) -> bytes:
    """The lines' text as one CSV body (a header line first, as in the file)."""
    buffer = io.BytesIO()
    buffer.write(b"\n")
    lines.select("text").write_csv(buffer, include_header=False, quote_style="never")
    return buffer.getvalue()


def _parse_natively(
    data: bytes, lines: pl.DataFrame, header: list[str], may_be_padded: bool = True
) -> pl.DataFrame:
    """`data`'s lines after the first, all plain CSV with the header's number of fields (the
    lines of `lines`, in order) → stripped string columns (none to strip unless
    `may_be_padded`)."""
    if lines.is_empty():
        return records_frame(header, [], [])
    parsed = pl.read_csv(
        data,
        has_header=False,
        skip_lines=1,
        new_columns=header,
        infer_schema=False,
        empty_string_is_null=False,
        raise_if_empty=False,
    )
    if parsed.height != lines.height:
        raise HandOver
    if not header or parsed.width != len(header):
        raise HandOver
    # Strip only the columns that need it: a stripped copy of every column costs memory.
    padded = [False] * len(header)
    if may_be_padded:
        padded = parsed.select(pl.col(name).str.contains(_PADDED).any() for name in header).row(0)
    rows = parsed.select(
        lines["line"],
        *(
            pl.col(name).str.strip_chars(WHITESPACE) if strip else pl.col(name)
            for name, strip in zip(header, padded, strict=True)
        ),
    )
    del parsed
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
