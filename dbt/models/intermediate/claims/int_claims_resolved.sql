-- Each claim, with its words resolved to the vocabulary: subject → entity, metric → family,
-- product → chain stage, source → publisher and trust. Left joins, so an unresolved claim stays
-- visible (with a null id) and fails the test that every claim resolves, instead of vanishing.
with claims as (

    select * from {{ ref('int_claims_unioned') }}

),

entity_aliases as (

    select * from {{ ref('int_entity_aliases_unioned') }}

),

entities as (

    select * from {{ ref('entities') }}

),

metrics as (

    select * from {{ ref('metrics') }}
    where is_curatable

),

stage_aliases as (

    select * from {{ ref('int_chain_stage_aliases_unioned') }}

),

sources as (

    select * from {{ ref('stg_raw__source_registry') }}

),

resolved as (

    select
        claims.claim_id,
        claims.claim_origin,
        claims.source_id,
        sources.publisher,
        sources.trust_grade,
        sources.trust_rank,
        sources.published_date,
        claims.subject_as_written,
        entity_aliases.entity_id,
        entities.entity_type,
        entities.parent_entity_id,
        claims.metric_id,
        metrics.metric_family,
        claims.product_as_written,
        stage_aliases.stage_id,
        claims.market_scope,
        claims.period_as_written,
        claims.period_kind,
        claims.period_year,
        claims.period_month,
        claims.period_first_month,
        claims.period_last_month,
        claims.value_as_written,
        claims.unit_as_written,
        claims.multiplier,
        claims.value_base,
        claims.unit_base,
        claims.bound,
        claims.location_note,
        claims.file,
        claims.line,
        claims.loaded_at
    from claims
    left join entity_aliases
        on lower(trim(claims.subject_as_written)) = entity_aliases.alias_key
    left join entities
        on entity_aliases.entity_id = entities.entity_id
    left join metrics
        on claims.metric_id = metrics.metric_id
    left join stage_aliases
        on lower(trim(claims.product_as_written)) = stage_aliases.alias_key
    left join sources
        on claims.source_id = sources.source_id

)

select * from resolved
