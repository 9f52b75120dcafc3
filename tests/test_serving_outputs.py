"""The serving outputs made side by side in one step: each reported on its own, a failed one
named without stopping the others, and the first publication's spare made beside them."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.publish import spare
from dagster_project.publish.report import default_report_path
from dagster_project.resources import AlcapPaths, PostgresTarget
from dagster_project.settings import Settings


@pytest.fixture
def home(refreshed, tmp_path) -> Path:
    copied = tmp_path / "home"
    shutil.copytree(refreshed, copied, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    return copied


def make(home: Path, *keys: dg.AssetKey) -> dg.ExecuteInProcessResult:
    # Imported here: the assets read dbt's manifest, which the session prepares after collection.
    from dagster_project.assets.outputs import serving_outputs

    settings = Settings(raw_dir=home / "raw", home=home)
    return dg.materialize(
        [serving_outputs],
        selection=list(keys),
        resources={"paths": AlcapPaths.from_settings(settings), "postgres": PostgresTarget()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def made(result: dg.ExecuteInProcessResult) -> set[str]:
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


def test_the_first_refresh_keeps_a_spare_of_its_snapshot(refreshed):
    """A refresh into an empty home publishes once, with no snapshot to keep: the step after it
    copies the snapshot as the spare, so the next publication rewrites only what differs."""
    snapshot = refreshed / "serving" / "alcap.duckdb"
    assert spare.spare_path(snapshot).read_bytes() == snapshot.read_bytes()


def test_a_failed_output_is_named_and_the_others_are_made(home):
    from dagster_project.assets.publish import PARQUET
    from dagster_project.assets.report import REPORT

    snapshot = home / "serving" / "alcap.duckdb"
    spare.spare_path(snapshot).unlink()
    report = default_report_path(snapshot.parent)
    report.unlink()
    report.mkdir()  # the report cannot be written over a folder
    (report / "keep").write_text("")
    result = make(home, PARQUET.key, REPORT.key)
    assert not result.success
    assert made(result) == {"serving/parquet"}
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    message = failure.event_specific_data.error.message
    assert "not made: serving/report" in message
    assert "serving/parquet" not in message
    assert spare.spare_path(snapshot).exists(), "the spare is made whatever the outputs do"

    report.joinpath("keep").unlink()
    report.rmdir()
    spare.spare_path(snapshot).unlink()
    assert made(make(home, REPORT.key)) == {"serving/report"}
    assert report.is_file()
    assert not spare.spare_path(snapshot).exists(), "without the Parquet export, no spare"
