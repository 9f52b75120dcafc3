-- Claim reconciliation. Claims about the same (entity, metric family, product, market scope,
-- period), in the same normalised unit, form a group. Every claim is kept; each group reports
-- one of them, chosen by the rule in macros/claim_ranking_steps.sql (trust grade, then agreeing
-- sources, then bound, then publication date, then claim id), and records the spread of the
-- group and which step decided.
with claims as (

    select * from {{ ref('int_claims_normalised') }}

),

share_families as (

    select * from {{ ref('share_families') }}

),

keyed as (

    select
        claims.*,
        -- A share is a part of a whole, so it lies between 0 and 1.
        coalesce(share_families.metric_family is not null, false) as is_share,
        -- A product resolves to a chain stage when it can, so "rod" and "rod or billet" meet.
        coalesce(claims.stage_id, lower(trim(claims.product_as_written)), '') as product_key,
        coalesce(claims.market_scope, '') as market_scope_key,
        {{ bound_rank('claims.bound') }} as bound_rank
    from claims
    left join share_families
        on claims.metric_family = share_families.metric_family

),

grouped as (

    select
        keyed.*,
        {{ dbt.concat([
            "coalesce(keyed.entity_id, '?')", "'|'",
            "coalesce(keyed.metric_family, '?')", "'|'",
            "keyed.product_key", "'|'",
            "keyed.market_scope_key", "'|'",
            "keyed.period_as_written", "'|'",
            "keyed.unit_normalised"
        ]) }} as claim_group_id
    from keyed

),

-- For each claim, how many other sources in its group agree with it.
agreement as (

    select
        claim.claim_id,
        count(distinct other.source_id) as agreeing_sources_count
    from grouped as claim
    inner join grouped as other
        on
            claim.claim_group_id = other.claim_group_id
            and claim.source_id <> other.source_id
            and {{ claims_agree('claim', 'other') }}
    group by claim.claim_id

),

with_agreement as (

    select
        grouped.*,
        coalesce(agreement.agreeing_sources_count, 0) as agreeing_sources_count
    from grouped
    left join agreement
        on grouped.claim_id = agreement.claim_id

),

ranked as (

    select
        with_agreement.*,
        row_number() over (
            partition by with_agreement.claim_group_id
            order by {{ claim_ranking_order_by('with_agreement') }}
        ) as claim_rank
    from with_agreement

),

group_statistics as (

    select
        claim_group_id,
        -- A share bounded only from below can be as high as the whole (1.0), and one bounded
        -- only from above as low as nothing (0); other bounds count with their stated value.
        min(
            case
                when is_share and bound = 'at_most' then 0.0
                else value_normalised
            end
        ) as value_low,
        max(
            case
                when is_share and bound = 'at_least' then 1.0
                else value_normalised
            end
        ) as value_high,
        count(*) as claims_count,
        count(distinct source_id) as sources_count
    from ranked
    group by claim_group_id

),

decisions as (

    select
        chosen.claim_group_id,
        chosen.claim_id as reported_claim_id,
        chosen.source_id as reported_source_id,
        chosen.value_normalised as value_reported,
        chosen.bound as reported_bound,
        chosen.agreeing_sources_count as reported_agreeing_sources_count,
        runner_up.claim_id as runner_up_claim_id,
        {{ claim_ranking_deciding_step('chosen', 'runner_up') }} as selection_rule
    from ranked as chosen
    left join ranked as runner_up
        on
            chosen.claim_group_id = runner_up.claim_group_id
            and runner_up.claim_rank = 2
    where chosen.claim_rank = 1

),

reconciled as (

    select
        ranked.*,
        ranked.claim_rank = 1 as is_reported,
        group_statistics.value_low,
        group_statistics.value_high,
        group_statistics.value_high - group_statistics.value_low as value_spread,
        group_statistics.claims_count,
        group_statistics.sources_count,
        decisions.reported_claim_id,
        decisions.reported_source_id,
        decisions.value_reported,
        decisions.reported_bound,
        decisions.reported_agreeing_sources_count,
        decisions.runner_up_claim_id,
        decisions.selection_rule
    from ranked
    inner join group_statistics
        on ranked.claim_group_id = group_statistics.claim_group_id
    inner join decisions
        on ranked.claim_group_id = decisions.claim_group_id

)

select * from reconciled
