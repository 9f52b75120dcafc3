-- Annual USD/CNY: the mean of the year's monthly averages (FRED EXCHUS), with how many months it rests on.
with exchange_rates as (

    select * from {{ ref('stg_raw__exchange_rates') }}
    where unit_base = 'CNY/USD' and frequency = 'monthly'

),

annualised as (

    select
        period_year,
        avg(value_base) as cny_per_usd,
        count(*) as months_count,
        min(source_id) as source_id
    from exchange_rates
    group by period_year

)

select * from annualised
