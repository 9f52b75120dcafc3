-- National totals (capacity, production ...) for a chain stage and year, from two kinds of
-- evidence: a claim about the country itself (stated), or a source that gives some subject's
-- quantity together with its share of the national total, so that total = quantity ÷ share
-- (implied). Each total keeps the claims it rests on, so that a share recomputed from it can
-- exclude totals that come from the same source as its numerator.
with claims as (

    select * from {{ ref('int_claims_reconciled') }}
    where period_kind = 'year'

),

quantities as (

    select * from claims
    where unit_normalised in ('t', 't/yr')

),

shares as (

    select * from claims
    where
        metric_family = 'market_share'
        and market_scope = 'domestic'
        and unit_normalised = 'fraction'
        and bound in ('exact', 'approx')
        and value_normalised > 0

),

stated as (

    select
        quantities.metric_family,
        quantities.product_key,
        quantities.stage_id,
        quantities.period_year,
        quantities.value_normalised as national_total,
        quantities.unit_normalised,
        'stated' as total_basis,
        quantities.source_id,
        quantities.claim_id as quantity_claim_id,
        cast(null as {{ dbt.type_string() }}) as share_claim_id,
        quantities.entity_id as quantity_entity_id
    from quantities
    where quantities.entity_type = 'country' and quantities.is_reported

),

implied as (

    select
        quantities.metric_family,
        quantities.product_key,
        quantities.stage_id,
        quantities.period_year,
        quantities.value_normalised / shares.value_normalised as national_total,
        quantities.unit_normalised,
        'implied' as total_basis,
        quantities.source_id,
        quantities.claim_id as quantity_claim_id,
        shares.claim_id as share_claim_id,
        quantities.entity_id as quantity_entity_id
    from quantities
    inner join shares
        on
            quantities.source_id = shares.source_id
            and quantities.entity_id = shares.entity_id
            and quantities.product_key = shares.product_key
            and quantities.period_year = shares.period_year
    where quantities.entity_type <> 'country'

),

unioned as (

    select * from stated
    union all
    select * from implied

)

select * from unioned
