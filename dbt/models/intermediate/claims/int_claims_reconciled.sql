-- Claim reconciliation. Claims about the same (entity, metric family, product, market scope,
-- period), in the same normalised unit, form a group. Every claim is kept; each group reports
-- one of them, chosen by the rule in macros/claim_ranking_steps.sql (trust grade, then agreeing
-- sources, then bound, then publication date, then claim id), and records the spread of the
-- group and which step decided.
--
-- Most groups hold a single claim (at benchmark scale 8.4 million groups for 10 million claims,
-- nearly all monthly firm statistics that no other source repeats). Such a claim is its group's
-- reported one with nothing to compare, so only the claims of groups of two or more go through
-- the agreement self-join and the ranking window, on a narrow relation (the key, the value and
-- the ranking columns); every claim's own columns are read once at the end, and the ranking's
-- results joined to them. Ranking all ten million claims spilled ~20 GB under dbt's 3 GB bound.
--
-- Incremental when only claims files changed (macros/claims_incremental.sql): every group that
-- held a claim of a file loaded again or no longer loaded, or that gains a claim of a file
-- loaded since, is deleted; the claims not in the table (exactly those groups' claims) are
-- reconciled again and added.
{{ config(
    pre_hook="{% if is_incremental() %}
        delete from {{ this }}
        where claim_group_id in (
            select stale.claim_group_id
            from {{ this }} as stale
            where {{ file_load_not_in('stale', this, ref('int_claims_normalised')) }}
            union
            select {{ claim_group_id('fresh') }}
            from {{ ref('int_claims_normalised') }} as fresh
            where {{ file_load_not_in('fresh', ref('int_claims_normalised'), this) }}
        )
    {% endif %}",
    **claims_incremental_config()
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
with
{%- if is_incremental() %}

-- After the pre-hook, the table holds of each file either all the claims int_claims_normalised
-- has or, where it deleted groups, fewer (a claim id names one line of one file load): the claims
-- it lacks are in the files whose two counts differ. Two counts per file instead of comparing
-- ten million claim ids (0.04 s against 3 to 5 s at benchmark scale).
files_short as (

    select normalised.file
    from (
        select file, count(*) as claims_count
        from {{ ref('int_claims_normalised') }}
        group by file
    ) as normalised
    left join (
        select file, count(*) as claims_count
        from {{ this }}
        group by file
    ) as reconciled
        on normalised.file = reconciled.file
    where reconciled.claims_count is distinct from normalised.claims_count

),
{%- endif %}

claims as {{ claims_input_cte() }} (

    -- normalised_in_invocation is the normalising run's, not this table's (RF02: EXCLUDE's names).
    select * exclude (normalised_in_invocation) from {{ ref('int_claims_normalised') }}  -- noqa: RF02
    {%- if is_incremental() %}
    where
        file in (select files_short.file from files_short)
        and claim_id not in (
            select claim_id from {{ this }}
            where file in (select files_short.file from files_short)
        )
    {%- endif %}

),

share_families as (

    select * from {{ ref('share_families') }}

),

-- Every claim with its group and ranking keys; not materialised, so that each reader below
-- takes only the columns it needs, streaming.
keyed as not materialized (

    select
        claims.*,
        -- A share is a part of a whole, so it lies between 0 and 1.
        coalesce(share_families.metric_family is not null, false) as is_share,
        {{ claim_product_key('claims') }} as product_key,
        coalesce(claims.market_scope, '') as market_scope_key,
        {{ bound_rank('claims.bound') }} as bound_rank,
        {{ claim_group_id('claims') }} as claim_group_id,
        -- How low and how high the claim reaches: a share bounded only from below can be as high
        -- as the whole (1.0), one bounded only from above as low as nothing (0); other bounds
        -- count with their stated value. A group's range runs over its claims' reaches.
        case
            when share_families.metric_family is not null and claims.bound = 'at_most' then 0.0
            else claims.value_normalised
        end as reach_low,
        case
            when share_families.metric_family is not null and claims.bound = 'at_least' then 1.0
            else claims.value_normalised
        end as reach_high
    from claims
    left join share_families
        on claims.metric_family = share_families.metric_family

),

shared_groups as (

    select claim_group_id
    from keyed
    group by claim_group_id
    having count(*) > 1

),

-- The claims of groups of two or more, with the columns the ranking reads.
contested as (

    select
        keyed.claim_id,
        keyed.source_id,
        keyed.bound,
        keyed.value_normalised,
        keyed.trust_rank,
        keyed.published_date,
        keyed.bound_rank,
        keyed.claim_group_id,
        keyed.reach_low,
        keyed.reach_high
    from keyed
    semi join shared_groups
        on keyed.claim_group_id = shared_groups.claim_group_id

),

-- For each claim, how many other sources in its group agree with it.
agreement as (

    select
        claim.claim_id,
        count(distinct other.source_id) as agreeing_sources_count
    from contested as claim
    inner join contested as other
        on
            claim.claim_group_id = other.claim_group_id
            and claim.source_id <> other.source_id
            and {{ claims_agree('claim', 'other') }}
    group by claim.claim_id

),

with_agreement as (

    select
        contested.*,
        coalesce(agreement.agreeing_sources_count, 0) as agreeing_sources_count
    from contested
    left join agreement
        on contested.claim_id = agreement.claim_id

),

-- One window over each group, ordered by the ranking rule: each claim's rank, the group's spread
-- and counts, and the first and second claims of the ranking as structs, so that the deciding
-- step compares chosen.<column> with runner_up.<column>.
ranked as (

    select
        with_agreement.*,
        row_number() over by_rank as claim_rank,
        min(with_agreement.reach_low) over by_rank as value_low,
        max(with_agreement.reach_high) over by_rank as value_high,
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

-- Every claim's own columns, read once, with its group's ranking; a claim alone in its group
-- (no ranked row) is rank 1 of one, and its own reported claim. chosen and runner_up are
-- structs (RF01 reads their fields as table references).
reconciled as (

    select
        -- The claim's own columns in their order, then the keys (RF02 reads EXCLUDE's names as
        -- references).
        keyed.* exclude (  -- noqa: RF02
            is_share, product_key, market_scope_key, bound_rank, claim_group_id, reach_low, reach_high  -- noqa: RF02
        ),
        keyed.is_share,
        keyed.product_key,
        keyed.market_scope_key,
        keyed.bound_rank,
        keyed.claim_group_id,
        coalesce(ranked.agreeing_sources_count, 0) as agreeing_sources_count,
        coalesce(ranked.claim_rank, 1) as claim_rank,
        coalesce(ranked.claim_rank, 1) = 1 as is_reported,
        coalesce(ranked.value_low, keyed.reach_low) as value_low,
        coalesce(ranked.value_high, keyed.reach_high) as value_high,
        coalesce(ranked.value_high, keyed.reach_high)
        - coalesce(ranked.value_low, keyed.reach_low) as value_spread,
        coalesce(ranked.claims_count, 1) as claims_count,
        coalesce(ranked.sources_count, (keyed.source_id is not null)::bigint) as sources_count,
        coalesce(ranked.chosen.claim_id, keyed.claim_id) as reported_claim_id,  -- noqa: RF01
        coalesce(ranked.chosen.source_id, keyed.source_id) as reported_source_id,  -- noqa: RF01
        case
            when ranked.claim_id is not null then ranked.chosen.value_normalised  -- noqa: RF01
            else keyed.value_normalised
        end as value_reported,
        case
            when ranked.claim_id is not null then ranked.chosen.bound  -- noqa: RF01
            else keyed.bound
        end as reported_bound,
        coalesce(ranked.chosen.agreeing_sources_count, 0)  -- noqa: RF01
            as reported_agreeing_sources_count,
        ranked.runner_up.claim_id as runner_up_claim_id,  -- noqa: RF01
        {{ claim_ranking_deciding_step('ranked.chosen', 'ranked.runner_up') }} as selection_rule,
        -- The dbt run that reconciled the claim's group last (fct_claims takes these again).
        '{{ invocation_id }}' as reconciled_in_invocation
    from keyed
    left join ranked
        on keyed.claim_id = ranked.claim_id

)

select * from reconciled
