-- National totals (capacity, production) for a chain stage and year, from two kinds of evidence:
-- a reported claim about the nation itself (stated), or a source that gives some subject's
-- quantity together with its share of the national total, so that total = quantity ÷ share
-- (implied). Which share families imply which totals, from which quantities, is set in
-- seeds/national_share_bases.csv. Each total keeps the claims it rests on, so that a share
-- recomputed from it can exclude totals from the same source as its numerator.

with claims as (

    select * from {{ ref('int_claims_reconciled') }}
    where period_kind = 'year'

),

-- Which share families are shares of which national total, and which quantities imply it.
share_bases as (

    select * from {{ ref('national_share_bases') }}

),

quantities as (

    select * from claims
    where unit_normalised in ('t', 't/yr')

),

shares as (

    select
        claims.*,
        share_bases.total_family,
        share_bases.quantity_family
    from claims
    inner join share_bases
        on claims.metric_family = share_bases.share_family
    where
        claims.unit_normalised = 'fraction'
        and claims.bound in ('exact', 'approx')
        and claims.value_normalised > 0

),

stated as (

    select
        quantities.metric_family as total_family,
        quantities.product_key,
        quantities.stage_id,
        quantities.period_year,
        quantities.value_normalised as national_total,
        quantities.unit_normalised,
        'stated' as total_basis,
        quantities.source_id,
        quantities.claim_id as quantity_claim_id,
        cast(null as {{ dbt.type_string() }}) as share_claim_id
    from quantities
    where
        quantities.entity_id = '{{ var("national_entity_id") }}'
        and quantities.is_reported
        and quantities.metric_family in (select share_bases.total_family from share_bases)

),

implied as (

    select
        shares.total_family,
        quantities.product_key,
        quantities.stage_id,
        quantities.period_year,
        quantities.value_normalised / shares.value_normalised as national_total,
        quantities.unit_normalised,
        'implied' as total_basis,
        quantities.source_id,
        quantities.claim_id as quantity_claim_id,
        shares.claim_id as share_claim_id
    from quantities
    inner join shares
        on
            quantities.source_id = shares.source_id
            and quantities.entity_id = shares.entity_id
            and quantities.product_key = shares.product_key
            and quantities.period_year = shares.period_year
            and quantities.metric_family = shares.quantity_family
    where quantities.entity_id <> '{{ var("national_entity_id") }}'

),

unioned as (

    select * from stated
    union all
    select * from implied

)

select * from unioned
