"""What changed: meta.figure_changes lists, per build, every reported figure whose value, bound
or chosen source differs from the previous snapshot's, with both values and the reason.

It is written at publication time, because only then are the new marts and the previous
snapshot side by side. The reason is read from the two snapshots' rows: the chosen claim in
marts.fct_claims, the sources in marts.dim_sources and the quarantined rows in raw.rejected_rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.publish.sql_text import literal, quote

TABLE = (
    """
    build_id varchar not null,
    mart varchar not null,
    figure_key varchar not null,
    change_reason varchar not null,
    value_unit varchar,
    previous_value double,
    new_value double,
    previous_bound varchar,
    new_bound varchar,
    previous_source_id varchar,
    new_source_id varchar,
    previous_claim_id varchar,
    new_claim_id varchar
    """,
    ("build_id", "mart", "figure_key"),
    "Per build, every reported figure whose value, bound or chosen source changed since the"
    ' previous build, with both values and why: what a BI tool shows as "what\'s new".',
    {
        "build_id": "The build that made the change (meta.builds.build_id).",
        "mart": "The mart of the figure: fct_cluster_output_value, fct_market_share or"
        " fct_value_added_ladder.",
        "figure_key": "The figure's grain in its mart: cluster_id|year, market_share_id or"
        " ladder_row_id.",
        "change_reason": (
            "new (no previous build, or a figure from claims already known), new_claim,"
            " new_source, higher_trust (a claim of a higher trust grade is now reported),"
            " correction (the same claim's value, unit, bound or period was edited),"
            " rejected_row_fixed (the chosen claim's row was quarantined in the previous build),"
            " reselected (another known claim is now reported), recomputed (a computed figure or"
            " a conversion input changed), removed."
        ),
        "value_unit": "Unit of previous_value and new_value.",
        "previous_value": "The figure in the previous build (null when new).",
        "new_value": "The figure in this build (null when removed).",
        "previous_bound": "Its bound in the previous build (for shares: bound, range and rank).",
        "new_bound": "Its bound in this build.",
        "previous_source_id": "Source of the figure in the previous build.",
        "new_source_id": "Source of the figure in this build.",
        "previous_claim_id": "The claim reported in the previous build.",
        "new_claim_id": "The claim reported in this build (null for computed figures).",
    },
)


@dataclass(frozen=True)
class ReportedFigure:
    """How to read one mart's reported figures: expressions over its columns."""

    mart: str
    key: str
    value: str
    value_unit: str
    bound: str
    claim_id: str
    source_id: str = "source_id"


FIGURES = (
    ReportedFigure(
        "fct_cluster_output_value",
        key="cluster_id || '|' || cast(year as varchar)",
        value="output_value_cny",
        value_unit="CNY",
        bound="reported_bound",
        claim_id="reported_claim_id",
    ),
    ReportedFigure(
        "fct_market_share",
        key="market_share_id",
        value="share_reported",
        value_unit="share (fraction)",
        bound=(
            "concat_ws(' ', share_reported_bound,"
            " '[' || cast(round(share_low, 6) as varchar) || ', '"
            " || cast(round(share_high, 6) as varchar) || ']',"
            " 'rank ' || cast(rank_reported as varchar))"
        ),
        claim_id="coalesce(share_claim_id, rank_claim_id)",
    ),
    ReportedFigure(
        "fct_value_added_ladder",
        key="ladder_row_id",
        value="value_added_cny_per_tonne",
        value_unit="CNY/t",
        bound="bound",
        claim_id="claim_id",
    ),
)

# Two values are the same figure when they differ by no more than rounding noise.
SAME_VALUE = (
    "(previous_value is null and new_value is null) or abs(previous_value - new_value)"
    " <= 1e-9 * greatest(abs(previous_value), abs(new_value))"
)
# What of a claim, when edited, makes its figure a correction.
CLAIM_AS_WRITTEN = "value_as_written, unit_as_written, bound, period_as_written"


def _figures_sql(figure: ReportedFigure, catalog: str | None) -> str:
    if catalog is None:  # no previous build: an empty set of the same shape
        return (
            "select null::varchar as figure_key, null::double as value, null::varchar as bound,"
            " null::varchar as claim_id, null::varchar as source_id where false"
        )
    return (
        f"select {figure.key} as figure_key, cast({figure.value} as double) as value,"
        f" {figure.bound} as bound, {figure.claim_id} as claim_id,"
        f" {figure.source_id} as source_id"
        f" from {quote(catalog)}.marts.{quote(figure.mart)}"
    )


