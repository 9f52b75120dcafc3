-- What each step of the chain adds per tonne: one row per chain stage, source and year.
-- Sources state value added either in yuan per tonne (absolute_cny) or as a percentage of the
-- value of molten aluminium (percent_of_ingot); both are put in CNY per tonne with that year's
-- ingot value (annual mean aluminium price × annual mean USD/CNY). Each row also shows the other
-- source for the same stage and year, so the two can be compared. The ingot stage itself is
-- included as the base of the ladder (claim kind ingot_price, from the price series).
with claims as (

    select * from {{ ref('int_claims_reconciled') }}
    where
        metric_family = 'value_added'
        and period_kind = 'year'
        and unit_normalised in ('CNY/t', 'fraction')
        and stage_id is not null

),

prices as (

    select * from {{ ref('int_aluminium_prices_annualised') }}

),

chain_stages as (

    select * from {{ ref('chain_stages') }}

),

stage_aliases as (

    select * from {{ ref('int_chain_stage_aliases_unioned') }}

),

ingot_stage as (

    select stage_id from stage_aliases
    where alias_key = '{{ var("ingot_product") }}'

),

-- One claim per stage, source and year (the best-ranked, should a source repeat itself).
stage_claims as (

    select
        claims.*,
        row_number() over (
            partition by claims.stage_id, claims.source_id, claims.period_year
            order by claims.claim_rank, claims.claim_id
        ) as preference
    from claims

),

priced as (

    select
        stage_claims.stage_id,
        stage_claims.period_year,
        stage_claims.source_id,
        stage_claims.publisher,
        stage_claims.claim_id,
        case
            when stage_claims.unit_normalised = 'fraction' then 'percent_of_ingot'
            else 'absolute_cny'
        end as claim_kind,
        stage_claims.value_as_written,
        stage_claims.unit_as_written,
        stage_claims.bound,
        case
            when stage_claims.unit_normalised = 'fraction'
                then stage_claims.value_normalised * prices.cny_per_tonne
            else stage_claims.value_normalised
        end as value_added_cny_per_tonne,
        prices.cny_per_tonne as ingot_value_cny_per_tonne,
        prices.usd_per_tonne as ingot_usd_per_tonne,
        prices.cny_per_usd,
        prices.price_source_ids,
        prices.rate_source_id
    from stage_claims
    left join prices
        on stage_claims.period_year = prices.period_year
    where stage_claims.preference = 1

),

-- The base of the ladder: the ingot itself, for every year that has ladder claims.
ingot_rows as (

    select
        ingot_stage.stage_id,
        prices.period_year,
        prices.price_source_ids as source_id,
        cast(null as {{ dbt.type_string() }}) as publisher,
        cast(null as {{ dbt.type_string() }}) as claim_id,
        'ingot_price' as claim_kind,
        prices.usd_per_tonne as value_as_written,
        'USD/t' as unit_as_written,
        'exact' as bound,
        0.0 as value_added_cny_per_tonne,
        prices.cny_per_tonne as ingot_value_cny_per_tonne,
        prices.usd_per_tonne as ingot_usd_per_tonne,
        prices.cny_per_usd,
        prices.price_source_ids,
        prices.rate_source_id
    from prices
    cross join ingot_stage
    where prices.period_year in (select priced.period_year from priced)

),

ladder as (

    select * from priced
    union all
    select * from ingot_rows

),

valued as (

    select
        ladder.*,
        ladder.ingot_value_cny_per_tonne + ladder.value_added_cny_per_tonne as value_cny_per_tonne,
        (ladder.ingot_value_cny_per_tonne + ladder.value_added_cny_per_tonne)
        / ladder.ingot_value_cny_per_tonne as multiple_of_ingot_value
    from ladder

),

-- The other source for the same stage and year (the one with the lowest source id, if several).
comparisons as (

    select
        this.stage_id,
        this.period_year,
        this.source_id,
        other.source_id as other_source_id,
        other.claim_kind as other_claim_kind,
        other.value_added_cny_per_tonne as other_value_added_cny_per_tonne,
        count(*) over (
            partition by this.stage_id, this.period_year, this.source_id
        ) as other_sources_count,
        row_number() over (
            partition by this.stage_id, this.period_year, this.source_id
            order by other.source_id
        ) as preference
    from valued as this
    inner join valued as other
        on
            this.stage_id = other.stage_id
            and this.period_year = other.period_year
            and this.source_id <> other.source_id

),

final as (

    select
        {{ dbt.concat([
            "valued.stage_id", "'|'", "valued.source_id", "'|'",
            "cast(valued.period_year as " ~ dbt.type_string() ~ ")"
        ]) }} as ladder_row_id,
        valued.stage_id,
        chain_stages.stage_name,
        chain_stages.stage_order,
        valued.period_year as year,
        valued.source_id,
        valued.publisher,
        valued.claim_id,
        valued.claim_kind,
        valued.value_as_written,
        valued.unit_as_written,
        valued.bound,
        valued.value_added_cny_per_tonne,
        valued.value_cny_per_tonne,
        valued.multiple_of_ingot_value,
        valued.ingot_value_cny_per_tonne,
        valued.ingot_usd_per_tonne,
        valued.cny_per_usd,
        valued.price_source_ids,
        valued.rate_source_id,
        comparisons.other_source_id,
        comparisons.other_claim_kind,
        comparisons.other_value_added_cny_per_tonne,
        valued.value_added_cny_per_tonne
        / nullif(comparisons.other_value_added_cny_per_tonne, 0) as ratio_to_other_source,
        coalesce(comparisons.other_sources_count, 0) as other_sources_count
    from valued
    inner join chain_stages
        on valued.stage_id = chain_stages.stage_id
    left join comparisons
        on
            valued.stage_id = comparisons.stage_id
            and valued.period_year = comparisons.period_year
            and valued.source_id = comparisons.source_id
            and comparisons.preference = 1

)

select * from final
