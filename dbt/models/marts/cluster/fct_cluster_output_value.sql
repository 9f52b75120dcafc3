-- How big is the cluster: one row per cluster and year with the reported output value (or
-- main-business revenue) in CNY, the range across all claims, the claims that disagree, growth
-- since the previous year with data, and output value per tonne of electrolytic capacity.
with claims as (

    select * from {{ ref('int_claims_reconciled') }}
    where
        metric_family = 'cluster_size'
        and entity_type = 'cluster'
        and period_kind = 'year'
        and unit_normalised = 'CNY'

),

entities as (

    select * from {{ ref('entities') }}

),

stage_aliases as (

    select * from {{ ref('int_chain_stage_aliases_unioned') }}

),

capacity_claims as (

    select * from {{ ref('int_claims_reconciled') }}
    where
        metric_family = 'capacity'
        and period_kind = 'year'
        and unit_normalised = 't/yr'
        and is_reported
        and stage_id in (
            select stage_aliases.stage_id from stage_aliases
            where stage_aliases.alias_key = '{{ var("primary_aluminium_product") }}'
        )

),

claim_lists as (

    select
        claim_group_id,
        {{ dbt.listagg('claim_id', "', '", 'order by claim_id') }} as claim_ids,
        {{ dbt.listagg('distinct source_id', "', '", 'order by source_id') }} as source_ids
    from claims
    group by claim_group_id

),

other_claims as (

    select
        claim_group_id,
        {{ dbt.listagg(
            dbt.concat([
                "cast(round(cast(value_normalised / 1e9 as " ~ dbt.type_numeric() ~ "), 1) as "
                ~ dbt.type_string() ~ ")",
                "' bn CNY ('", "bound", "', '", "source_id", "', '", "claim_id", "')'"
            ]),
            "'; '",
            'order by value_normalised desc, claim_id'
        ) }} as other_claims
    from claims
    where not is_reported
    group by claim_group_id

),

reported as (

    select
        claims.entity_id as cluster_id,
        entities.entity_name as cluster_name,
        entities.parent_entity_id as cluster_place_id,
        claims.period_year as year,
        claims.value_reported as output_value_cny,
        claims.value_low as output_value_low_cny,
        claims.value_high as output_value_high_cny,
        claims.value_spread as output_value_spread_cny,
        claims.reported_bound,
        claims.metric_id as reported_metric_id,
        claims.claims_count,
        claims.sources_count,
        claims.reported_agreeing_sources_count as agreeing_sources_count,
        claims.reported_claim_id,
        claims.reported_source_id as source_id,
        claims.selection_rule,
        other_claims.other_claims,
        claim_lists.claim_ids,
        claim_lists.source_ids
    from claims
    inner join entities
        on claims.entity_id = entities.entity_id
    inner join claim_lists
        on claims.claim_group_id = claim_lists.claim_group_id
    left join other_claims
        on claims.claim_group_id = other_claims.claim_group_id
    where claims.is_reported

),

with_previous as (

    select
        reported.*,
        lag(reported.year) over (
            partition by reported.cluster_id order by reported.year
        ) as previous_year,
        lag(reported.output_value_cny) over (
            partition by reported.cluster_id order by reported.year
        ) as previous_output_value_cny
    from reported

),

-- The electrolytic capacity of the cluster (or of the place it belongs to, where sources give
-- capacities for the city) in the same year, else in the nearest year within one year (the
-- earlier one when two are equally near; the cluster's own figure before its place's).
capacity_candidates as (

    select
        with_previous.cluster_id,
        with_previous.year,
        capacity_claims.period_year as capacity_year,
        capacity_claims.entity_id as capacity_entity_id,
        capacity_claims.value_reported as electrolytic_capacity_t_per_year,
        capacity_claims.reported_claim_id as capacity_claim_id,
        capacity_claims.reported_source_id as capacity_source_id,
        row_number() over (
            partition by with_previous.cluster_id, with_previous.year
            order by
                abs(capacity_claims.period_year - with_previous.year),
                capacity_claims.period_year,
                case when capacity_claims.entity_id = with_previous.cluster_id then 0 else 1 end
        ) as nearness
    from with_previous
    inner join capacity_claims
        on
            capacity_claims.entity_id in (with_previous.cluster_id, with_previous.cluster_place_id)
            and abs(capacity_claims.period_year - with_previous.year) <= 1

),

final as (

    select
        with_previous.cluster_id,
        with_previous.cluster_name,
        with_previous.year,
        with_previous.output_value_cny,
        with_previous.output_value_low_cny,
        with_previous.output_value_high_cny,
        with_previous.output_value_spread_cny,
        with_previous.reported_bound,
        with_previous.reported_metric_id,
        with_previous.claims_count,
        with_previous.sources_count,
        with_previous.agreeing_sources_count,
        with_previous.reported_claim_id,
        with_previous.source_id,
        with_previous.selection_rule,
        with_previous.other_claims,
        with_previous.claim_ids,
        with_previous.source_ids,
        with_previous.previous_year,
        with_previous.previous_output_value_cny,
        with_previous.year - with_previous.previous_year as years_since_previous,
        -- Compound growth per year over the gap: (value / previous) ^ (1 / years) - 1.
        case
            when with_previous.previous_output_value_cny > 0
                then
                    power(
                        with_previous.output_value_cny / with_previous.previous_output_value_cny,
                        1.0 / (with_previous.year - with_previous.previous_year)
                    )
                    - 1
        end as cagr_since_previous_year,
        capacity_candidates.capacity_year,
        capacity_candidates.capacity_entity_id,
        capacity_candidates.electrolytic_capacity_t_per_year,
        capacity_candidates.capacity_claim_id,
        capacity_candidates.capacity_source_id,
        with_previous.output_value_cny
        / capacity_candidates.electrolytic_capacity_t_per_year as output_value_cny_per_tonne_capacity
    from with_previous
    left join capacity_candidates
        on
            with_previous.cluster_id = capacity_candidates.cluster_id
            and with_previous.year = capacity_candidates.year
            and capacity_candidates.nearness = 1

)

select * from final
