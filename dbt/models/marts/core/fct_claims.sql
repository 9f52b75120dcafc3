-- Every claim, one row each, in normalised units, with its provenance and whether it is the one
-- its group reports (see int_claims_reconciled for the rule).
with claims as (

    select * from {{ ref('int_claims_reconciled') }}

),

final as (

    select
        claim_id,
        claim_group_id,
        claim_origin,
        entity_id,
        subject_as_written,
        metric_id,
        metric_family,
        stage_id,
        product_as_written,
        market_scope,
        period_as_written,
        period_kind,
        period_year,
        period_month,
        bound,
        value_as_written,
        unit_as_written,
        value_base,
        unit_base,
        value_normalised,
        unit_normalised,
        cny_per_usd,
        source_id,
        publisher,
        trust_grade,
        trust_rank,
        published_date,
        file,
        line,
        location_note,
        agreeing_sources_count,
        claim_rank,
        is_reported,
        reported_claim_id,
        selection_rule
    from claims

)

select * from final
