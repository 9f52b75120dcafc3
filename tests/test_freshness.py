"""Source freshness: the registry's cadence and next_release, and dbt's one rule of staleness
judged on a fixed day (dbt var as_of_date), run on a copy of the shipped build's warehouse."""

from __future__ import annotations

import json
import shutil
from datetime import date

import duckdb
import pytest
import yaml
from conftest import open_warehouse

from dagster_project.ingest.loader import load_source_registry
from dagster_project.settings import DBT_PROJECT_DIR


def registry_rows(connection):
    return dict(
        connection.execute(
            "select source_id, cadence || ' ' || coalesce(next_release, '-')"
            " from raw.source_registry"
        ).fetchall()
    )


def set_fields(raw_dir, fields_by_source: dict[str, dict]) -> str:
    """Add fields to registry entries, as a user editing sources.yml would; returns the text."""
    registry = yaml.safe_load((raw_dir / "sources.yml").read_text(encoding="utf-8"))
    for entry in registry["sources"]:
        entry.update(fields_by_source.get(entry["id"], {}))
    text = yaml.safe_dump(registry, allow_unicode=True, sort_keys=False)
    (raw_dir / "sources.yml").write_text(text, encoding="utf-8")
    return text


def test_cadence_and_next_release_load_with_the_registry(connection, raw_dir):
    set_fields(
        raw_dir,
        {
            "test_fred_fx": {"cadence": "monthly", "next_release": date(2026, 12, 15)},
            "test_article": {"cadence": "once"},
        },
    )
    load_source_registry(connection, raw_dir)
    rows = registry_rows(connection)
    assert rows["test_fred_fx"] == "monthly 2026-12-15"
    assert rows["test_article"] == "once -"
    assert "test_owid" in rows and rows["test_owid"] is None  # no cadence given: allowed


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"cadence": "weekly"}, "cadence 'weekly' is not one of annual, irregular, monthly"),
        ({"cadence": "monthly", "next_release": "2026-13-01"}, "next_release '2026-13-01'"),
        ({"cadence": "monthly", "next_release": "soon"}, "next_release 'soon' is not YYYY-MM-DD"),
        ({"cadence": "once", "next_release": "2027-01-01"}, "published once has no next_release"),
    ],
)
def test_bad_cadence_or_next_release_rejects_the_entry_with_its_line(
    connection, raw_dir, fields, reason
):
    text = set_fields(raw_dir, {"test_fred_fx": fields})
    load_source_registry(connection, raw_dir)
    rows = registry_rows(connection)
    assert "test_fred_fx" not in rows and "test_article" in rows
    ((line, value, message),) = connection.execute(
        "select line, value, reason from raw.rejected_rows where file = 'sources.yml'"
    ).fetchall()
    assert line == text.splitlines().index("- id: test_fred_fx") + 1
    assert value == "test_fred_fx" and reason in message


@pytest.fixture(scope="module")
def warehouse_copy(refreshed, tmp_path_factory):
    """The shipped build's warehouse, copied: the tests rebuild dim_sources in it. dbt runs in
    this process (dbtRunner), which saves a process start per day judged."""
    home = tmp_path_factory.mktemp("freshness")
    shutil.copy(refreshed / "warehouse.duckdb", home / "warehouse.duckdb")
    shutil.copy(refreshed / "alcap_marts.duckdb", home / "alcap_marts.duckdb")
    with duckdb.connect(str(home / "warehouse.duckdb")) as connection:
        # An announced release, as the registry would carry it (staging is a view over this).
        connection.execute(
            "update raw.source_registry set cadence = 'irregular', next_release = '2026-06-01'"
            " where source_id = 'imf_primary_commodity_prices_aluminium'"
        )
    return home


def build_dim_sources(home, as_of_date: str, monkeypatch) -> dict[str, tuple]:
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("ALCAP_HOME", str(home))
    result = dbtRunner().invoke(
        [
            "run", "--select", "dim_sources", "--quiet",
            "--vars", json.dumps({"as_of_date": as_of_date}),
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(home / "dbt_target"),
        ]
    )  # fmt: skip
    assert result.success, result.exception
    # dbt keeps its connection open in this process: share it (same configuration).
    with open_warehouse(home, read_only=False) as connection:
        rows = connection.execute(
            "select source_id, cadence, latest_period_date, is_stale, stale_reason,"
            " freshness_as_of_date from marts.dim_sources"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_staleness_follows_the_cadence_and_the_next_release_on_a_fixed_day(
    warehouse_copy, monkeypatch
):
    # The shipped FRED price series ends 2026-03 (fresh until 2026-06-01), the exchange rate
    # 2025-07 (fresh until 2025-10-01), OWID's annual extract 2015 (fresh until 2017-07-01);
    # the IMF vintage was given a next release on 2026-06-01 above.
    on_june_first = build_dim_sources(warehouse_copy, "2026-06-01", monkeypatch)
    cadence, latest, is_stale, reason, as_of = on_june_first["fred_palumusdm"]
    assert (cadence, str(latest), is_stale, reason) == ("monthly", "2026-03-01", False, None)
    assert str(as_of) == "2026-06-01"
    assert on_june_first["imf_primary_commodity_prices_aluminium"][2] is False
    _, _, is_stale, reason, _ = on_june_first["fred_exchus"]
    assert is_stale and reason == (
        "latest period 2025-07-01 is older than its monthly cadence allows (fresh until 2025-10-01)"
    )
    assert on_june_first["owid_metal_production"][2] is True
    # Articles and one-off reports are never stale by age.
    assert on_june_first["stdaily_2019_aluminium_city"][0] == "once"
    assert not any(row[2] for row in on_june_first.values() if row[0] == "once")

    on_june_second = build_dim_sources(warehouse_copy, "2026-06-02", monkeypatch)
    assert on_june_second["fred_palumusdm"][2] is True
    imf = on_june_second["imf_primary_commodity_prices_aluminium"]
    assert imf[2] is True and imf[3] == "next release was due 2026-06-01"
    stale = sorted(source for source, row in on_june_second.items() if row[2])
    assert stale == [
        "fred_exchus", "fred_palumusdm", "imf_primary_commodity_prices_aluminium",
        "owid_metal_production",
    ]  # fmt: skip
