-- Every claim, one row each, in normalised units, with its provenance and whether it is the one
-- its group reports (see int_claims_reconciled for the rule). A claim whose figure was found in
-- its article's text carries the span it was read from (see int_claim_candidates_linked).
with claims as (

    select * from {{ ref('int_claims_reconciled') }}

),

spans as (

    select * from {{ ref('int_claim_candidates_linked') }}
    where claim_id is not null

),

final as (

    select
        claims.claim_id,
        claims.claim_group_id,
        claims.claim_origin,
        claims.entity_id,
        claims.subject_as_written,
        claims.metric_id,
        claims.metric_family,
        claims.stage_id,
        claims.product_as_written,
        claims.market_scope,
        claims.period_as_written,
        claims.period_kind,
        claims.period_year,
        claims.period_month,
        claims.bound,
        claims.value_as_written,
        claims.unit_as_written,
        claims.value_base,
        claims.unit_base,
        claims.value_normalised,
        claims.unit_normalised,
        claims.cny_per_usd,
        claims.source_id,
        claims.publisher,
        claims.trust_grade,
        claims.trust_rank,
        claims.published_date,
        claims.file,
        claims.line,
        claims.location_note,
        claims.agreeing_sources_count,
        claims.claim_rank,
        claims.is_reported,
        claims.reported_claim_id,
        claims.selection_rule,
        spans.candidate_id,
        spans.article_path,
        spans.span_start,
        spans.span_end,
        spans.surface as span_surface,
        spans.sentence_start,
        spans.sentence_end,
        spans.candidate_id is not null as has_text_span
    from claims
    left join spans
        on claims.claim_id = spans.claim_id

)

select * from final
