with point_statistics as (

    select * from {{ source('raw', 'point_statistics') }}

),

renamed as (

    select
        claim_id,
        source_id,
        subject as subject_as_written,
        product as product_as_written,
        market_scope,
        metric as metric_id,
        period as period_as_written,
        cast(period_year as integer) as period_year,
        cast(period_month as integer) as period_month,
        case
            when period like '%-Q%' then 'quarter'
            when period like '%-H%' then 'half'
            when period_month is not null then 'month'
            else 'year'
        end as period_kind,
        -- The months the period covers, so a rate or price can be averaged over them.
        case
            when period_month is not null then cast(period_month as integer)
            when period like '%-Q2' then 4
            when period like '%-Q3' then 7
            when period like '%-Q4' then 10
            when period like '%-H2' then 7
            else 1
        end as period_first_month,
        case
            when period_month is not null then cast(period_month as integer)
            when period like '%-Q1' then 3
            when period like '%-Q2' then 6
            when period like '%-Q3' then 9
            when period like '%-H1' then 6
            else 12
        end as period_last_month,
        value as value_as_written,
        unit_as_written,
        multiplier,
        value_base,
        unit_base,
        bound,
        location_note,
        file,
        cast(line as integer) as line,
        loaded_at
    from point_statistics

)

select * from renamed
