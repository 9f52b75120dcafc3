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
        period_kind,
        -- The months the period covers, so a rate or price can be averaged over them.
        cast(period_first_month as integer) as period_first_month,
        cast(period_last_month as integer) as period_last_month,
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
