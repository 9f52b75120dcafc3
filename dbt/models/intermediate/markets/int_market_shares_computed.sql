-- Shares we compute ourselves, to set beside the claimed ones:
--   1. the nation's share of world primary aluminium production per year, from the production
--      series (OWID);
--   2. the same from point statistics, where national and world figures exist for the same
--      stage and year: one source's pair first (e.g. 2024, IAI), else the two reported figures;
--   3. a subject's share of a national total (capacity or production) for a stage and year: its
--      reported quantity ÷ a national total that rests on a different source
--      (int_national_totals_implied), e.g. Binzhou's electrolytic capacity ÷ the national capacity
--      implied by another source's relocated capacity and its stated share.
{%- set national = var('national_entity_id') %}
{%- set world = var('world_entity_id') %}

with production_series as (

    select * from {{ ref('stg_raw__production_series') }}
    where
        frequency = 'annual'
        and unit_base = 't'
        and series_metric = '{{ var("primary_aluminium_series_metric") }}'

),

entity_aliases as (

    select * from {{ ref('int_entity_aliases_unioned') }}

),

stage_aliases as (

    select * from {{ ref('int_chain_stage_aliases_unioned') }}

),

year_claims as (

    select * from {{ ref('int_claims_reconciled') }}
    where period_kind = 'year'

),

claims as (

    select * from year_claims
    where is_reported

),

national_totals as (

    select * from {{ ref('int_national_totals_implied') }}

),

-- Which share family a share of each national total belongs to.
share_bases as (

    select distinct
        share_family,
        total_family
    from {{ ref('national_share_bases') }}

),

series_resolved as (

    select
        production_series.*,
        entity_aliases.entity_id
    from production_series
    inner join entity_aliases
        on lower(trim(production_series.entity_as_written)) = entity_aliases.alias_key

),

primary_aluminium_stage as (

    select stage_id from stage_aliases
    where alias_key = '{{ var("primary_aluminium_product") }}'

),

from_series as (

    select
        nation.entity_id,
        primary_aluminium_stage.stage_id as product_key,
        primary_aluminium_stage.stage_id,
        'world' as market_scope,
        nation.period_year,
        'world_output_share' as share_family,
        'production_series_ratio' as computation,
        nation.value_base / world.value_base as share_value,
        nation.value_base as numerator_value,
        world.value_base as denominator_value,
        't' as unit_normalised,
        nation.source_id,
        nation.source_id as source_ids,
        cast(null as {{ dbt.type_string() }}) as claim_ids,
        {{ dbt.concat([
            "nation.series_id", "' ÷ '", "world.series_id",
            "' (production series, line '", "cast(nation.line as " ~ dbt.type_string() ~ ")",
            "' ÷ line '", "cast(world.line as " ~ dbt.type_string() ~ ")", "')'"
        ]) }} as computation_note
    from series_resolved as nation
    inner join series_resolved as world
        on
            nation.period_year = world.period_year
            and nation.source_id = world.source_id
            and world.entity_id = '{{ world }}'
    cross join primary_aluminium_stage
    where nation.entity_id = '{{ national }}' and world.value_base > 0

),

-- National and world production for the same stage and year. A pair from one source (e.g. IAI
-- giving both China and the world) is preferred, as one method measured both; else the two
-- reported figures are paired.
statistics_pairs as (

    select
        nation.entity_id,
        nation.product_key,
        nation.stage_id,
        nation.period_year,
        nation.value_normalised as numerator_value,
        world.value_normalised as denominator_value,
        nation.unit_normalised,
        nation.source_id,
        nation.claim_id as nation_claim_id,
        world.source_id as world_source_id,
        world.claim_id as world_claim_id,
        nation.source_id = world.source_id as is_same_source,
        row_number() over (
            partition by nation.product_key, nation.period_year
            order by
                case when nation.source_id = world.source_id then 0 else 1 end asc,
                nation.trust_rank desc,
                nation.claim_id asc,
                world.claim_id asc
        ) as preference
    from year_claims as nation
    inner join year_claims as world
        on
            nation.metric_family = world.metric_family
            and nation.product_key = world.product_key
            and nation.period_year = world.period_year
            and nation.unit_normalised = world.unit_normalised
            and world.entity_id = '{{ world }}'
    where
        nation.entity_id = '{{ national }}'
        and nation.metric_family = 'production'
        and world.value_normalised > 0
        and (
            nation.source_id = world.source_id
            or (nation.is_reported and world.is_reported)
        )

),

