-- Every claim in comparable units. Ingest has already applied scale words (亿, billion, Mt), so
-- value_base is in a base unit; here money becomes CNY (USD converted with the USD/CNY of the
-- claim's own period: the month's rate for a month, the mean of the monthly rates over a quarter,
-- half or year), masses stay in tonnes and percentages become fractions.
with claims as (

    select * from {{ ref('int_claims_resolved') }}

),

exchange_rates as (

    select * from {{ ref('stg_raw__exchange_rates') }}
    where unit_base = 'CNY/USD' and frequency = 'monthly'

),

-- The rate for each USD claim: the mean of the monthly rates over the months its period covers.
claim_rates as (

    select
        claims.claim_id,
        avg(exchange_rates.value_base) as cny_per_usd,
        count(*) as rate_months_count,
        min(exchange_rates.source_id) as rate_source_id
    from claims
    inner join exchange_rates
        on
            claims.period_year = exchange_rates.period_year
            and exchange_rates.period_month between claims.period_first_month and claims.period_last_month
    where claims.unit_base in ('USD', 'USD/t')
    group by claims.claim_id

),

normalised as (

    select
        claims.*,
        claim_rates.cny_per_usd,
        claim_rates.rate_source_id,
        case
            when claims.unit_base in ('USD', 'USD/t') then claims.value_base * claim_rates.cny_per_usd
            when claims.unit_base = 'percent' then claims.value_base / 100.0
            else claims.value_base
        end as value_normalised,
        case
            when claims.unit_base = 'USD' then 'CNY'
            when claims.unit_base = 'USD/t' then 'CNY/t'
            when claims.unit_base = 'percent' then 'fraction'
            else claims.unit_base
        end as unit_normalised
    from claims
    left join claim_rates
        on claims.claim_id = claim_rates.claim_id

)

select * from normalised
