-- Every claim in comparable units. Ingest has already applied scale words (亿, billion, Mt), so
-- value_base is in a base unit; seeds/units.csv says what each base unit becomes in the marts and
-- by what factor (percent → fraction × 0.01). US dollars have no fixed factor: they are converted
-- with the USD/CNY of the claim's own period (the month's rate for a month, the mean of the monthly
-- rates over a quarter, half or year).
--
-- Incremental when only claims files changed (macros/claims_incremental.sql): the rows of files
-- loaded again or no longer loaded are deleted first (read from int_claims_unioned, which has
-- no joins to compute), then the claims of files not in the table are added.
-- depends_on: {{ ref('int_claims_unioned') }}
{{ config(
    pre_hook="{% if is_incremental() %}
        delete from {{ this }} as kept
        where {{ file_load_not_in('kept', this, ref('int_claims_unioned')) }}
    {% endif %}",
    **claims_incremental_config()
) }}

with claims as {{ claims_input_cte() }} (

    select * from {{ ref('int_claims_resolved') }}
    {%- if is_incremental() %}
    -- The files not in the table, named first (a scan of each side): DuckDB then reads only
    -- their rows, where "not in the table" resolved every claim to test it (0.3 s -> 0.04 s at
    -- benchmark scale).
    where file in (
        select distinct unioned.file from {{ ref('int_claims_unioned') }} as unioned
        except
        select distinct kept.file from {{ this }} as kept
    )
    {%- endif %}

),

units as (

    select * from {{ ref('units') }}
    where is_curatable

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
    inner join units
        on claims.unit_base = units.unit_base
    inner join exchange_rates
        on
            claims.period_year = exchange_rates.period_year
            and exchange_rates.period_month between claims.period_first_month and claims.period_last_month
    where units.dimension in ('money_usd', 'price_usd')
    group by claims.claim_id

),

normalised as (

    select
        claims.*,
        units.dimension as unit_dimension,
        claim_rates.cny_per_usd,
        claim_rates.rate_months_count,
        claim_rates.rate_source_id,
        case
            when units.dimension in ('money_usd', 'price_usd')
                then claims.value_base * claim_rates.cny_per_usd
            else claims.value_base * units.factor_to_mart_unit
        end as value_normalised,
        units.mart_unit as unit_normalised,
        -- The dbt run that wrote the row (its unique test reads only this run's rows).
        '{{ invocation_id }}' as normalised_in_invocation
    from claims
    left join units
        on claims.unit_base = units.unit_base
    left join claim_rates
        on claims.claim_id = claim_rates.claim_id

)

select * from normalised
