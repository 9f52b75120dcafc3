"""The native CSV reader and the vectorised parsers agree with the exact Python ones.

csv_file.read_records_exactly (Python's csv module, line by line) defines what a file reads as;
csv_reader.read_csv_records must give the same header, rows, line numbers and rejections, or
the same FileError, on any bytes, whichever path it takes.
"""

from __future__ import annotations

import polars as pl
import pytest
from conftest import CLAIMS_HEADER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.ingest import claims_csv
from dagster_project.ingest.csv_file import FileError, checked_bytes, read_records_exactly
from dagster_project.ingest.csv_reader import HandOver, _read_natively, read_csv_records
from dagster_project.ingest.units import (
    implausible,
    parse_number,
    parse_period,
    plain_number,
    plain_period,
)
from dagster_project.ingest.validate import parse_column


def outcome(reader, data: bytes, columns: list[str] | None):
    try:
        records = reader(data, columns)
    except FileError as error:
        return "FileError", str(error)
    return records.header, records.rows.to_dicts(), records.rejections, records.rows_read


def path_taken(data: bytes, columns: list[str] | None = None) -> str:
    try:
        _read_natively(checked_bytes(data), columns)
    except HandOver:
        return "exact"
    return "native"


def assert_same(data: bytes, columns: list[str] | None = None) -> None:
    assert outcome(read_csv_records, data, columns) == outcome(read_records_exactly, data, columns)


GOOD = "t1,Binzhou,,,output_value,2018,330,亿元,exact,s1,lead"
CASES = {
    "blank lines": (f"{CLAIMS_HEADER}\n\n{GOOD}\n   \n,,,\n\n{GOOD}\n", "native"),
    "CRLF": (f"{CLAIMS_HEADER}\r\n{GOOD}\r\n\r\n{GOOD}\r\n", "native"),
    "CRLF after a quote": (f'{CLAIMS_HEADER}\r\n{GOOD[:-4]}"lead"\r\n{GOOD}\r\n', "native"),
    "BOM": ("\ufeff" + f"{CLAIMS_HEADER}\n{GOOD}\n", "native"),
    "quoted comma": (f'{CLAIMS_HEADER}\n{GOOD[:-4]}"lead, para ""2"""\n', "native"),
    "empty quoted fields": (f'{CLAIMS_HEADER}\n{GOOD},\n"",""\n{GOOD[:-4]}""\n', "native"),
    "ragged row": (f"{CLAIMS_HEADER}\n{GOOD},extra\nshort,row\n{GOOD}\n", "native"),
    "ragged quoted row": (f'{CLAIMS_HEADER}\n"a,b",c\n{GOOD}\n', "native"),
    "stray quotes": (f'{CLAIMS_HEADER}\nt"1{GOOD[2:]}\n"t1" {GOOD[2:]}\n', "native"),
    "odd white space": (f"{CLAIMS_HEADER}\n\x1c{GOOD}\u3000\n", "native"),
    "no final line end": (f"{CLAIMS_HEADER}\n{GOOD}", "native"),
    "multi-line quoted field": (f'{CLAIMS_HEADER}\n{GOOD[:-4]}"two\nlines"\n{GOOD}\n', "exact"),
    "unclosed quote": (f'{CLAIMS_HEADER}\n{GOOD[:-4]}"open\n{GOOD}\n', "exact"),
    "bare carriage return": (f"{CLAIMS_HEADER}\r{GOOD}\r", "exact"),
}


@pytest.mark.parametrize(("text", "path"), CASES.values(), ids=CASES.keys())
def test_native_reader_agrees_with_the_exact_one(text, path):
    data = text.encode("utf-8")
    assert_same(data, claims_csv.COLUMNS)
    assert path_taken(data, claims_csv.COLUMNS) == path


def test_a_quoted_header_is_skipped_as_one_line():
    data = b'"claim,id",value\n1,2\n"3,4",5\n'
    assert path_taken(data) == "native"
    assert_same(data)
    assert read_csv_records(data).header == ["claim,id", "value"]


def test_a_line_that_is_not_utf8_goes_to_the_exact_reader():
    data = f"{CLAIMS_HEADER}\n{GOOD}\n".encode() + "t2,滨州,,,x,2018,1,t,exact,s1,\n".encode("gbk")
    assert path_taken(data, claims_csv.COLUMNS) == "exact"
    assert_same(data, claims_csv.COLUMNS)
    [rejection] = read_csv_records(data, claims_csv.COLUMNS).rejections
    assert rejection.line == 3 and "GBK" in rejection.reason


