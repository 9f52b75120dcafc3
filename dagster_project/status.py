"""`alcap status`: what BI users see now and how it stands.

Everything about the published build comes from the serving snapshot (opened read-only, so a
running refresh never blocks it); check results and the last attempt's outcome come from the
Dagster run history under ALCAP_HOME; whether a refresh runs now, from its lock file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.publish.figure_changes import FIGURES
from dagster_project.refresh_lock import refresh_running
from dagster_project.settings import REFRESH_JOB, Settings

# The marts whose reported figures meta.figure_changes follows.
CHANGED_MARTS = {figure.mart for figure in FIGURES}

SOURCES_SQL = """
with file_history as (
    select
        files.file,
        builds.finished_at,
        files.sha256,
        lag(files.sha256) over (partition by files.file order by builds.finished_at)
            as previous_sha256,
        row_number() over (partition by files.file order by builds.finished_at) as build_number
    from meta.build_files as files
    inner join meta.builds as builds on files.build_id = builds.build_id
),
file_changed as (
    select file, max(finished_at) as changed_at
    from file_history
    where build_number = 1 or sha256 is distinct from previous_sha256
    group by file
),
source_files as (
    select source_id, unnest(list_concat(files, text_files)) as file from marts.dim_sources
)
select
    sources.source_id, sources.dataset, sources.rows_loaded, sources.rows_rejected,
    sources.cadence, sources.is_stale, sources.stale_reason, sources.freshness_as_of_date,
    max(file_changed.changed_at) as data_changed_at,
    least(sources.fresh_until_date, sources.next_release_date) as fresh_until
from marts.dim_sources as sources
left join source_files on sources.source_id = source_files.source_id
left join file_changed on source_files.file = file_changed.file
group by all
order by sources.is_stale desc, sources.dataset, sources.source_id
"""
MARTS_SQL = """
with ordered as (
    select build_id, row_number() over (order by finished_at desc) as recency from meta.builds
)
select
    tables.table_name as mart,
    tables.row_count,
    tables.row_count - previous.row_count as row_change,
    (select count(*) from meta.figure_changes as changes
     where changes.build_id = tables.build_id and changes.mart = tables.table_name)
        as figures_changed
from meta.build_tables as tables
inner join ordered on tables.build_id = ordered.build_id and ordered.recency = 1
left join meta.build_tables as previous
    on previous.table_schema = tables.table_schema and previous.table_name = tables.table_name
    and previous.build_id = (select build_id from ordered where recency = 2)
where tables.table_schema = 'marts'
order by tables.table_name
"""


@dataclass
class CheckCounts:
    passed: int = 0
    warned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.passed} passed"]
        if self.warned:
            parts.append(f"{len(self.warned)} warning ({', '.join(self.warned)})")
        if self.failed:
            parts.append(f"{len(self.failed)} FAILED ({', '.join(self.failed)})")
        return ", ".join(parts)


@dataclass
class RefreshRun:
    run_id: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    failures: list[str]
    checks: dict[str, CheckCounts]


def _utc(timestamp: float | None) -> datetime | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    # Dagster wraps a step's error: the cause, last, says what went wrong.
    return lines[-1] if lines else ""


def _summarise(instance, record) -> RefreshRun:
    """One run's outcome: its failed steps and its checks, counted per asset."""
    import dagster as dg

    run_id = record.dagster_run.run_id
    failures, checks = [], {}
    evaluations = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    for entry in evaluations:
        evaluation = entry.dagster_event.event_specific_data
        counts = checks.setdefault(evaluation.asset_key.to_user_string(), CheckCounts())
        if evaluation.passed:
            counts.passed += 1
        elif evaluation.severity == dg.AssetCheckSeverity.WARN:
            counts.warned.append(evaluation.check_name)
        else:
            counts.failed.append(evaluation.check_name)
            failures.append(
                f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed"
                + (f": {evaluation.description}" if evaluation.description else "")
            )
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        event = entry.dagster_event
        message = _first_line(event.step_failure_data.error.message)
        failures.append(f"step {event.step_key} failed: {message}")
    return RefreshRun(
        run_id=run_id,
        status=record.dagster_run.status.value,
        started_at=_utc(record.start_time),
        ended_at=_utc(record.end_time),
        failures=failures,
        checks=checks,
    )