from_statistics as (

    select
        entity_id,
        product_key,
        stage_id,
        'world' as market_scope,
        period_year,
        'world_output_share' as share_family,
        'point_statistics_ratio' as computation,
        numerator_value / denominator_value as share_value,
        numerator_value,
        denominator_value,
        unit_normalised,
        source_id,
        case
            when is_same_source then source_id
            else {{ dbt.concat(["source_id", "', '", "world_source_id"]) }}
        end as source_ids,
        {{ dbt.concat(["nation_claim_id", "', '", "world_claim_id"]) }} as claim_ids,
        case
            when is_same_source
                then {{ dbt.concat(["nation_claim_id", "' ÷ '", "world_claim_id", "' (one source)'"]) }}
            else {{ dbt.concat(["'reported '", "nation_claim_id", "' ÷ reported '", "world_claim_id"]) }}
        end as computation_note
    from statistics_pairs
    where preference = 1

),

-- Quantities of subjects below the national level (not the nation, the world, or a region
-- directly under the world), over national totals that rest on other sources.
subject_quantities as (

    select
        claims.*,
        share_bases.share_family
    from claims
    inner join share_bases
        on claims.metric_family = share_bases.total_family
    where
        claims.unit_normalised in ('t', 't/yr')
        and claims.entity_id not in ('{{ national }}', '{{ world }}')
        and coalesce(claims.parent_entity_id, '') <> '{{ world }}'

),

candidate_totals as (

    select
        subject_quantities.entity_id,
        subject_quantities.product_key,
        subject_quantities.stage_id,
        'domestic' as market_scope,
        subject_quantities.period_year,
        subject_quantities.share_family,
        'share_of_national_total' as computation,
        subject_quantities.value_normalised / national_totals.national_total as share_value,
        subject_quantities.value_normalised as numerator_value,
        national_totals.national_total as denominator_value,
        subject_quantities.unit_normalised,
        subject_quantities.source_id,
        {{ dbt.concat(["subject_quantities.source_id", "', '", "national_totals.source_id"]) }} as source_ids,
        {{ dbt.concat([
            "subject_quantities.claim_id", "', '", "national_totals.quantity_claim_id",
            "coalesce(" ~ dbt.concat(["', '", "national_totals.share_claim_id"]) ~ ", '')"
        ]) }} as claim_ids,
        case
            when national_totals.total_basis = 'implied'
                then {{ dbt.concat([
                    "'reported '", "subject_quantities.claim_id",
                    "' ÷ (national total implied by '", "national_totals.quantity_claim_id",
                    "' ÷ '", "national_totals.share_claim_id", "')'"
                ]) }}
            else {{ dbt.concat([
                "'reported '", "subject_quantities.claim_id",
                "' ÷ national total stated by '", "national_totals.quantity_claim_id"
            ]) }}
        end as computation_note,
        -- Several totals may qualify; prefer a stated one, then the lowest claim id.
        row_number() over (
            partition by subject_quantities.claim_id
            order by
                case when national_totals.total_basis = 'stated' then 0 else 1 end,
                national_totals.quantity_claim_id
        ) as preference
    from subject_quantities
    inner join national_totals
        on
            subject_quantities.metric_family = national_totals.total_family
            and subject_quantities.product_key = national_totals.product_key
            and subject_quantities.period_year = national_totals.period_year
            and subject_quantities.unit_normalised = national_totals.unit_normalised
            and subject_quantities.source_id <> national_totals.source_id

),

from_national_totals as (

    select
        entity_id,
        product_key,
        stage_id,
        market_scope,
        period_year,
        share_family,
        computation,
        share_value,
        numerator_value,
        denominator_value,
        unit_normalised,
        source_id,
        source_ids,
        claim_ids,
        computation_note
    from candidate_totals
    where preference = 1

),

unioned as (

    select * from from_series
    union all
    select * from from_statistics
    union all
    select * from from_national_totals

)

select * from unioned
