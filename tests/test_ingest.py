"""Loaders through their public functions: good files load, each kind of bad input is named."""

from __future__ import annotations

import pytest
from conftest import CLAIMS_HEADER, GOOD_CLAIMS, write

from dagster_project.ingest.loader import load_dataset, load_source_registry
from dagster_project.ingest.registry import RegistryError


def load(connection, raw_dir, dataset="article_claims"):
    load_source_registry(connection, raw_dir)
    return load_dataset(connection, dataset, raw_dir)


def rejections(connection, file):
    return connection.execute(
        "select line, column_name, value, reason from raw.rejected_rows where file = ?"
        " order by line, column_name",
        [file],
    ).fetchall()


def file_load(connection, file):
    return connection.execute(
        "select status, rows_read, rows_loaded, rows_rejected, error from raw.file_loads"
        " where file = ?",
        [file],
    ).fetchone()


def test_good_claims_load_with_normalised_values(connection, raw_dir):
    result = load(connection, raw_dir)
    assert result.rows_loaded == 4 and result.rows_rejected == 0
    rows = connection.execute(
        "select claim_id, value, unit_as_written, value_base, unit_base, period_year, line, file"
        " from raw.article_claims order by claim_id"
    ).fetchall()
    assert rows[0] == (
        "t1__01",
        330.0,
        "billion yuan",
        330e9,
        "CNY",
        2018,
        2,
        "claims/test_article.csv",
    )
    assert rows[1][3:5] == (60.0, "percent")
    assert rows[3][3:5] == (3300e8, "CNY")  # 亿 = 1e8


def test_series_load_and_blank_owid_cells_are_no_observation(connection, raw_dir):
    load_source_registry(connection, raw_dir)
    fx = load_dataset(connection, "exchange_rates", raw_dir)
    production = load_dataset(connection, "production_series", raw_dir)
    assert fx.rows_loaded == 2 and production.rows_loaded == 2
    values = connection.execute(
        "select metric, year(period_date), value_base, unit_base from raw.production_series"
        " order by metric, period_date"
    ).fetchall()
    assert values == [
        ("aluminium_production", 2014, 53_100_000.0, "t"),
        ("aluminium_production", 2015, 57_500_000.0, "t"),
        ("bauxite_production", 2014, 250_000_000.0, "t"),
    ]


def test_malformed_csv_row_is_rejected_and_the_rest_loads(connection, raw_dir):
    write(
        raw_dir / "claims/test_article.csv",
        f"""{CLAIMS_HEADER}
        t1__01,Binzhou,,,output_value,2018,330,billion yuan,exact,test_article,ok
        t1__02,Binzhou,,,output_value,2018,300,billion yuan,exact,test_article,one,field,too,many
        t1__03,Binzhou,,,output_value,2019,340,billion yuan,exact,test_article,ok
        """,
    )
    load(connection, raw_dir)
    assert rejections(connection, "claims/test_article.csv") == [
        (3, None, "t1__02,Binzhou,,,output_value,2018,300,billion yuan,exact,test_article,one,field,too,many",
         "expected 11 fields, found 14"),
    ]  # fmt: skip
    assert file_load(connection, "claims/test_article.csv")[:4] == (
        "loaded_with_rejections",
        3,
        2,
        1,
    )


def test_unknown_unit_is_rejected_with_column_and_value(connection, raw_dir):
    write(
        raw_dir / "claims/test_article.csv",
        GOOD_WITH("t1__09,Binzhou,,,output_value,2018,5,buckets of yuan,exact,test_article,x"),
    )
    load(connection, raw_dir)
    assert rejections(connection, "claims/test_article.csv") == [
        (5, "unit", "buckets of yuan", "unknown unit 'buckets of yuan'")
    ]


def test_duplicate_claim_id_within_and_across_files(connection, raw_dir):
    write(
        raw_dir / "claims/test_article.csv",
        GOOD_WITH("t1__01,Binzhou,,,output_value,2018,331,billion yuan,exact,test_article,again"),
    )
    write(
        raw_dir / "claims/test_second_article.csv",
        f"{CLAIMS_HEADER}\nt1__02,Binzhou,,,output_value,2018,1,yuan,exact,test_second_article,x\n",
    )
    load(connection, raw_dir)
    first = rejections(connection, "claims/test_article.csv")
    assert first == [(5, "claim_id", "t1__01", "duplicate claim_id t1__01 (earlier in this file)")]
    second = rejections(connection, "claims/test_second_article.csv")
    assert second == [
        (2, "claim_id", "t1__02", "duplicate claim_id t1__02 (first at claims/test_article.csv:3)")
    ]


def test_bad_values_each_get_a_reason(connection, raw_dir):
    write(
        raw_dir / "claims/test_article.csv",
        f"""{CLAIMS_HEADER}
        b1,Binzhou,,,output_value,around 2018,330,billion yuan,exact,test_article,bad period
        b2,Binzhou,,,output_value,2018,lots,billion yuan,exact,test_article,bad value
        b3,Binzhou,,,output_value,2018,330,billion yuan,roughly,test_article,bad bound
        b4,Binzhou,,,output_value,2018,330,billion yuan,exact,unknown_source,bad source
        b5,Binzhou,,,market_share,2018,-300,%,exact,test_article,implausible
        b6,,,,output_value,2018,330,billion yuan,exact,test_article,no subject
        b7,Binzhou,,galaxy,market_share,2018,30,%,exact,test_article,bad scope
        """,
    )
    load(connection, raw_dir)
    found = {
        (line, column): reason
        for line, column, _, reason in rejections(connection, "claims/test_article.csv")
    }
    assert found[(2, "period")].startswith("period 'around 2018' is not YYYY")
    assert found[(3, "value")] == "not a number: 'lots'"
    assert found[(4, "bound")].startswith("bound roughly is not one of: exact")
    assert found[(5, "source_id")].startswith("source_id unknown_source is not one of")
    assert "outside the plausible range" in found[(6, "value")]
    assert found[(7, "subject")] == "subject is empty"
    assert found[(8, "market_scope")].startswith("market_scope galaxy is not one of")
    assert file_load(connection, "claims/test_article.csv")[:4] == (
        "loaded_with_rejections",
        7,
        0,
        7,
    )


