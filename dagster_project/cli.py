"""`alcap`: a thin command-line front over the same functions the Dagster assets call."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb
import polars as pl

from dagster_project.settings import Settings, load_settings

# Rows are counted per source: loaded lines from the raw tables, rejected lines from
# raw.rejected_rows. A rejected line that names no valid source (a malformed row, an unknown
# source id) belongs to its file's source when the file has one; in a file shared by several
# sources it is shown on a row of its own, so the totals still reconcile with the files.
SOURCES_SQL = """
with files as (
    select source_id, dataset, unnest(files) as file from raw.source_registry
),
owners as (
    select file, count(*) as owner_count, min(source_id) as only_owner from files group by file
),
loaded as (
    select source_id, file, count(distinct line) as rows_loaded
    from (
        select source_id, file, line from raw.article_claims
        union all select source_id, file, line from raw.point_statistics
        union all select source_id, file, line from raw.production_series
        union all select source_id, file, line from raw.price_series
        union all select source_id, file, line from raw.exchange_rates
    )
    group by all
),
rejected_lines as (
    select distinct
        rejected.file,
        rejected.line,
        case
            when rejected.source_id in (
                select files.source_id from files where files.file = rejected.file
            ) then rejected.source_id
            when owners.owner_count = 1 then owners.only_owner
            else '(no valid source id)'
        end as source_id
    from raw.rejected_rows as rejected
    inner join owners on owners.file = rejected.file
    where rejected.line > 0
),
whole_file_failures as (
    -- a file that could not be read at all: all its rows are rejected, counted once per file
    select owners.only_owner as source_id, loads.file, loads.rows_rejected
    from raw.file_loads as loads
    inner join owners on owners.file = loads.file
    where loads.status = 'failed'
),
rejected as (
    select source_id, file, count(*) as rows_rejected from rejected_lines group by all
    union all
    select source_id, file, rows_rejected from whole_file_failures
),
per_source_file as (
    select files.source_id, files.dataset, files.file from files
    union
    select source_id, null, file from rejected where source_id = '(no valid source id)'
)
select
    per_source_file.source_id,
    registry.kind,
    registry.trust,
    coalesce(registry.dataset, any_value(per_source_file.dataset)) as dataset,
    count(distinct per_source_file.file) as files,
    coalesce(sum(loaded.rows_loaded), 0) + coalesce(sum(rejected.rows_rejected), 0) as rows_read,
    coalesce(sum(loaded.rows_loaded), 0) as rows_loaded,
    coalesce(sum(rejected.rows_rejected), 0) as rows_rejected
from per_source_file
left join raw.source_registry as registry on registry.source_id = per_source_file.source_id
left join loaded
    on loaded.source_id = per_source_file.source_id and loaded.file = per_source_file.file
left join rejected
    on rejected.source_id = per_source_file.source_id and rejected.file = per_source_file.file
group by per_source_file.source_id, registry.kind, registry.trust, registry.dataset
order by dataset, per_source_file.source_id
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
    return duckdb.connect(str(path), read_only=True)


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
    settings.export()
    import dagster as dg

    from dagster_project.definitions import defs

    job = defs.resolve_job_def("refresh")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": arguments.log_level}}}},
        )
    for event in result.all_events:
        if event.is_step_failure:
            print(f"FAILED {event.step_key}: {event.event_specific_data.error.message.strip()}")
    for event in result.get_asset_check_evaluations():
        if not event.passed:
            print(
                f"check {event.asset_key.to_user_string()}:{event.check_name}: {event.description}"
            )
    with _reader(settings, live=True) as connection:
        print_frame(connection.sql(FILES_SQL).pl())
    status = "succeeded" if result.success else "FAILED (the serving snapshot was not replaced)"
    print(f"refresh {status}: run {result.run_id}")
    return 0 if result.success else 1


def command_ingest(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.extract.load import load_articles
    from dagster_project.ingest.loader import load_dataset, load_source_registry
    from dagster_project.ingest.registry import DATASETS

    settings.export()
    datasets = arguments.datasets or list(DATASETS)
    with duckdb.connect(str(settings.warehouse)) as connection:
        load_source_registry(connection, settings.raw_dir)
        for dataset in datasets:
            load_dataset(connection, dataset, settings.raw_dir)
        # Articles too, so that `dbt build` after `alcap ingest` finds every raw table.
        load_articles(connection, settings.raw_dir)
        print_frame(connection.sql(FILES_SQL).pl())
    return 0


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
        frame = connection.sql(FILES_SQL if arguments.files else SOURCES_SQL).pl()
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
    from dagster_project.extract.cli import run_extract

    return run_extract(arguments.path, arguments.format)


def command_claims(settings: Settings, arguments: argparse.Namespace) -> int:
    from dagster_project.extract.accept import AcceptError, Overrides, accept

    overrides = Overrides(
        subject=arguments.subject,
        metric=arguments.metric,
        period=arguments.period,
        product=arguments.product,
        market_scope=arguments.market_scope,
    )
    with _reader(settings, arguments.live) as connection:
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
        folder = build_docs(
            settings.serving_snapshot, settings.dbt_project_dir, settings.home / "docs"
        )
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

    refresh = commands.add_parser("refresh", help="full refresh through Dagster, then publish")
    refresh.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])
    ingest = commands.add_parser(
        "ingest", help="load raw files and articles into DuckDB only (no dbt)"
    )
    ingest.add_argument("datasets", nargs="*", help="datasets to load (default: all)")

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
    return parser


COMMANDS = {
    "refresh": command_refresh,
    "ingest": command_ingest,
    "query": command_query,
    "sources": command_sources,
    "rejected": command_rejected,
    "extract": command_extract,
    "claims": command_claims,
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


if __name__ == "__main__":
    sys.exit(main())
