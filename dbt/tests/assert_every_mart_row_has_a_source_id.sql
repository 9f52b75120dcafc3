-- Every row of every fact mart, and every source, names the source it came from.
{{ config(meta={'dagster': {'ref': {'name': 'fct_claims'}}}) }}

with missing as (

    select 'fct_claims' as mart
    from {{ ref('fct_claims') }}
    where source_id is null

    union all

    select 'fct_cluster_output_value' as mart
    from {{ ref('fct_cluster_output_value') }}
    where source_id is null

    union all

    select 'fct_market_share' as mart
    from {{ ref('fct_market_share') }}
    where source_id is null

    union all

    select 'fct_value_added_ladder' as mart
    from {{ ref('fct_value_added_ladder') }}
    where source_id is null

    union all

    -- A candidate carries the source whose `text:` lists its article.
    select 'fct_claim_review_queue' as mart
    from {{ ref('fct_claim_review_queue') }}
    where source_id is null

    union all

    select 'dim_sources' as mart
    from {{ ref('dim_sources') }}
    where source_id is null

)

select
    mart,
    count(*) as rows_without_source_id
from missing
group by mart
