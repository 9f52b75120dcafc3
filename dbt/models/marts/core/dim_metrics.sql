-- The metrics claims may speak of, grouped into families that are reconciled together. The
-- extractor's loose guesses (not curatable) are not metrics a claim can carry.
with metrics as (

    select * from {{ ref('metrics') }}
    where is_curatable

),

claims as (

    select * from {{ ref('int_claims_normalised') }}

),

claim_counts as (

    select
        metric_id,
        count(*) as claims_count
    from claims
    group by metric_id

),

final as (

    select
        metrics.metric_id,
        metrics.metric_family,
        metrics.metric_name,
        metrics.canonical_unit,
        metrics.description as metric_description,
        coalesce(claim_counts.claims_count, 0) as claims_count
    from metrics
    left join claim_counts
        on metrics.metric_id = claim_counts.metric_id

)

select * from final
