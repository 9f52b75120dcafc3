-- A claim comes out in the unit its metric expects (seeds/metrics.csv canonical_unit); a
-- mismatch usually means a wrong metric or unit in a claims file. Warns rather than fails.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_claims_normalised'}}}) }}

select
    claims.claim_id,
    claims.file,
    claims.line,
    claims.metric_id,
    claims.unit_normalised,
    metrics.canonical_unit
from {{ ref('int_claims_normalised') }} as claims
inner join {{ ref('metrics') }} as metrics
    on claims.metric_id = metrics.metric_id
where claims.unit_normalised <> metrics.canonical_unit
