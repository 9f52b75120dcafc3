-- The aluminium chain, upstream to downstream, with the product names that map to each stage.
with chain_stages as (

    select * from {{ ref('chain_stages') }}

),

stage_aliases as (

    select * from {{ ref('int_chain_stage_aliases_unioned') }}

),

claims as (

    select * from {{ ref('int_claims_normalised') }}

),

alias_lists as (

    select
        stage_id,
        {{ aggregate_to_list('alias', 'alias') }} as product_aliases
    from stage_aliases
    -- The stage's own id is a lookup key, not a name a source uses.
    where not is_stage_id_only
    group by stage_id

),

claim_counts as (

    select
        stage_id,
        count(*) as claims_count
    from claims
    where stage_id is not null
    group by stage_id

),

final as (

    select
        chain_stages.stage_id,
        chain_stages.stage_name,
        chain_stages.stage_order,
        chain_stages.description as stage_description,
        coalesce(alias_lists.product_aliases, {{ empty_list() }}) as product_aliases,
        coalesce(claim_counts.claims_count, 0) as claims_count
    from chain_stages
    left join alias_lists
        on chain_stages.stage_id = alias_lists.stage_id
    left join claim_counts
        on chain_stages.stage_id = claim_counts.stage_id

)

select * from final
