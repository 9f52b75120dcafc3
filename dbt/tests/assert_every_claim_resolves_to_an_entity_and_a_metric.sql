-- Every claim's subject is a known entity (through an alias) and its metric a known metric.
select
    claim_id,
    file,
    line,
    subject_as_written,
    entity_id,
    metric_id,
    metric_family
from {{ ref('int_claims_resolved') }}
where entity_id is null or metric_family is null
