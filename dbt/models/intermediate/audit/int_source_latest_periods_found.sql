-- The latest period each source has figures for (first day of the month or year), the age
-- that freshness is judged on (dim_sources). Series give a date; claims a year and a month.
with series_periods as (

    select
        source_id,
        period_date
    from {{ ref('stg_raw__production_series') }}
    union all
    select
        source_id,
        period_date
    from {{ ref('stg_raw__price_series') }}
    union all
    select
        source_id,
        period_date
    from {{ ref('stg_raw__exchange_rates') }}

),

claim_periods as (

    select
        source_id,
        period_year,
        period_month
    from {{ ref('stg_raw__article_claims') }}
    union all
    select
        source_id,
        period_year,
        period_month
    from {{ ref('stg_raw__point_statistics') }}

),

-- Each source's latest month first, then its date: building a date for each of the ten million
-- statistics rows of scale 100 cost most of this model (0.24 to 0.31 s against 0.05 s).
claim_latest_months as (

    select
        source_id,
        max(period_year * 12 + coalesce(period_month, 1) - 1) as latest_month_index
    from claim_periods
    where period_year is not null
    group by source_id

),

claim_period_dates as (

    select
        source_id,
        {{ dbt.dateadd(
            'month',
            'latest_month_index % 12',
            dbt.safe_cast(
                dbt.concat([
                    'cast(cast(floor(latest_month_index / 12) as integer) as ' ~ dbt.type_string() ~ ')',
                    "'-01-01'",
                ]),
                'date',
            ),
        ) }} as period_date
    from claim_latest_months

),

all_periods as (

    select
        source_id,
        period_date
    from series_periods
    union all
    select
        source_id,
        cast(period_date as date) as period_date
    from claim_period_dates

),

final as (

    select
        source_id,
        max(period_date) as latest_period_date
    from all_periods
    where source_id is not null
    group by source_id

)

select * from final
