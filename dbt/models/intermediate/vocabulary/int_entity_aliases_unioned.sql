-- Every name an entity goes by: the aliases in the seed, plus its own name and id.
-- Matching is case-insensitive, so the lookup key is the trimmed lower-case alias.
with entities as (

    select * from {{ ref('entities') }}

),

entity_aliases as (

    select * from {{ ref('entity_aliases') }}

),

all_names as (

    select
        entity_id,
        alias
    from entity_aliases

    union

    select
        entity_id,
        entity_name as alias
    from entities

    union

    select
        entity_id,
        entity_id as alias
    from entities

),

keyed as (

    select
        entity_id,
        alias,
        lower(trim(alias)) as alias_key
    from all_names
    where alias is not null

),

-- One spelling per key: the seed may list "Binzhou" and the entity name may be "binzhou".
deduplicated as (

    select
        entity_id,
        alias_key,
        min(alias) as alias
    from keyed
    group by entity_id, alias_key

)

select * from deduplicated
