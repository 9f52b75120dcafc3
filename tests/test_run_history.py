"""The run history's event log (dagster_project/run_history.py): Dagster's own SQLite files,
written through kept connections, readable by Dagster's own class and the other way round."""

from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from dagster_project import run_history
from dagster_project.jobs import open_instance
from dagster_project.settings import Settings


@dg.asset
def small_figure() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=small_figure)
def small_figure_has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


JOB = dg.Definitions(
    assets=[small_figure],
    asset_checks=[small_figure_has_rows],
    jobs=[dg.define_asset_job("small", selection=[small_figure])],
).resolve_job_def("small")


def _settings(tmp_path: Path) -> Settings:
    return Settings(raw_dir=tmp_path / "raw", home=tmp_path / "home")


def test_runs_stored_through_kept_connections_read_back_by_dagsters_own_class(tmp_path):
    settings = _settings(tmp_path)
    run_ids = []
    with open_instance(settings) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, run_history.KeptSqliteEventLogStorage)
        for _ in range(run_history.KEPT_RUN_DATABASES + 2):
            result = JOB.execute_in_process(instance=instance)
            assert result.success
            run_ids.append(result.run_id)
        # the index and the newest run databases keep their engines, older ones are closed
        kept = [shard for shard in storage._engines if shard != "index"]
        assert kept == run_ids[-run_history.KEPT_RUN_DATABASES :]
        with storage.index_connection() as connection:  # WAL, synced at checkpoints
            assert connection.exec_driver_sql("pragma journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
        newest = instance.get_latest_materialization_event(dg.AssetKey("small_figure"))
        assert newest is not None and newest.run_id == run_ids[-1]
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("small_figure"), "small_figure_has_rows")]
        )
        assert len(check) == 1

    plain = SqliteEventLogStorage(str(settings.dagster_home / "storage" / "history" / "runs"))
    for run_id in run_ids:
        types = {event.dagster_event_type for event in plain.get_logs_for_run(run_id)}
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
        assert dg.DagsterEventType.RUN_SUCCESS in types
    plain.dispose()


def test_history_written_by_dagsters_own_storage_goes_on_and_wipes(tmp_path):
    settings = _settings(tmp_path)
    # a home as alcap wrote it before: `storage: sqlite`, Dagster's own classes
    settings.dagster_home.mkdir(parents=True)
    (settings.dagster_home / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {settings.dagster_home}/storage\n", encoding="utf-8"
    )
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert type(instance.event_log_storage) is SqliteEventLogStorage
        earlier = JOB.execute_in_process(instance=instance)

    with open_instance(settings) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, run_history.KeptSqliteEventLogStorage)
        assert instance.get_run_by_id(earlier.run_id) is not None
        types = {event.dagster_event_type for event in storage.get_logs_for_run(earlier.run_id)}
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
        later = JOB.execute_in_process(instance=instance)
        assert later.success
        newest = instance.get_latest_materialization_event(dg.AssetKey("small_figure"))
        assert newest is not None and newest.run_id == later.run_id
        storage.wipe()
        assert storage.get_logs_for_run(later.run_id) == []
        assert instance.get_latest_materialization_event(dg.AssetKey("small_figure")) is None
