-- Companies and groups, with every name the sources use for them and the sources that speak of them.
with entities as (

    select * from {{ ref('entities') }}
    where entity_type in ('company', 'group')

),

entity_aliases as (

    select * from {{ ref('entity_aliases') }}

),

claims as (

    select * from {{ ref('int_claims_normalised') }}

),

alias_lists as (

    select
        entity_id,
        {{ aggregate_to_list('alias', 'alias') }} as aliases,
        count(distinct alias) as aliases_count
    from entity_aliases
    group by entity_id

),

claim_lists as (

    select
        entity_id,
        count(*) as claims_count,
        {{ dbt.listagg('distinct source_id', "', '", 'order by source_id') }} as source_ids
    from claims
    where entity_id is not null
    group by entity_id

),

final as (

    select
        entities.entity_id as company_id,
        entities.entity_name as company_name,
        entities.entity_type,
        entities.parent_entity_id,
        entities.note as company_note,
        coalesce(alias_lists.aliases, {{ empty_list() }}) as aliases,
        coalesce(alias_lists.aliases_count, 0) as aliases_count,
        coalesce(claim_lists.claims_count, 0) as claims_count,
        claim_lists.source_ids
    from entities
    left join alias_lists
        on entities.entity_id = alias_lists.entity_id
    left join claim_lists
        on entities.entity_id = claim_lists.entity_id

)

select * from final