def _changes_sql(figure: ReportedFigure, target: str, previous: str | None, build_id: str) -> str:
    has_previous = "true" if previous else "false"
    # Only the claims of changed figures are looked up: joining all of fct_claims (10 M rows
    # at scale 100), twice, to a few hundred changed figures cost seconds per mart.
    claims_of_changed = "claim_id in (select claim_id from claims_of_changed)"
    previous_claims = (
        f"select claim_id, source_id, trust_rank, file, line, {CLAIM_AS_WRITTEN}"
        f" from {quote(previous)}.marts.fct_claims where {claims_of_changed}"
        if previous
        else f"select claim_id, source_id, trust_rank, file, line, {CLAIM_AS_WRITTEN}"
        f" from {quote(target)}.marts.fct_claims where false"
    )
    previous_sources = (
        f"select source_id from {quote(previous)}.marts.dim_sources"
        if previous
        else "select null::varchar as source_id where false"
    )
    previous_rejected = (
        f"select distinct file, line from {quote(previous)}.raw.rejected_rows"
        if previous
        else "select null::varchar as file, null::bigint as line where false"
    )
    claim_edited = " or ".join(
        f"chosen_before.{column} is distinct from chosen.{column}"
        for column in CLAIM_AS_WRITTEN.split(", ")
    )
    return f"""
    with new_figures as ({_figures_sql(figure, target)}),
    previous_figures as ({_figures_sql(figure, previous)}),
    previous_sources as ({previous_sources}),
    previous_rejected as ({previous_rejected}),
    paired as (
        select
            coalesce(new_figures.figure_key, previous_figures.figure_key) as figure_key,
            previous_figures.figure_key is null as is_new,
            new_figures.figure_key is null as is_removed,
            previous_figures.value as previous_value,
            new_figures.value as new_value,
            previous_figures.bound as previous_bound,
            new_figures.bound as new_bound,
            previous_figures.source_id as previous_source_id,
            new_figures.source_id as new_source_id,
            previous_figures.claim_id as previous_claim_id,
            new_figures.claim_id as new_claim_id
        from new_figures
        full outer join previous_figures
            on new_figures.figure_key = previous_figures.figure_key
    ),
    changed as (
        select * from paired
        where is_new or is_removed or not ({SAME_VALUE})
            or previous_bound is distinct from new_bound
            or previous_source_id is distinct from new_source_id
            or previous_claim_id is distinct from new_claim_id
    ),
    claims_of_changed as (
        select new_claim_id as claim_id from changed where new_claim_id is not null
        union
        select previous_claim_id from changed where previous_claim_id is not null
    ),
    new_claims as (
        select claim_id, source_id, trust_rank, file, line, {CLAIM_AS_WRITTEN}
        from {quote(target)}.marts.fct_claims where {claims_of_changed}
    ),
    previous_claims as ({previous_claims})
    select
        {literal(build_id)} as build_id,
        {literal(figure.mart)} as mart,
        changed.figure_key,
        case
            when not {has_previous} then 'new'
            when changed.is_removed then 'removed'
            when changed.new_claim_id is distinct from changed.previous_claim_id
                and changed.new_claim_id is not null then
                case
                    when exists (
                        select 1 from previous_rejected as rejected
                        where rejected.file = chosen.file and rejected.line = chosen.line
                    ) then 'rejected_row_fixed'
                    when chosen.source_id not in (select source_id from previous_sources)
                        then 'new_source'
                    when chosen.claim_id not in (select claim_id from previous_claims)
                        then 'new_claim'
                    when changed.is_new then 'new'
                    when chosen.trust_rank > replaced.trust_rank then 'higher_trust'
                    else 'reselected'
                end
            when changed.is_new then 'new'
            when chosen.claim_id is not null and ({claim_edited}) then 'correction'
            else 'recomputed'
        end as change_reason,
        {literal(figure.value_unit)} as value_unit,
        changed.previous_value,
        changed.new_value,
        changed.previous_bound,
        changed.new_bound,
        changed.previous_source_id,
        changed.new_source_id,
        changed.previous_claim_id,
        changed.new_claim_id
    from changed
    left join new_claims as chosen on chosen.claim_id = changed.new_claim_id
    left join previous_claims as chosen_before on chosen_before.claim_id = changed.new_claim_id
    left join previous_claims as replaced on replaced.claim_id = changed.previous_claim_id
    """


def _previous_catalog(connection: duckdb.DuckDBPyConnection, previous_snapshot: Path) -> bool:
    """Attach the previous snapshot if it holds marts to compare with."""
    if not previous_snapshot.exists():
        return False
    connection.execute(f"attach {literal(str(previous_snapshot))} as figures_previous (read_only)")
    tables = {
        name
        for (name,) in connection.execute(
            "select table_name from duckdb_tables() where database_name = 'figures_previous'"
            " and schema_name in ('marts', 'raw')"
        ).fetchall()
    }
    needed = {figure.mart for figure in FIGURES} | {"fct_claims", "dim_sources", "rejected_rows"}
    if needed <= tables:
        return True
    connection.execute("detach figures_previous")
    return False


def record_changes(
    connection: duckdb.DuckDBPyConnection, target: str, previous_snapshot: Path, build_id: str
) -> int:
    """Insert this build's changed figures into meta.figure_changes; returns how many."""
    has_previous = _previous_catalog(connection, previous_snapshot)
    previous = "figures_previous" if has_previous else None
    try:
        for figure in FIGURES:
            connection.execute(
                f"insert into {quote(target)}.meta.figure_changes"
                f" {_changes_sql(figure, target, previous, build_id)}"
            )
    finally:
        if has_previous:
            connection.execute("detach figures_previous")
    return connection.execute(
        f"select count(*) from {quote(target)}.meta.figure_changes where build_id = ?", [build_id]
    ).fetchone()[0]