def test_non_utf8_line_is_rejected_and_other_lines_load(connection, raw_dir):
    content = (
        f"{CLAIMS_HEADER}\n"
        "t1__01,Binzhou,,,output_value,2018,330,billion yuan,exact,test_article,ok\n"
    ).encode() + "t1__02,滨州,,,output_value,2018,3300,亿元,exact,test_article,gbk\n".encode("gbk")
    write(raw_dir / "claims/test_article.csv", content)
    load(connection, raw_dir)
    ((line, column, _, reason),) = rejections(connection, "claims/test_article.csv")
    assert (line, column) == (3, None) and reason.startswith("line is not valid UTF-8")
    assert file_load(connection, "claims/test_article.csv")[:4] == (
        "loaded_with_rejections",
        2,
        1,
        1,
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\n\n  \n", "file is empty"),
        ("claim_id,主体\n".encode("gbk"), "header is not valid UTF-8"),
        (b"\x00\x01\x02binary", "file looks binary"),
        (
            f"{CLAIMS_HEADER},extra\n".encode(),
            "unexpected columns: extra (expected: claim_id,",
        ),
        (
            b"claim_id,subject,metric,period,value,unit,bound,source_id\n",
            "missing columns: product, market_scope, location_note",
        ),
    ],
    ids=["empty", "blank-lines", "non-utf8-header", "binary", "extra-column", "missing-columns"],
)
def test_whole_file_failures_name_file_and_keep_other_files(connection, raw_dir, content, message):
    write(raw_dir / "claims/test_article.csv", content)
    result = load(connection, raw_dir)
    status, read, loaded, rejected, error = file_load(connection, "claims/test_article.csv")
    assert status == "failed" and error.startswith("claims/test_article.csv: ")
    assert message in error
    assert read == loaded + rejected
    # The other article still loads.
    assert file_load(connection, "claims/test_second_article.csv")[0] == "loaded"
    assert result.rows_loaded == 1


def test_failed_file_keeps_its_previous_rows(connection, raw_dir):
    load(connection, raw_dir)
    write(raw_dir / "claims/test_article.csv", b"")
    load(connection, raw_dir)
    kept = connection.execute(
        "select count(*) from raw.article_claims where file = 'claims/test_article.csv'"
    ).fetchone()[0]
    assert kept == 3
    assert (
        "kept 3 rows from the previous load" in file_load(connection, "claims/test_article.csv")[4]
    )


def test_unlisted_file_is_an_error_naming_the_file(connection, raw_dir):
    write(raw_dir / "claims/stray.csv", GOOD_CLAIMS)
    load(connection, raw_dir)
    status, read, loaded, rejected, error = file_load(connection, "claims/stray.csv")
    assert status == "unlisted" and (read, loaded, rejected) == (3, 0, 3)
    assert error == "claims/stray.csv is not listed by any source in raw/sources.yml"
    assert connection.execute("select count(*) from raw.article_claims").fetchone()[0] == 4


def test_listed_but_missing_file(connection, raw_dir):
    (raw_dir / "claims/test_second_article.csv").unlink()
    load(connection, raw_dir)
    assert file_load(connection, "claims/test_second_article.csv")[4].endswith("file not found")


def test_bad_registry_entry_is_rejected_others_load(connection, raw_dir):
    registry = (raw_dir / "sources.yml").read_text()
    write(raw_dir / "sources.yml", registry.replace("trust: B+", "trust: excellent"))
    load_source_registry(connection, raw_dir)
    ids = [
        row[0] for row in connection.execute("select source_id from raw.source_registry").fetchall()
    ]
    assert "test_article" not in ids and "test_second_article" in ids
    ((line, _, value, reason),) = rejections(connection, "sources.yml")
    assert line == 2 and value == "test_article" and "trust 'excellent'" in reason


def test_broken_registry_is_a_clear_error(connection, raw_dir):
    write(raw_dir / "sources.yml", "sources: [unclosed\n")
    with pytest.raises(RegistryError, match="sources.yml: cannot read the registry"):
        load_source_registry(connection, raw_dir)


def test_fred_missing_observation_and_bad_date(connection, raw_dir):
    write(
        raw_dir / "statistics/fred_EXCHUS.csv",
        "observation_date,EXCHUS\n2019-01-01,6.7863\n2019-02-01,.\n2019-03-15,6.7\n2019-04-01,67\n",
    )
    load_source_registry(connection, raw_dir)
    load_dataset(connection, "exchange_rates", raw_dir)
    reasons = [row[3] for row in rejections(connection, "statistics/fred_EXCHUS.csv")]
    assert reasons[0] == "missing observation ('.')"
    assert reasons[1] == "monthly date '2019-03-15' is not the first of a month"
    assert "outside the plausible range" in reasons[2]


def GOOD_WITH(extra_line: str) -> str:  # noqa: N802 - reads like the constant it extends
    return GOOD_CLAIMS + extra_line + "\n"
