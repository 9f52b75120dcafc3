"""`alcap`: a thin command-line front over the same functions the Dagster assets call."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
import threading
from pathlib import Path

import duckdb
import polars as pl

from dagster_project.marts_file import attach_marts
from dagster_project.settings import Settings, load_settings

# Rows per source are defined once, in dbt (int_source_rows_counted → marts.dim_sources).
SOURCES_SQL = """
select
    source_id,
    source_kind as kind,
    trust_grade as trust,
    dataset,
    len(files) + len(text_files) as files,
    rows_read,
    rows_loaded,
    rows_rejected
from marts.dim_sources
order by dataset, source_id
"""
# Rejected lines of a shared file that name none of its sources belong to no source: shown on
# a row of their own, as what the files hold beyond the sources' rows, so the totals reconcile.
UNATTRIBUTED_SQL = """
select
    '(no valid source id)' as source_id,
    null as kind,
    null as trust,
    null as dataset,
    null as files,
    files.rows_read - sources.rows_read as rows_read,
    files.rows_loaded - sources.rows_loaded as rows_loaded,
    files.rows_rejected - sources.rows_rejected as rows_rejected
from (
    select sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
        sum(rows_rejected) as rows_rejected
    from raw.file_loads where dataset <> 'source_registry' and status <> 'unlisted'
) as files, (
    select sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
        sum(rows_rejected) as rows_rejected
    from marts.dim_sources
) as sources
where files.rows_read <> sources.rows_read
"""
FILES_SQL = """
select dataset, file, status, rows_read, rows_loaded, rows_rejected, error
from raw.file_loads order by dataset, file
"""


def _reader(settings: Settings, live: bool) -> duckdb.DuckDBPyConnection:
    """Readers use the published snapshot; --live reads the warehouse itself (read-only)."""
    path = settings.warehouse if live else settings.serving_snapshot
    if not path.exists():
        hint = "alcap ingest" if live else "alcap refresh"
        raise SystemExit(f"alcap: {path} does not exist yet; run `{hint}` first")
    try:
        connection = duckdb.connect(str(path), read_only=True)
        if live and settings.marts.exists():
            attach_marts(connection, settings.marts, read_only=True)
        return connection
    except duckdb.IOException as error:
        if live and "lock" in str(error).lower():
            raise SystemExit(
                f"alcap: {path} is locked by another process (a refresh running?); try again"
                " when it has finished"
            ) from None
        raise


def print_frame(frame: pl.DataFrame, output_format: str = "table") -> None:
    if output_format == "csv":
        sys.stdout.write(frame.write_csv())
    elif output_format == "json":
        sys.stdout.write(frame.write_ndjson())
    else:
        # Thousands separators help with yuan and tonnes, not with years: show years as text.
        years = [
            name for name, dtype in frame.schema.items() if "year" in name and dtype.is_integer()
        ]
        frame = frame.with_columns(pl.col(years).cast(pl.String))
        with pl.Config(
            tbl_rows=-1,
            tbl_cols=-1,
            tbl_width_chars=240,
            fmt_str_lengths=80,
            tbl_hide_column_data_types=True,
            tbl_hide_dataframe_shape=True,
            thousands_separator=",",
            float_precision=4,
        ):
            print(frame)
        print(f"({frame.height} rows)")


def command_refresh(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.refresh import refresh

    return refresh(settings, full=arguments.full, verbose=arguments.verbose)


def command_status(settings: Settings, arguments: argparse.Namespace) -> int:
    """Reads the snapshot and the run history only: it never waits for a running refresh."""
    from dagster_project.status import render_status

    lines, healthy = render_status(settings)
    print("\n".join(lines))
    return 0 if healthy else 1


def command_ingest(settings: Settings, arguments: argparse.Namespace) -> int:
    """The refresh job's raw group: the same assets, so ingest never drifts from refresh."""
    from dagster_project.jobs import run_job
    from dagster_project.refresh_lock import RefreshLocked, refresh_lock

    try:
        with refresh_lock(settings.home):
            outcome = run_job(settings, "ingest", arguments.verbose)
    except RefreshLocked as error:
        print(f"alcap ingest: {error}", file=sys.stderr)
        return 75
    if settings.warehouse.exists():
        with _reader(settings, live=True) as connection:
            print_frame(connection.sql(FILES_SQL).pl())
    print(f"ingest {'succeeded' if outcome.result.success else 'FAILED'}; log {outcome.log_path}")
    return 0 if outcome.result.success else 1