@pytest.mark.parametrize(
    "data",
    [b"", b"\xef\xbb\xbf", b"a,a\n1,2\n", b'"a\n1\n', b"claim_id\n1\n", b"\xff\xfea\x00"],
)
def test_whole_file_errors_are_the_same(data):
    assert_same(data, claims_csv.COLUMNS)
    assert_same(data, None)


# Small alphabets, so that generated files hit quotes, separators and line ends often.
PIECES = ["a", "1", " ", ",", '"', '""', "\n", "\r\n", "\r", "\u3000", "\x1c", "é", "-", "."]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(
        st.sampled_from(["a", "b", " d", '"c,d"', '"e""f"']), min_size=1, max_size=3, unique=True
    ),
    body=st.lists(st.sampled_from(PIECES), max_size=40),
    bom=st.booleans(),
    bad_byte=st.booleans(),
)
def test_any_bytes_read_the_same_on_both_paths(header, body, bom, bad_byte):
    data = ("\ufeff" if bom else "") + ",".join(header) + "\n" + "".join(body)
    encoded = data.encode("utf-8") + (b"\n\xff,1\n" if bad_byte else b"")
    assert_same(encoded, None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(["a", "b", " d", "e "]), min_size=1, max_size=3, unique=True),
    body=st.lists(st.sampled_from([p for p in PIECES if '"' not in p]), max_size=40),
)
def test_files_without_a_quote_read_the_same_on_both_paths(header, body):
    # Without quotes the native path counts commas and looks for padding once per line.
    assert_same((",".join(header) + "\n" + "".join(body)).encode("utf-8"), None)


def parse_both(values: list[str], parser, outputs, fast):
    rows = pl.DataFrame(
        {"line": range(len(values)), "text": values}, schema_overrides={"text": pl.String}
    )
    return (
        parse_column(rows, "text", parser, outputs, fast("text")),
        parse_column(rows, "text", parser, outputs),
    )


NUMBERS = ["330", "-0", "007.50", "1,234.5", "１２", "1e309", "2.5万", ".5", "+3", "1e3", "x", ""]


def test_numbers_parse_the_same_natively_and_in_python():
    fast, python = parse_both(NUMBERS, parse_number, {"number": pl.Float64}, plain_number)
    assert fast.equals(python)
    assert fast["text__error"].to_list()[3:7] == [
        None,
        "not a number: '１２' has non-ASCII (e.g. full-width) digits",
        "number '1e309' is too large",
        "not a number: '2.5万' has non-ASCII (e.g. full-width) digits",  # 万 is numeric
    ]


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"-?[0-9]{1,15}(\.[0-9]{1,15})?", fullmatch=True))
def test_plain_decimals_read_as_float_reads_them(text):
    fast, python = parse_both([text], parse_number, {"number": pl.Float64}, plain_number)
    assert fast["number"].to_list() == python["number"].to_list() == [float(text)]


def test_periods_parse_the_same_natively_and_in_python():
    periods = ["2018", "2019-01", "2019-12", "1899", "2101-01", "2019-13", "2019-Q2", "2019-01..03"]
    outputs = {
        "year": pl.Int32, "month": pl.Int32, "kind": pl.String, "first": pl.Int32, "last": pl.Int32,
    }  # fmt: skip
    fast, python = parse_both(periods, parse_period, outputs, plain_period)
    assert fast.equals(python)


def test_implausible_values_are_worded_like_check_plausible():
    values = pl.Series([5.0, -1.0, 2e10, None, float("inf")])
    units = pl.Series(["t", "t", "t", "t", "CNY"])
    reasons = pl.DataFrame({"value": values}).with_columns(reason=implausible(values, units))
    assert reasons["reason"].to_list() == [
        None,
        "value -1 t is outside the plausible range [0, 1e+10]",
        "value 2e+10 t is outside the plausible range [0, 1e+10]",
        None,
        "value inf CNY is outside the plausible range [-1e+13, 1e+14]",
    ]


def test_no_implausible_value_gives_no_reasons():
    values = pl.Series([5.0, None])
    reasons = pl.DataFrame({"value": values}).with_columns(
        reason=implausible(values, pl.Series(["t", "t"]))
    )
    assert reasons["reason"].to_list() == [None, None]
