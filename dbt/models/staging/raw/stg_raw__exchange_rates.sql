with exchange_rates as (

    select * from {{ source('raw', 'exchange_rates') }}

),

renamed as (

    select
        series_id,
        source_id,
        entity as entity_as_written,
        metric as series_metric,
        cast(period_date as date) as period_date,
        cast(extract(year from period_date) as integer) as period_year,
        case
            when frequency = 'monthly' then cast(extract(month from period_date) as integer)
        end as period_month,
        frequency,
        value as value_as_written,
        unit_as_written,
        multiplier,
        value_base,
        unit_base,
        file,
        cast(line as integer) as line,
        loaded_at
    from exchange_rates

)

select * from renamed
