-- Every candidate claim that no curated claim covers, best first: what a reviewer should read
-- next to decide whether to accept it into the article's claims file. The usefulness score is a
-- sum of points (documented in _core__models.yml):
--   +3 the metric guess is a metric of seeds/metrics.csv
--   +2 the subject resolves to a known entity
--   +1 the period is written in the figure's sentence (period_rule 'explicit')
--   +1 the article names a source in the registry (an accepted claim has a file to go to)
--   review_points of seeds/units.csv: +3 money, prices, shares, tonnes and capacities ... -3 calendar years
--   -1 the unit is one ingest cannot load yet (not in seeds/units.csv)
--   -5 the figure repeats a curated claim already linked to another mention in the text
--
-- Incremental when only claims files changed (macros/claims_incremental.sql), all or nothing:
-- the queue is every unlinked candidate of int_claim_candidates_linked, ranked together, so it
-- is rebuilt whole when that table wrote rows in this dbt run or holds another number of
-- unlinked candidates than the queue (macros/review_queue_links_changed.sql); otherwise kept.
{{ config(
    pre_hook="{% if is_incremental() %}
        delete from {{ this }}
        where {{ review_queue_links_changed(ref('int_claim_candidates_linked'), this) }}
    {% endif %}",
    **claims_incremental_config()
) }}

with candidates as (

    select * from {{ ref('int_claim_candidates_linked') }}
    where claim_id is null
    {%- if is_incremental() %}
        -- Here, not after the ranking: when false, nothing is read or ranked.
        and {{ review_queue_links_changed(ref('int_claim_candidates_linked'), this) }}
    {%- endif %}

),

units as (

    select * from {{ ref('units') }}

),

points as (

    select
        candidates.*,
        case when candidates.is_metric_known then 3 else 0 end as metric_points,
        case when candidates.entity_id is not null then 2 else 0 end as entity_points,
        case when candidates.period_rule = 'explicit' then 1 else 0 end as period_points,
        coalesce(units.review_points, 0) as unit_points,
        case when candidates.is_unit_known then 0 else -1 end as unknown_unit_points,
        case when candidates.matching_claims_count > 0 then -5 else 0 end as repeat_points
    from candidates
    left join units
        on candidates.unit = units.unit_base

),

scored as (

    select
        points.*,
        points.metric_points + points.entity_points + points.period_points
        + points.unit_points + points.unknown_unit_points + points.repeat_points as usefulness_score
    from points

),

final as (

    select
        candidate_id,
        article_path,
        source_id,
        value,
        value_low,
        value_high,
        unit,
        is_unit_known,
        surface,
        span_start,
        span_end,
        sentence_start,
        sentence_end,
        sentence,
        bound,
        change_kind,
        subject_as_written as subject,
        subject_rule,
        coalesce(subject_rule like '%:new_name', false) as is_new_subject_name,
        entity_id,
        metric_id as metric,
        is_metric_known,
        period_as_written as period,
        period_rule,
        matching_claims_count > 0 as is_repeat_of_curated_claim,
        usefulness_score,
        row_number() over (
            order by usefulness_score desc, article_path asc, span_start asc, candidate_id asc
        ) as review_rank
    from scored

)

select * from final
order by review_rank
