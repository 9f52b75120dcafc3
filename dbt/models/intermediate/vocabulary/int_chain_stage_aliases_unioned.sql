-- Every product name that points at a chain stage: the stage's own id and name, and each
-- entry of its pipe-separated product_aliases. Matching is case-insensitive.
with chain_stages as (

    select * from {{ ref('chain_stages') }}

),

split_aliases as (

    select
        stage_id,
        {{ split_to_rows('product_aliases', '|') }} as alias,
        false as is_stage_id
    from chain_stages
    where product_aliases is not null

),

all_names as (

    select
        stage_id,
        alias,
        is_stage_id
    from split_aliases

    union

    select
        stage_id,
        stage_name as alias,
        false as is_stage_id
    from chain_stages

    union

    select
        stage_id,
        stage_id as alias,
        true as is_stage_id
    from chain_stages

),

deduplicated as (

    select
        stage_id,
        lower(trim(alias)) as alias_key,
        min(trim(alias)) as alias,
        -- True when the key is only the stage's id, not a name a source or the seed uses.
        min(case when is_stage_id then 1 else 0 end) = 1 as is_stage_id_only
    from all_names
    where trim(alias) <> ''
    group by stage_id, lower(trim(alias))

)

select * from deduplicated
