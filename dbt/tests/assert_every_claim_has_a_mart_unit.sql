-- Every claim's base unit is in seeds/units.csv, and US-dollar claims found an exchange rate.
select
    claim_id,
    file,
    line,
    unit_base,
    unit_normalised,
    value_normalised
from {{ ref('int_claims_normalised') }}
where unit_normalised is null or value_normalised is null
