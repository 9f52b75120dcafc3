"""The report: one self-contained HTML file drawn from the serving snapshot.

It reads only the published snapshot (read-only), so it never waits for a refresh, and it
needs no network to open: styles are inline, charts are inline SVG, there is no script, and a
Content-Security-Policy forbids the browser to fetch anything.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.publish.builds import newest_build
from dagster_project.publish.charts import (
    Figure,
    ladder_chart,
    market_share_chart,
    output_value_chart,
    quality_chart,
    source_colours,
    world_share_chart,
)
from dagster_project.publish.snapshot import open_snapshot

CLUSTER_ID = "binzhou_aluminium_cluster"
UNVERSIONED = "unversioned build"

LADDER_SQL = """
select stage_id, stage_name, stage_order, year, source_id, publisher, claim_kind,
       value_as_written, unit_as_written, bound, value_added_cny_per_tonne,
       ingot_value_cny_per_tonne, ingot_usd_per_tonne, cny_per_usd, price_source_ids,
       rate_source_id
from marts.fct_value_added_ladder
order by stage_order, year, source_id
"""
OUTPUT_VALUE_SQL = """
select year, output_value_cny, output_value_low_cny, output_value_high_cny, reported_bound,
       claims_count, source_id, previous_year, cagr_since_previous_year
from marts.fct_cluster_output_value where cluster_id = ? order by year
"""
OUTPUT_CLAIMS_SQL = """
select claim_id, period_year, bound, value_normalised, source_id, trust_grade, is_reported
from marts.fct_claims
where entity_id = ? and metric_family = 'cluster_size' and period_kind = 'year'
order by period_year, value_normalised desc
"""
SHARES_SQL = """
select entity_id, entity_name, stage_id, product, market_scope, year, share_family, row_origin,
       computation, share_low, share_high, share_reported, share_reported_bound, rank_reported,
       source_ids
from marts.fct_market_share
where {condition}
order by share_family, entity_name, product, year, row_origin
"""
# Computed from its own tables: China's world share is a chart of its own, and Binzhou's
# share of national capacity stands beside it.
MARKET_CONDITION = (
    "share_family <> 'world_output_share'"
    " and not (entity_id = 'binzhou' and share_family = 'national_capacity_share')"
)
WORLD_CONDITION = (
    "share_family = 'world_output_share' and entity_id = 'china' and stage_id = 'primary_aluminium'"
)
CAPACITY_CONDITION = "entity_id = 'binzhou' and share_family = 'national_capacity_share'"
GRADES_SQL = """
select trust_grade, max(trust_rank) as trust_rank, count(*) as sources
from marts.dim_sources group by trust_grade order by trust_rank desc
"""
# Rows per source have one definition, in dbt (dim_sources, from int_source_rows_counted).
LOADS_SQL = """
select source_id, trust_grade, trust_rank, rows_loaded, rows_rejected as rows_quarantined
from marts.dim_sources order by trust_rank desc, source_id
"""
# The widest spreads first, from each group's lowest and highest value alone (a group whose
# values differ has min < max), and only those few groups' claims listed: listing every
# group's values of 10 M claims took 40 s and 8 GB at scale 100. Only groups of two claims or
# more can spread, and every claim of those says so: its selection_rule is not 'only claim'
# (macros/claim_ranking_deciding_step.sql). At scale 100 that is a third of the claims: the
# query took 1.6-2.8 s over all of them, 0.7-0.8 s finding the groups with a claim ranked 2,
# 0.26 s by the rule.
SPREAD_SQL = """
with widest as (
    select claim_group_id
    from marts.fct_claims
    where value_normalised > 0 and selection_rule <> 'only claim'
    group by claim_group_id
    having min(value_normalised) < max(value_normalised)
    order by max(value_normalised) / min(value_normalised) desc, claim_group_id
    limit 6
)
select
    claim_group_id,
    any_value(entity_id) as entity_id,
    any_value(metric_id) as metric_id,
    any_value(stage_id) as stage_id,
    any_value(period_year) as period_year,
    any_value(unit_normalised) as unit,
    min(value_normalised) as low_value,
    max(value_normalised) as high_value,
    max(value_normalised) / min(value_normalised) as spread_ratio,
    list(value_normalised order by value_normalised) as claim_values,
    list(distinct source_id order by source_id) as source_ids,
    count(distinct source_id) as sources_count
from marts.fct_claims
where
    value_normalised > 0
    and selection_rule <> 'only claim'
    and claim_group_id in (select claim_group_id from widest)