def refresh_runs(
    dagster_home: Path, published_at: datetime | None
) -> tuple[RefreshRun | None, RefreshRun | None]:
    """The newest refresh run (the last attempt) and the run that published the build finished
    at `published_at` (the newest one started before it), from the run history under
    ALCAP_HOME; (None, None) without history."""
    if not (dagster_home / "dagster.yaml").exists():
        return None, None
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        records = instance.get_run_records(filters=dg.RunsFilter(job_name=REFRESH_JOB), limit=50)
        if not records:
            return None, None
        last = _summarise(instance, records[0])
        publishing = next(
            (
                record
                for record in records
                if published_at is not None
                and record.start_time is not None
                and _utc(record.start_time) <= published_at
            ),
            None,
        )
        if publishing is None:
            return last, None
        if publishing is records[0]:
            return last, last
        return last, _summarise(instance, publishing)


def age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min ago"
    return f"{hours // 24} days ago"


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({age(moment, now)})"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


def _read_snapshot(snapshot: Path) -> tuple[dict, list[tuple], list[tuple]]:
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        build = connection.execute(
            "select build_id, finished_at from meta.builds order by finished_at desc limit 1"
        ).fetchone()
        sources = connection.execute(SOURCES_SQL).fetchall()
        marts = connection.execute(MARTS_SQL).fetchall()
    return {"build_id": build[0], "finished_at": build[1]}, sources, marts


def render_status(settings: Settings, now: datetime | None = None) -> tuple[list[str], bool]:
    """The lines `alcap status` prints, and whether all is well (published, last attempt ok)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    lines = [f"alcap status of {settings.home}"]
    running = refresh_running(settings.home)
    healthy = True
    if not settings.serving_snapshot.exists():
        lines.append("published build: none yet (run `alcap refresh`)")
        build, sources, marts = None, [], []
        healthy = False
    else:
        build, sources, marts = _read_snapshot(settings.serving_snapshot)
        lines.append(
            f"published build: {build['build_id']}, finished {_when(build['finished_at'], now)}"
        )
    run, publishing_run = refresh_runs(
        settings.dagster_home, build["finished_at"] if build else None
    )
    lines.append(f"refresh running now: {'yes' if running else 'no'}")
    if run is None:
        lines.append(f"last refresh: no run history under {settings.dagster_home}")
    else:
        lines.append(
            f"last refresh: run {run.run_id} {run.status}, started {_when(run.started_at, now)}"
        )
        published_after = (
            build is not None
            and run.started_at is not None
            and (build["finished_at"] >= run.started_at)
        )
        if run.status == "FAILURE" and not published_after:
            healthy = False
            published = build["build_id"] if build else "no build"
            lines.append(
                f"  the last refresh FAILED: the published build ({published}) is older than"
                " this attempt, and BI users still read it"
            )
        elif run.status == "FAILURE":
            healthy = False
            lines.append("  the last refresh FAILED after publishing its build")
        for failure in run.failures:
            lines.append(f"  why: {failure}")
    if build is None:
        return lines, healthy

    checks = publishing_run.checks if publishing_run else {}
    checks_origin = (
        f"checks of run {publishing_run.run_id}, which published it"
        if publishing_run
        else "checks: the run that published it is not in the run history (a published build"
        " passed every blocking check)"
    )
    lines += ["", "sources (from the published build):"]
    rows = []
    for row in sources:
        source_id, dataset, loaded, rejected, cadence, is_stale, reason, _, changed, until = row
        freshness = f"STALE: {reason}" if is_stale else (f"fresh until {until}" if until else "-")
        dataset_checks = checks.get(f"raw/{dataset}")
        rows.append(
            [
                source_id,
                dataset,
                str(loaded),
                str(rejected),
                dataset_checks.summary() if dataset_checks else "-",
                age(changed, now) if changed else "-",
                cadence or "-",
                freshness,
            ]
        )
    lines += _table(
        ["source", "dataset", "rows", "rejected", "checks (dataset)", "data changed", "cadence",
         "freshness"],
        rows,
    )  # fmt: skip
    if sources:
        lines.append(f"  freshness judged on {sources[0][7]}, the day of the published build")
    lines += ["", "marts (from the published build):"]
    rows = []
    for mart, row_count, row_change, figures_changed in marts:
        mart_checks = checks.get(mart)
        change = "-" if row_change is None else f"{row_change:+d}"
        rows.append(
            [
                mart,
                str(row_count),
                change,
                str(figures_changed) if mart in CHANGED_MARTS else "-",
                mart_checks.summary() if mart_checks else "-",
            ]
        )
    lines += _table(
        ["mart", "rows", "rows since previous build", "figures changed", "checks"], rows
    )
    lines.append(f"  {checks_origin}")
    stale = [row for row in sources if row[5]]
    if stale:
        lines += ["", f"warnings: {len(stale)} stale sources"]
        lines += [f"  {row[0]}: {row[6]}" for row in stale]
    return lines, healthy
