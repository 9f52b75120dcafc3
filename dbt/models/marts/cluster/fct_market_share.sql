-- Who leads which market: one row per subject, product, market scope (domestic, world), year,
-- share family and origin. Claimed rows carry the reconciled share bounds (">60 %" is 0.60 to
-- 1.0) and, for market shares, the rank where one is claimed; computed rows carry shares derived
-- from series and other claims (int_market_shares_computed), so both can be read side by side.

-- Shares of a product market, and shares of a national total (seeds/national_share_bases.csv).
with share_families as (

    select 'market_share' as share_family
    union
    select share_family from {{ ref('national_share_bases') }}

),

claims as (

    select * from {{ ref('int_claims_reconciled') }}
    where
        period_kind = 'year'
        and (
            (
                metric_family in (select share_families.share_family from share_families)
                and unit_normalised = 'fraction'
            )
            or metric_family = 'rank'
        )

),

computed as (

    select * from {{ ref('int_market_shares_computed') }}

),

entities as (

    select * from {{ ref('entities') }}

),

chain_stages as (

    select * from {{ ref('chain_stages') }}

),

-- A rank is a position in a market: it sits on the market_share row of the same market.
keyed_claims as (

    select
        claims.*,
        case
            when claims.metric_family = 'rank' then 'market_share'
            else claims.metric_family
        end as share_family
    from claims

),

claim_lists as (

    select
        entity_id,
        product_key,
        market_scope_key,
        period_year,
        share_family,
        {{ dbt.listagg('claim_id', "', '", 'order by claim_id') }} as claim_ids,
        {{ dbt.listagg('distinct source_id', "', '", 'order by source_id') }} as source_ids,
        min(product_as_written) as product_as_written
    from keyed_claims
    group by entity_id, product_key, market_scope_key, period_year, share_family

),

share_groups as (

    select * from keyed_claims
    where metric_family <> 'rank' and is_reported

),

rank_groups as (

    select * from keyed_claims
    where metric_family = 'rank' and is_reported

),

claimed as (

    select
        coalesce(share_groups.entity_id, rank_groups.entity_id) as entity_id,
        coalesce(share_groups.product_key, rank_groups.product_key) as product_key,
        coalesce(share_groups.stage_id, rank_groups.stage_id) as stage_id,
        coalesce(share_groups.market_scope_key, rank_groups.market_scope_key) as market_scope_key,
        coalesce(share_groups.period_year, rank_groups.period_year) as period_year,
        coalesce(share_groups.share_family, rank_groups.share_family) as share_family,
        'claimed' as row_origin,
        cast(null as {{ dbt.type_string() }}) as computation,
        share_groups.value_low as share_low,
        share_groups.value_high as share_high,
        share_groups.value_reported as share_reported,
        share_groups.reported_bound as share_reported_bound,
        cast(rank_groups.value_reported as integer) as rank_reported,
        coalesce(share_groups.claims_count, 0) + coalesce(rank_groups.claims_count, 0) as claims_count,
        share_groups.reported_claim_id as share_claim_id,
        rank_groups.reported_claim_id as rank_claim_id,
        share_groups.selection_rule,
        coalesce(share_groups.reported_source_id, rank_groups.reported_source_id) as source_id,
        cast(null as {{ dbt.type_string() }}) as computation_note
    from share_groups
    full outer join rank_groups
        on
            share_groups.entity_id = rank_groups.entity_id
            and share_groups.product_key = rank_groups.product_key
            and share_groups.market_scope_key = rank_groups.market_scope_key
            and share_groups.period_year = rank_groups.period_year
            and share_groups.share_family = rank_groups.share_family

),

claimed_with_lists as (

    select
        claimed.*,
        claim_lists.claim_ids,
        claim_lists.source_ids,
        claim_lists.product_as_written
    from claimed
    inner join claim_lists
        on
            claimed.entity_id = claim_lists.entity_id
            and claimed.product_key = claim_lists.product_key
            and claimed.market_scope_key = claim_lists.market_scope_key
            and claimed.period_year = claim_lists.period_year
            and claimed.share_family = claim_lists.share_family

),

computed_rows as (

    select
        entity_id,
        product_key,
        stage_id,
        market_scope as market_scope_key,
        period_year,
        share_family,
        'computed' as row_origin,
        computation,
        share_value as share_low,
        share_value as share_high,
        share_value as share_reported,
        'exact' as share_reported_bound,
        cast(null as integer) as rank_reported,
        cast(null as bigint) as claims_count,
        cast(null as {{ dbt.type_string() }}) as share_claim_id,
        cast(null as {{ dbt.type_string() }}) as rank_claim_id,
        cast(null as {{ dbt.type_string() }}) as selection_rule,
        source_id,
        computation_note,
        claim_ids,
        source_ids,
        cast(null as {{ dbt.type_string() }}) as product_as_written
    from computed

),

unioned as (

    select * from claimed_with_lists
    union all
    select * from computed_rows

),

final as (

    select
        {{ dbt.concat([
            "unioned.entity_id", "'|'", "unioned.product_key", "'|'", "unioned.market_scope_key", "'|'",
            "cast(unioned.period_year as " ~ dbt.type_string() ~ ")", "'|'", "unioned.share_family", "'|'",
            "coalesce(unioned.computation, unioned.row_origin)"
        ]) }} as market_share_id,
        unioned.entity_id,
        entities.entity_name,
        entities.entity_type,
        unioned.stage_id,
        coalesce(chain_stages.stage_name, unioned.product_as_written, unioned.product_key) as product,
        nullif(unioned.market_scope_key, '') as market_scope,
        unioned.period_year as year,
        unioned.share_family,
        unioned.row_origin,
        unioned.computation,
        unioned.share_low,
        unioned.share_high,
        unioned.share_reported,
        unioned.share_reported_bound,
        unioned.rank_reported,
        unioned.claims_count,
        unioned.share_claim_id,
        unioned.rank_claim_id,
        unioned.selection_rule,
        unioned.computation_note,
        unioned.source_id,
        unioned.source_ids,
        unioned.claim_ids
    from unioned
    left join entities
        on unioned.entity_id = entities.entity_id
    left join chain_stages
        on unioned.stage_id = chain_stages.stage_id

)

select * from final
