-- Every product name that points at a chain stage: the stage's own id and name, and each
-- entry of its pipe-separated product_aliases. Matching is case-insensitive.
with chain_stages as (

    select * from {{ ref('chain_stages') }}

),

split_aliases as (

    select
        stage_id,
        {{ split_to_rows('product_aliases', '|') }} as alias
    from chain_stages
    where product_aliases is not null

),

all_names as (

    select
        stage_id,
        alias
    from split_aliases

    union

    select
        stage_id,
        stage_name as alias
    from chain_stages

    union

    select
        stage_id,
        stage_id as alias
    from chain_stages

),

deduplicated as (

    select
        stage_id,
        lower(trim(alias)) as alias_key,
        min(trim(alias)) as alias
    from all_names
    where trim(alias) <> ''
    group by stage_id, lower(trim(alias))

)

select * from deduplicated
