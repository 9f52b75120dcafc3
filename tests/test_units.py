"""The unit, number and period parsers that every loader relies on."""

from __future__ import annotations

import pytest

from dagster_project.ingest.units import (
    UnitError,
    check_plausible,
    parse_number,
    parse_period,
    parse_unit,
)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("billion yuan", (1e9, "CNY")),
        ("亿元", (1e8, "CNY")),
        ("万吨", (1e4, "t")),
        ("100m CNY", (1e8, "CNY")),
        ("bn CNY", (1e9, "CNY")),
        ("trillion yuan", (1e12, "CNY")),
        ("Mt", (1e6, "t")),
        ("kt", (1e3, "t")),
        ("Mt/yr", (1e6, "t/yr")),
        ("million t/yr", (1e6, "t/yr")),
        ("million tonnes per year", (1e6, "t/yr")),
        ("yuan/t", (1.0, "CNY/t")),
        ("yuan per tonne", (1.0, "CNY/t")),
        ("USD/t", (1.0, "USD/t")),
        ("US$", (1.0, "USD")),
        ("billion USD", (1e9, "USD")),
        ("CNY/USD", (1.0, "CNY/USD")),
        ("million square meters per year", (1e6, "m2/yr")),
        ("kiloampere", (1.0, "kA")),
        ("kA", (1.0, "kA")),
        ("mm", (1.0, "mm")),
        ("%", (1.0, "percent")),
        ("per cent", (1.0, "percent")),
        ("enterprises", (1.0, "count")),
        ("cans/t", (1.0, "cans/t")),
        ("  Billion   Yuan ", (1e9, "CNY")),
        ("yuan per square meter", (1.0, "CNY/m2")),
        ("million kWh", (1e6, "kWh")),
        ("kWh/t", (1.0, "kWh/t")),
        ("percentage points", (1.0, "percentage_points")),
        ("count/yr", (1.0, "count/yr")),
    ],
)
def test_units_as_written(written, expected):
    assert parse_unit(written) == expected


@pytest.mark.parametrize("written", ["", "buckets", "billion", "% (more than)", "yuan/fortnight"])
def test_unknown_units_are_errors(written):
    with pytest.raises(UnitError):
        parse_unit(written)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("330", 330.0),
        ("20,000", 20000.0),
        ("1,234,567.5", 1234567.5),
        ("+7", 7.0),
        ("0.245", 0.245),
        ("-3", -3.0),
    ],
)
def test_numbers(written, value):
    assert parse_number(written) == value


@pytest.mark.parametrize("written", ["", "lots", "1,23", "3 million", "12,34,567", "1.2.3"])
def test_not_numbers(written):
    with pytest.raises(ValueError):
        parse_number(written)


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("2018", (2018, None, "year", 1, 12)),
        ("2022-07", (2022, 7, "month", 7, 7)),
        ("2025-H1", (2025, None, "half", 1, 6)),
        ("2021-Q3", (2021, None, "quarter", 7, 9)),
        ("2021-01..09", (2021, None, "months", 1, 9)),
    ],
)
def test_periods(written, parsed):
    assert parse_period(written) == parsed


@pytest.mark.parametrize(
    "written", ["c.2018", "2021-09..01", "2021-Q1..03", "10 (year not shown)", "2018-13", "1700"]
)
def test_bad_periods(written):
    with pytest.raises(ValueError):
        parse_period(written)


def test_plausibility():
    assert check_plausible(0.6, "percent") is None
    assert "outside the plausible range" in check_plausible(25.0, "CNY/USD")
