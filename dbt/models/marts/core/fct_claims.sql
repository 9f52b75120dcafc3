-- Every claim, one row each, in normalised units, with its provenance and whether it is the one
-- its group reports (see int_claims_reconciled for the rule). A claim whose figure was found in
-- its article's text carries the span it was read from (see int_claim_candidates_linked).
--
-- Incremental when only claims files changed (macros/claims_incremental.sql). int_claims_reconciled
-- has just reconciled again, in this dbt run, every claim of a group it deleted; so a row to
-- replace is a claim reconciled in this run, or a claim no longer reconciled, whose file then has
-- no claim left that was reconciled before this run (a claim leaves only with its file's load).
-- Both sets are found without comparing the ten million claim ids: the pre-hook deletes them, the
-- claims reconciled in this run are added, and a post-hook sets the span of every kept row whose
-- span the linking changed.
{#- A claim's text span as this table holds it and as the linking now gives it (the hooks render
    the {{ }} inside these strings when they run). -#}
{%- set spans_held = 'select claim_id, candidate_id, article_path, span_start, span_end,'
    ~ ' span_surface, sentence_start, sentence_end from {{ this }} where has_text_span' %}
{%- set spans_linked = 'select claim_id, candidate_id, article_path, span_start, span_end,'
    ~ ' surface, sentence_start, sentence_end'
    ~ " from {{ ref('int_claim_candidates_linked') }} where claim_id is not null" %}
{%- set this_run = "reconciled_in_invocation = '{{ invocation_id }}'" %}
{{ config(
    pre_hook="{% if is_incremental() %}
        delete from {{ this }} as kept
        where
            kept.claim_id in (
                select claim_id from {{ ref('int_claims_reconciled') }} where " ~ this_run ~ "
            )
            or kept.file in (
                select distinct file from {{ this }}
                except
                select distinct file from {{ ref('int_claims_reconciled') }}
                where not " ~ this_run ~ "
            )
    {% endif %}",
    post_hook=["{% if is_incremental() %}
        update {{ this }} as kept
        set
            candidate_id = changed.candidate_id,
            article_path = changed.article_path,
            span_start = changed.span_start,
            span_end = changed.span_end,
            span_surface = changed.surface,
            sentence_start = changed.sentence_start,
            sentence_end = changed.sentence_end,
            has_text_span = changed.candidate_id is not null
        from (
            select differing.claim_id, linked.* exclude (claim_id)
            from (
                select distinct claim_id from ((" ~ spans_held ~ " except " ~ spans_linked ~ ")
                union all (" ~ spans_linked ~ " except " ~ spans_held ~ "))
            ) as differing
            left join (" ~ spans_linked ~ ") as linked
                on differing.claim_id = linked.claim_id
        ) as changed
        where kept.claim_id = changed.claim_id
    {% endif %}", "{{ add_primary_key() }}"],
    **claims_incremental_config()
) }}

with claims as (

    select * from {{ ref('int_claims_reconciled') }}
    {%- if is_incremental() %}
    where reconciled_in_invocation = '{{ invocation_id }}'
    {%- endif %}

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
