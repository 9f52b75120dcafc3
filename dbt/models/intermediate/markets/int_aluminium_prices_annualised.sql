-- Annual aluminium price in USD/t and CNY/t. The IMF file runs to 2016-02 and FRED republishes the
-- same IMF series from 2016-01; where both have a month, FRED's (the later revision) is used, so
-- months to 2015-12 come from the IMF file and months from 2016-01 from FRED.
with price_series as (

    select * from {{ ref('stg_raw__price_series') }}
    where unit_base = 'USD/t' and frequency = 'monthly'

),

sources as (

    select * from {{ ref('stg_raw__source_registry') }}

),

exchange_rates as (

    select * from {{ ref('int_exchange_rates_annualised') }}

),

ranked_months as (

    select
        price_series.period_year,
        price_series.period_month,
        price_series.value_base as usd_per_tonne,
        price_series.source_id,
        row_number() over (
            partition by price_series.period_year, price_series.period_month
            order by
                case when sources.file_format = 'fred_csv' then 0 else 1 end,
                price_series.source_id
        ) as preference
    from price_series
    left join sources
        on price_series.source_id = sources.source_id

),

monthly as (

    select * from ranked_months
    where preference = 1

),

annual_prices as (

    select
        period_year,
        avg(usd_per_tonne) as usd_per_tonne,
        count(*) as months_count,
        {{ dbt.listagg('distinct source_id', "', '", 'order by source_id') }} as price_source_ids
    from monthly
    group by period_year

),

priced as (

    select
        annual_prices.period_year,
        annual_prices.usd_per_tonne,
        exchange_rates.cny_per_usd,
        annual_prices.usd_per_tonne * exchange_rates.cny_per_usd as cny_per_tonne,
        annual_prices.months_count as price_months_count,
        exchange_rates.months_count as rate_months_count,
        annual_prices.price_source_ids,
        exchange_rates.source_id as rate_source_id
    from annual_prices
    left join exchange_rates
        on annual_prices.period_year = exchange_rates.period_year

)

select * from priced
