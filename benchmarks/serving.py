"""Serving benchmark: Postgres publication time, and the README's example queries through
Postgres and through the DuckDB snapshot, side by side.

    ALCAP_POSTGRES_URL=postgresql://... .venv/bin/python benchmarks/serving.py [--repeat 200]

Publishes the current snapshot (as `alcap publish postgres` does, into the configured schema),
then runs every SQL block under "What each mart answers" in README.md `--repeat` times on one
open connection per engine and prints p50/p95 latency in milliseconds. Needs a snapshot
(`alcap refresh`) and a Postgres URL (ALCAP_POSTGRES_URL, ALCAP_POSTGRES_URL_FILE or, for a
test server, ALCAP_TEST_POSTGRES_URL). The URL is never printed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time

import duckdb
import psycopg

from dagster_project.publish.postgres import libpq_url, publish_postgres
from dagster_project.settings import PROJECT_ROOT, load_settings


def readme_queries() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## What each mart answers", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sql\n(.*?)```", section, re.DOTALL)]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_query(run, repeat: int) -> list[float]:
    run()  # warm: the first run pays for plans and caches, not what a dashboard sees
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=100, help="runs of each query")
    parser.add_argument("--publications", type=int, default=3, help="publications to time")
    arguments = parser.parse_args()

    settings = load_settings()
    url = settings.postgres_url or os.environ.get("ALCAP_TEST_POSTGRES_URL")
    if not url:
        sys.exit("benchmarks/serving.py: set ALCAP_POSTGRES_URL (or ALCAP_POSTGRES_URL_FILE)")
    if not settings.serving_snapshot.exists():
        sys.exit(
            f"benchmarks/serving.py: no snapshot at {settings.serving_snapshot}: alcap refresh"
        )
    schema = settings.postgres_schema

    seconds, load_seconds = [], []
    for _ in range(arguments.publications):
        publication = publish_postgres(
            settings.serving_snapshot,
            url,
            schema=schema,
            reader_role=settings.postgres_reader_role,
        )
        seconds.append(publication.seconds)
        load_seconds.append(publication.load_seconds)
    rows = sum(publication.row_counts.values())
    print(
        f"Postgres publication of {len(publication.row_counts)} tables ({rows:,} rows):"
        f" median {statistics.median(seconds) * 1000:.0f} ms, best {min(seconds) * 1000:.0f} ms"
        f" over {len(seconds)} runs (load, keys, indexes, comments, analyze, swap);"
        f" the ADBC load of Arrow alone: median {statistics.median(load_seconds) * 1000:.0f} ms"
    )

    print(f"\nREADME example queries, {arguments.repeat} runs each, milliseconds:")
    print(f"{'query':<34} {'DuckDB p50':>10} {'p95':>7} {'Postgres p50':>13} {'p95':>7}")
    with (
        duckdb.connect(str(settings.serving_snapshot), read_only=True) as snapshot,
        psycopg.connect(libpq_url(url), autocommit=True) as postgres,
    ):
        for query in readme_queries():
            mart = re.search(r"from marts\.(\w+)", query).group(1)
            postgres_query = query.replace("marts.", f"{schema}.")
            duckdb_rows = snapshot.execute(query).fetchall()
            postgres_rows = postgres.execute(postgres_query).fetchall()
            assert len(duckdb_rows) == len(postgres_rows), mart
            duckdb_times = time_query(
                lambda q=query: snapshot.execute(q).fetchall(), arguments.repeat
            )
            postgres_times = time_query(
                lambda q=postgres_query: postgres.execute(q).fetchall(), arguments.repeat
            )
            duckdb_p50, duckdb_p95 = percentile(duckdb_times, 0.5), percentile(duckdb_times, 0.95)
            postgres_p50 = percentile(postgres_times, 0.5)
            postgres_p95 = percentile(postgres_times, 0.95)
            print(
                f"{mart + f' ({len(duckdb_rows)} rows)':<34} {duckdb_p50:>10.2f}"
                f" {duckdb_p95:>7.2f} {postgres_p50:>13.2f} {postgres_p95:>7.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
