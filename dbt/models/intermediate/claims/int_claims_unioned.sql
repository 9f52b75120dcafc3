-- Article claims and point statistics share one layout; stack them and say which file kind each came from.
with article_claims as (

    select * from {{ ref('stg_raw__article_claims') }}

),

point_statistics as (

    select * from {{ ref('stg_raw__point_statistics') }}

),

unioned as (

    select
        'article' as claim_origin,
        article_claims.*
    from article_claims

    union all

    select
        'statistic' as claim_origin,
        point_statistics.*
    from point_statistics

)

select * from unioned
