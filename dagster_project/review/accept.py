"""`alcap claims accept ID…`: append reviewed candidates to their article's claims file.

The claims file stays the curated record: an accepted candidate becomes an ordinary row there
(checked with the same unit and period parsers the loader uses), and the next refresh links
it back to its character span.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project import vocabulary
from dagster_project.ingest import claims_csv
from dagster_project.ingest.loader import read_registry
from dagster_project.ingest.paths import PathError, normalise, outside_reason
from dagster_project.ingest.units import parse_period, parse_unit


class AcceptError(ValueError):
    pass


@dataclass
class Overrides:
    subject: str | None = None
    metric: str | None = None
    period: str | None = None
    product: str | None = None
    market_scope: str | None = None


def known_metrics() -> set[str]:
    """The metrics a claims file may carry (the loose guesses are not curatable)."""
    return {metric_id for metric_id, metric in vocabulary.metrics().items() if metric.is_curatable}


def _find(connection: duckdb.DuckDBPyConnection, prefix: str) -> dict:
    if len(prefix) < 8:
        raise AcceptError(f"candidate id {prefix!r} is too short: give at least 8 characters")
    found = connection.execute(
        "select * from raw.claim_candidates where candidate_id like ? || '%'", [prefix]
    )
    columns = [description[0] for description in found.description]
    rows = [dict(zip(columns, row, strict=True)) for row in found.fetchall()]
    if not rows:
        raise AcceptError(f"no candidate {prefix!r} (see marts.fct_claim_review_queue)")
    if len(rows) > 1:
        raise AcceptError(f"candidate id {prefix!r} is ambiguous: give more characters")
    return rows[0]


def claim_row(candidate: dict, overrides: Overrides, metrics: set[str]) -> dict[str, str]:
    """The claims_csv row for one candidate; raise AcceptError naming what is missing."""
    short = candidate["candidate_id"][:12]
    source_id = candidate["source_id"]
    if not source_id:
        raise AcceptError(f"{short}: {candidate['file']} is listed by no source in raw/sources.yml")
    subject = overrides.subject or candidate["subject"]
    metric = overrides.metric or candidate["metric"]
    period = overrides.period or candidate["period"]
    if not subject:
        raise AcceptError(f"{short}: no subject was found; pass --subject")
    if metric not in metrics:
        raise AcceptError(
            f"{short}: metric {metric!r} is not a curatable metric"
            " (dbt/seeds/metrics.csv); pass --metric"
        )
    if not period:
        raise AcceptError(f"{short}: no period was found; pass --period")
    try:
        parse_period(period)
        parse_unit(candidate["unit"])
    except ValueError as error:
        raise AcceptError(f"{short}: {error}") from None
    value = candidate["value"]
    surface = " ".join(candidate["surface"].split())
    return {
        "claim_id": f"{source_id}__x{candidate['candidate_id'][:10]}",
        "subject": subject,
        "product": overrides.product or "",
        "market_scope": overrides.market_scope or "",
        "metric": metric,
        "period": period,
        "value": f"{value:.15g}",
        "unit": candidate["unit"],
        "bound": candidate["bound"],
        "source_id": source_id,
        "location_note": (
            f"{candidate['file']} characters {candidate['span_start']}-{candidate['span_end']}:"
            f" {surface}"
        ),
    }


def claims_file_for(connection: duckdb.DuckDBPyConnection, raw_dir: Path, source_id: str) -> Path:
    """The registry as loaded with the candidates names the source's claims file."""
    files = read_registry(connection).files_of("article_claims")
    matches = [file for file, sources in files.items() if source_id in sources]
    if not matches:
        raise AcceptError(
            f"source {source_id!r} lists no article_claims file in raw/sources.yml;"
            " add `files: [claims/<source_id>.csv]` to its entry"
        )
    try:
        relative = normalise(matches[0])
    except PathError as error:
        raise AcceptError(f"source {source_id!r}: claims file {matches[0]!r} {error}") from None
    # Checked before anything is written: a link out of raw/ must not let us write elsewhere.
    reason = outside_reason(raw_dir, relative)
    if reason:
        raise AcceptError(f"source {source_id!r}: claims file {relative} {reason}")
    return raw_dir / relative


def append_claims(path: Path, rows: list[dict[str, str]]) -> list[str]:
    """Append rows not yet in the file; return the claim ids written."""
    existing: set[str] = set()
    if path.exists() and path.stat().st_size:
        with path.open(encoding="utf-8", newline="") as handle:
            existing = {row.get("claim_id", "") for row in csv.DictReader(handle)}
        needs_newline = not path.read_bytes().endswith(b"\n")
    else:
        needs_newline = False
    fresh = [row for row in rows if row["claim_id"] not in existing]
    if not fresh:
        return []
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=claims_csv.COLUMNS, lineterminator="\n")
    if not existing and not (path.exists() and path.stat().st_size):
        writer.writeheader()
    writer.writerows(fresh)
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(("\n" if needs_newline else "") + buffer.getvalue())
    return [row["claim_id"] for row in fresh]


def accept(
    connection: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    candidate_ids: list[str],
    overrides: Overrides,
) -> list[str]:
    """Accept every candidate or none: all are checked before any file is written."""
    metrics = known_metrics()
    by_file: dict[Path, list[dict[str, str]]] = {}
    for prefix in candidate_ids:
        row = claim_row(_find(connection, prefix), overrides, metrics)
        by_file.setdefault(claims_file_for(connection, raw_dir, row["source_id"]), []).append(row)
    written: list[str] = []
    for path, rows in by_file.items():
        written += append_claims(path, rows)
    return written