group by claim_group_id
order by spread_ratio desc, claim_group_id
"""


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, *parameters: Any) -> list[dict]:
    cursor = connection.execute(sql, list(parameters))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def build_id(connection: duckdb.DuckDBPyConnection) -> str:
    """The newest build recorded in meta.builds; older snapshots carry none."""
    newest = newest_build(connection)
    return str(newest["build_id"]) if newest and newest["build_id"] else UNVERSIONED


def collect_figures(connection: duckdb.DuckDBPyConnection) -> list[Figure]:
    publishers = dict(
        connection.execute("select source_id, publisher from marts.dim_sources").fetchall()
    )
    ladder = _rows(connection, LADDER_SQL)
    output_claims = _rows(connection, OUTPUT_CLAIMS_SQL, CLUSTER_ID)
    # the 2019 articles appear in both charts: give each source one colour across them
    colours = source_colours(
        [row["source_id"] for row in ladder if row["claim_kind"] != "ingot_price"]
        + [row["source_id"] for row in output_claims]
    )
    return [
        ladder_chart(ladder, publishers, colours),
        output_value_chart(
            _rows(connection, OUTPUT_VALUE_SQL, CLUSTER_ID), output_claims, publishers, colours
        ),
        market_share_chart(_rows(connection, SHARES_SQL.format(condition=MARKET_CONDITION))),
        world_share_chart(
            _rows(connection, SHARES_SQL.format(condition=WORLD_CONDITION)),
            _rows(connection, SHARES_SQL.format(condition=CAPACITY_CONDITION)),
        ),
        quality_chart(
            _rows(connection, GRADES_SQL),
            _rows(connection, LOADS_SQL),
            _rows(connection, SPREAD_SQL),
        ),
    ]


def _sources_line(figure: Figure, registry: dict[str, tuple[str, str]]) -> str:
    names = []
    for source_id in dict.fromkeys(figure.source_ids):
        publisher, trust = registry.get(source_id, (source_id, "?"))
        names.append(
            f'<span class="source" data-source="{escape(source_id)}">'
            f"{escape(publisher or source_id)} <b>{escape(trust or '?')}</b></span>"
        )
    return "; ".join(names) if names else "none"


STYLE = """
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1a1a1a;
       max-width: 920px; margin: 24px auto; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 4px; }
header p { margin: 2px 0; color: #444; }
figure { margin: 26px 0; padding: 12px 14px; border: 1px solid #ddd; border-radius: 6px;
         break-inside: avoid; page-break-inside: avoid; }
figure h2 { font-size: 17px; margin: 0 0 6px; }
figure svg { display: block; margin: 8px 0; height: auto; }
.takeaway { font-size: 14px; font-weight: bold; margin: 0 0 6px; }
figcaption { font-size: 12px; color: #444; border-top: 1px solid #eee; padding-top: 6px; }
figcaption b { color: #1a1a1a; }
.panels { display: flex; flex-wrap: wrap; gap: 10px; }
.panels svg:first-child { flex: 0 1 300px; }
.panels svg:nth-child(2) { flex: 1 1 560px; }
footer { font-size: 11px; color: #666; margin-top: 24px; }
@media print {
  body { margin: 0; max-width: none; font-size: 10px; }
  figure { border: none; margin: 8px 0; padding: 0; }
  @page { size: A4; margin: 12mm; }
}
"""
# Nothing may be fetched: no scripts, fonts, images or connections; only inline styles.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render_html(figures: list[Figure], build: str, registry: dict[str, tuple[str, str]]) -> str:
    made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = []
    for figure in figures:
        drawings = "".join(figure.drawings)
        if len(figure.drawings) > 1:
            drawings = f'<div class="panels">{drawings}</div>'
        note = f" {escape(figure.note)}" if figure.note else ""
        sections.append(
            f'<figure id="{figure.key}" aria-labelledby="{figure.key}-heading">'
            f'<h2 id="{figure.key}-heading">{escape(figure.title)}</h2>'
            f'<p class="takeaway">{escape(figure.takeaway)}</p>'
            f"{drawings}"
            f"<figcaption>Sources (publisher, trust grade): {_sources_line(figure, registry)}."
            f'{note}<br>Build: <span class="build">{escape(build)}</span></figcaption>'
            "</figure>"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Binzhou aluminium cluster: the figures and their sources</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>Binzhou aluminium cluster: the figures and their sources</h1>"
        f"<p>From the alcap serving snapshot, build <b>{escape(build)}</b>; written {made}.</p>"
        "<p>Every figure traces back to a registered source; trust grades run from A (primary or "
        "official) to D (unsourced). Where sources disagree, all their claims are drawn.</p>"
        "</header>"
        + "".join(sections)
        + "<footer>alcap report: generated from the marts schema of the serving snapshot; "
        "no network was used to draw it.</footer></body></html>\n"
    )


def default_report_path(serving_dir: Path) -> Path:
    return serving_dir / "report.html"


def write_report(
    snapshot: Path, out: Path, duckdb_config: Mapping[str, object] | None = None
) -> Path:
    """Write the report for `snapshot` to `out` (replaced atomically) and return `out`."""
    with open_snapshot(snapshot, duckdb_config) as connection:
        build = build_id(connection)
        figures = collect_figures(connection)
        registry = {
            source_id: (publisher, trust)
            for source_id, publisher, trust in connection.execute(
                "select source_id, publisher, trust_grade from marts.dim_sources"
            ).fetchall()
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    writing = out.with_name(out.name + ".writing")
    writing.write_text(render_html(figures, build, registry), encoding="utf-8")
    os.replace(writing, out)
    return out