def command_serve(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.serve import serve

    return serve(settings, arguments.port)


def command_query(settings: Settings, arguments: argparse.Namespace) -> int:
    with _reader(settings, arguments.live) as connection:
        try:
            relation = connection.sql(arguments.sql)
            if relation is None:
                print("ok")
                return 0
            frame = relation.pl()
        except duckdb.Error as error:
            print(f"alcap query: {error}", file=sys.stderr)
            return 2
    print_frame(frame, arguments.format)
    return 0


def command_sources(settings: Settings, arguments: argparse.Namespace) -> int:
    with _reader(settings, arguments.live) as connection:
        if arguments.files:
            frame = connection.sql(FILES_SQL).pl()
        else:
            sources = connection.sql(SOURCES_SQL).pl()
            rest = connection.sql(UNATTRIBUTED_SQL).pl()
            frame = pl.concat([sources, rest.cast(sources.schema)]) if rest.height else sources
    print_frame(frame, arguments.format)
    return 0


def command_rejected(settings: Settings, arguments: argparse.Namespace) -> int:
    sql = "select dataset, file, line, column_name, value, reason from raw.rejected_rows"
    parameters: list[str] = []
    if arguments.file:
        sql += " where file = ?"
        parameters.append(arguments.file)
    with _reader(settings, arguments.live) as connection:
        frame = connection.sql(sql + " order by file, line", params=parameters).pl()
    print_frame(frame, arguments.format)
    return 0


def command_extract(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.review.preview import run_extract

    return run_extract(arguments.path, arguments.format)


def command_claims(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.review.accept import AcceptError, Overrides, accept

    overrides = Overrides(
        subject=arguments.subject,
        metric=arguments.metric,
        period=arguments.period,
        product=arguments.product,
        market_scope=arguments.market_scope,
    )
    # Candidates live in raw.claim_candidates, which only the warehouse holds.
    with _reader(settings, live=True) as connection:
        try:
            written = accept(connection, settings.raw_dir, arguments.candidate_ids, overrides)
        except AcceptError as error:
            print(f"alcap claims accept: {error}", file=sys.stderr)
            return 2
    for claim_id in written:
        print(f"accepted as {claim_id}")
    if len(written) < len(arguments.candidate_ids):
        print(f"{len(arguments.candidate_ids) - len(written)} already accepted earlier")
    print("run `alcap refresh` to load them")
    return 0


def command_publish(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.publish.cli import run_publish

    return run_publish(settings, arguments.target)


def command_report(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.publish.report import default_report_path, write_report

    out = arguments.out or default_report_path(settings.serving_dir)
    try:
        written = write_report(settings.serving_snapshot, out)
    except FileNotFoundError as error:
        raise SystemExit(f"alcap report: {error}") from None
    print(f"report written to {written}")
    return 0


def command_docs(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.publish.docs import DocsError, build_docs, serve_docs

    try:
        folder = build_docs(settings.serving_snapshot, settings.home / "docs")
    except (FileNotFoundError, DocsError) as error:
        raise SystemExit(f"alcap docs: {error}") from None
    print(f"dbt docs of the published build written to {folder / 'index.html'}")
    if arguments.serve:
        serve_docs(folder, arguments.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alcap", description="Analytics warehouse for Binzhou's aluminium cluster."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    refresh = commands.add_parser("refresh", help="refresh through Dagster, then publish")
    refresh.add_argument(
        "--full", action="store_true", help="rebuild even if no raw file or project file changed"
    )
    ingest = commands.add_parser("ingest", help="load raw files into DuckDB only (no dbt)")
    for command in (refresh, ingest):
        command.add_argument(
            "--verbose", action="store_true", help="print Dagster's and dbt's full log live"
        )
    serve = commands.add_parser(
        "serve", help="Dagster daemon and UI: the daily schedule and the raw/ sensor run"
    )
    serve.add_argument("--port", type=int, default=3000, help="the UI on 127.0.0.1:PORT")

    commands.add_parser(
        "status", help="the published build, its sources and marts, the last refresh, freshness"
    )
    query = commands.add_parser("query", help="run SQL against the published snapshot")
    query.add_argument("sql")

    sources = commands.add_parser("sources", help="the source registry with row counts")
    sources.add_argument("--files", action="store_true", help="one row per file instead")

    rejected = commands.add_parser("rejected", help="rows quarantined with their reasons")
    rejected.add_argument("--file", help="only this file (path relative to raw/)")

    claims = commands.add_parser("claims", help="review extracted candidate claims")
    claims_commands = claims.add_subparsers(dest="claims_command", required=True)
    accept = claims_commands.add_parser(
        "accept", help="append candidates (ids from fct_claim_review_queue) to the claims file"
    )
    accept.add_argument("candidate_ids", nargs="+", metavar="ID")
    accept.add_argument("--subject", help="override the subject the extractor found")
    accept.add_argument("--metric", help="override the metric (an id in dbt/seeds/metrics.csv)")
    accept.add_argument("--period", help="override the period (YYYY, YYYY-MM, ...)")
    accept.add_argument("--product", help="the product or chain stage the figure is about")
    accept.add_argument("--market-scope", choices=["domestic", "world", "provincial", "city"])

    for command in (query, sources, rejected, accept):
        command.add_argument(
            "--live", action="store_true", help="read the warehouse, not the snapshot"
        )
    for command in (query, sources, rejected):
        command.add_argument("--format", choices=["table", "csv", "json"], default="table")

    report = commands.add_parser("report", help="write the HTML report from the snapshot")
    report.add_argument("--out", type=Path, help="default: $ALCAP_HOME/serving/report.html")
    docs = commands.add_parser("docs", help="dbt docs of the published build (static folder)")
    docs.add_argument("--serve", action="store_true", help="then serve them on 127.0.0.1")
    docs.add_argument("--port", type=int, default=8580)

    extract = commands.add_parser("extract", help="propose the figures in an article as claims")
    extract.add_argument("path", type=Path)
    extract.add_argument("--format", choices=["table", "jsonl"], default="table")
    publish = commands.add_parser("publish", help="publish the snapshot on demand")
    publish.add_argument("target", choices=["postgres"], help="postgres: to ALCAP_POSTGRES_URL")
    return parser


COMMANDS = {
    "refresh": command_refresh,
    "ingest": command_ingest,
    "status": command_status,
    "serve": command_serve,
    "query": command_query,
    "sources": command_sources,
    "rejected": command_rejected,
    "extract": command_extract,
    "claims": command_claims,
    "publish": command_publish,
    "report": command_report,
    "docs": command_docs,
}


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        return COMMANDS[arguments.command](load_settings(), arguments)
    except BrokenPipeError:
        # `alcap ... | head`: the reader stopped early, which is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def run() -> None:
    """The `alcap` executable: main(), then an exit that skips tearing the interpreter down
    (its last garbage collection, over the objects of Dagster, dbt's manifest and the load,
    took 0.8 to 1 s after every refresh). What that teardown does that matters is done first,
    in its order: waiting for the threads (threading._shutdown), the atexit handlers (logging's
    flush among them) and the standard streams' flush."""
    code = main()
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code if isinstance(code, int) else 1)


if __name__ == "__main__":
    run()
