"""Ingest speed: the loader on one large claims file against DuckDB's own CSV reader.

    .venv/bin/python benchmarks/ingest_speed.py [ROWS] [--files N]   (1,000,000 rows, 1 file)

Writes a deterministic claims_csv file of ROWS firm-month rows (or --files N files sharing
them: memory grows with the largest file) and one monthly IMF series into
a temporary raw/ with its sources.yml, loads them with the loader into a temporary DuckDB
file, and prints rows/s, seconds and peak RSS. Then the floor, in the same process: DuckDB
`read_csv` of the same file into a table, every column VARCHAR; and the ratio loader / floor.
A second load of the unchanged files shows what carrying them over costs.
The file is written by a child process, so its memory does not count in the peak.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from dagster_project.ingest.loader import load_dataset, load_source_registry
from dagster_project.settings import load_settings

SERIES_FILE = "statistics/imf_bench.csv"
REGISTRY = """
sources:
  - id: bench_firms
    kind: statistic
    publisher: Benchmark Bureau
    title: Firm-level monthly output
    url: http://example.invalid/firms
    published: 2024
    retrieved: 2026-12-01
    licence: synthetic
    trust: B
    dataset: point_statistics
    format: claims_csv
    files: [{claims_files}]
  - id: bench_imf
    kind: statistic
    publisher: Benchmark Fund
    title: Aluminium price
    url: http://example.invalid/imf
    published: 2024
    retrieved: 2026-12-01
    licence: synthetic
    trust: A
    dataset: price_series
    format: imf_csv
    files: [{series_file}]
    series: {{entity: World, metric: aluminium_price, unit: USD/t}}
"""


def claims_files(count: int) -> list[str]:
    if count == 1:
        return ["claims/bench_firms.csv"]
    return [f"claims/bench_firms_{index:02d}.csv" for index in range(count)]


METRICS = ["production", "sales", "output_value", "capacity"]
UNITS = {"production": "t", "sales": "万吨", "output_value": "亿元", "capacity": "t"}
CHUNK = 1_000_000


def claims_chunk(start: int, stop: int) -> pl.DataFrame:
    """Rows start..stop-1: firm × metric × month, values distinct decimals."""
    index = pl.int_range(start, stop, eager=True).alias("index")
    month = index % 240
    metric = (index // 240) % len(METRICS)
    firm = index // (240 * len(METRICS))
    frame = pl.DataFrame({"index": index})
    return frame.select(
        pl.format("bench_{}", pl.col("index")).alias("claim_id"),
        pl.format("firm_{}", firm).alias("subject"),
        pl.lit("").alias("product"),
        pl.when(firm % 3 == 0).then(pl.lit("domestic")).otherwise(pl.lit("")).alias("market_scope"),
        pl.Series(METRICS).gather(metric).alias("metric"),
        pl.format("{}-{}", 2005 + month // 12, (month % 12 + 1).cast(pl.String).str.zfill(2)).alias(
            "period"
        ),
        ((pl.col("index") * 7919 % 9_999_991) / 100 + 1).round(2).cast(pl.String).alias("value"),
        pl.Series([UNITS[name] for name in METRICS]).gather(metric).alias("unit"),
        pl.lit("exact").alias("bound"),
        pl.lit("bench_firms").alias("source_id"),
        pl.lit("").alias("location_note"),
    )


def write_raw(raw: Path, rows: int, files: int) -> None:
    (raw / "claims").mkdir(parents=True)
    (raw / "statistics").mkdir()
    names = claims_files(files)
    registry = REGISTRY.format(claims_files=", ".join(names), series_file=SERIES_FILE)
    (raw / "sources.yml").write_text(registry, "utf-8")
    per_file = -(-rows // files)
    for index, name in enumerate(names):
        first, last = index * per_file, min((index + 1) * per_file, rows)
        with open(raw / name, "wb") as handle:
            for start in range(first, last, CHUNK):
                claims_chunk(start, min(start + CHUNK, last)).write_csv(
                    handle, include_header=start == first
                )
    months = [f"{2000 + month // 12}-{month % 12 + 1:02d}-01" for month in range(300)]
    prices = [f"{1500 + (month * 37) % 1200}.5" for month in range(300)]
    lines = ["Date,Price", *(f"{day},{price}" for day, price in zip(months, prices, strict=True))]
    (raw / SERIES_FILE).write_text("\n".join(lines) + "\n", "utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_all(database: Path, raw: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with duckdb.connect(str(database), config=load_settings().duckdb_config) as connection:
        load_source_registry(connection, raw)
        claims = load_dataset(connection, "point_statistics", raw)
        series = load_dataset(connection, "price_series", raw)
    seconds = time.perf_counter() - started
    problems = [f for f in claims.files + series.files if f.status != "loaded"]
    if problems:
        sys.exit(f"benchmark files did not load cleanly: {problems}")
    return seconds, claims.rows_loaded + series.rows_loaded


def floor_seconds(database: Path, raw: Path, files: int) -> float:
    started = time.perf_counter()
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            "create or replace table floor_claims as select * from read_csv(?, all_varchar = true)",
            [[str(raw / name) for name in claims_files(files)]],
        )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--files", type=int, default=1, help="claims files the rows are split in")
    parser.add_argument("--write-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write_only:
        write_raw(args.write_only, args.rows, args.files)
        return 0
    with tempfile.TemporaryDirectory(prefix="ingest_speed_") as temporary:
        raw, database = Path(temporary) / "raw", Path(temporary) / "warehouse.duckdb"
        subprocess.run(
            [sys.executable, __file__, str(args.rows), "--files", str(args.files)]
            + ["--write-only", str(raw)],
            check=True,
        )
        size_mb = sum(path.stat().st_size for path in (raw / "claims").iterdir()) / 1e6
        print(f"claims: {args.rows:,} rows in {args.files} file(s), {size_mb:,.0f} MB")
        seconds, rows = load_all(database, raw)
        peak = peak_rss_mb()
        print(
            f"loader:      {seconds:8.2f} s  {rows / seconds:12,.0f} rows/s"
            f"  peak RSS {peak:,.0f} MB"
        )
        again, _ = load_all(database, raw)
        print(f"unchanged:   {again:8.2f} s  (second load of the same files)")
        floor = floor_seconds(Path(temporary) / "floor.duckdb", raw, args.files)
        print(f"floor:       {floor:8.2f} s  {args.rows / floor:12,.0f} rows/s  (DuckDB read_csv)")
        print(f"ratio loader / floor: {seconds / floor:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
