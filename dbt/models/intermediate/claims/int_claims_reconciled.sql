-- Claim reconciliation. Claims about the same (entity, metric family, product, market scope,
-- period), in the same normalised unit, form a group. Every claim is kept; each group reports
-- one of them, chosen by the rule in macros/claim_ranking_steps.sql (trust grade, then agreeing
-- sources, then bound, then publication date, then claim id), and records the spread of the
-- group and which step decided.
--
-- The ranking runs on a narrow relation (the key, the value and the ranking columns) and the
-- claims' other columns are joined back once at the end: at 10 million claims, carrying every
-- column through the self-join, the window and the group joins took most of a refresh.
--
-- Incremental when only claims files changed (macros/claims_incremental.sql): every group that
-- held a claim of a file loaded again or no longer loaded, or that gains a claim of a file
-- loaded since, is deleted; the claims not in the table (exactly those groups' claims) are
-- reconciled again and added.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    full_refresh=not claims_incremental(),
    pre_hook="{% if is_incremental() %}
        delete from {{ this }}
        where claim_group_id in (
            select stale.claim_group_id
            from {{ this }} as stale
            where {{ file_load_not_in('stale', '(select distinct file, loaded_at from ' ~ ref('int_claims_normalised') ~ ')') }}
            union
            select {{ claim_group_id('fresh') }}
            from {{ ref('int_claims_normalised') }} as fresh
            where {{ file_load_not_in('fresh', '(select distinct file, loaded_at from ' ~ this ~ ')') }}
        )
    {% endif %}",
) }}
{%- set steps = claim_ranking_steps() %}
{%- set ranking_columns = steps | map(attribute='column') | list %}
{#- What the deciding step and the reported columns read of the first and second claims. #}
{%- set struct_columns = ['claim_id', 'source_id', 'value_normalised', 'bound'] + ranking_columns %}
{%- set ranking_struct -%}
    { {%- for column in struct_columns | unique -%}
        '{{ column }}': with_agreement.{{ column }}{{ ', ' if not loop.last }}
    {%- endfor -%} }
{%- endset %}
with claims as (

    select * from {{ ref('int_claims_normalised') }}
    {%- if is_incremental() %}
    where claim_id not in (select claim_id from {{ this }})
    {%- endif %}

),

share_families as (

    select * from {{ ref('share_families') }}

),

keyed as (

    select
        claims.claim_id,
        claims.source_id,
        claims.bound,
        claims.value_normalised,
        claims.trust_rank,
        claims.published_date,
        -- A share is a part of a whole, so it lies between 0 and 1.
        coalesce(share_families.metric_family is not null, false) as is_share,
        {{ claim_product_key('claims') }} as product_key,
        coalesce(claims.market_scope, '') as market_scope_key,
        {{ bound_rank('claims.bound') }} as bound_rank,
        {{ claim_group_id('claims') }} as claim_group_id
    from claims
    left join share_families
        on claims.metric_family = share_families.metric_family

),

-- For each claim, how many other sources in its group agree with it.
agreement as (

    select
        claim.claim_id,
        count(distinct other.source_id) as agreeing_sources_count
    from keyed as claim
    inner join keyed as other
        on
            claim.claim_group_id = other.claim_group_id
            and claim.source_id <> other.source_id
            and {{ claims_agree('claim', 'other') }}
    group by claim.claim_id

),

with_agreement as (

    select
        keyed.*,
        coalesce(agreement.agreeing_sources_count, 0) as agreeing_sources_count
    from keyed
    left join agreement
        on keyed.claim_id = agreement.claim_id

),

-- One window over each group, ordered by the ranking rule: each claim's rank, the group's spread
-- and counts, and the first and second claims of the ranking as structs, so that the deciding
-- step compares chosen.<column> with runner_up.<column>.
ranked as (

    select
        with_agreement.*,
        row_number() over by_rank as claim_rank,
        -- A share bounded only from below can be as high as the whole (1.0), and one bounded
        -- only from above as low as nothing (0); other bounds count with their stated value.
        min(
            case
                when with_agreement.is_share and with_agreement.bound = 'at_most' then 0.0
                else with_agreement.value_normalised
            end
        ) over by_rank as value_low,
        max(
            case
                when with_agreement.is_share and with_agreement.bound = 'at_least' then 1.0
                else with_agreement.value_normalised
            end
        ) over by_rank as value_high,
        count(*) over by_rank as claims_count,
        count(distinct with_agreement.source_id) over by_rank as sources_count,
        first_value({{ ranking_struct }}) over by_rank as chosen,
        nth_value({{ ranking_struct }}, 2) over by_rank as runner_up
    from with_agreement
    window by_rank as (
        partition by with_agreement.claim_group_id
        order by {{ claim_ranking_order_by('with_agreement') }}
        rows between unbounded preceding and unbounded following
    )

),

-- The claims' own columns, joined back once. chosen and runner_up are structs (RF01 reads
-- their fields as table references).
reconciled as (

    select
        claims.*,
        ranked.is_share,
        ranked.product_key,
        ranked.market_scope_key,
        ranked.bound_rank,
        ranked.claim_group_id,
        ranked.agreeing_sources_count,
        ranked.claim_rank,
        ranked.claim_rank = 1 as is_reported,
        ranked.value_low,
        ranked.value_high,
        ranked.value_high - ranked.value_low as value_spread,
        ranked.claims_count,
        ranked.sources_count,
        ranked.chosen.claim_id as reported_claim_id,  -- noqa: RF01
        ranked.chosen.source_id as reported_source_id,  -- noqa: RF01
        ranked.chosen.value_normalised as value_reported,  -- noqa: RF01
        ranked.chosen.bound as reported_bound,  -- noqa: RF01
        ranked.chosen.agreeing_sources_count as reported_agreeing_sources_count,  -- noqa: RF01
        ranked.runner_up.claim_id as runner_up_claim_id,  -- noqa: RF01
        {{ claim_ranking_deciding_step('ranked.chosen', 'ranked.runner_up') }} as selection_rule,
        -- The dbt run that reconciled the claim's group last (fct_claims takes these again).
        '{{ invocation_id }}' as reconciled_in_invocation
    from {{ ref('int_claims_normalised') }} as claims
    inner join ranked
        on claims.claim_id = ranked.claim_id

)

select * from reconciled
