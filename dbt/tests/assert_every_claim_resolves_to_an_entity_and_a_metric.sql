-- Every claim's subject is a known entity (through an alias) and its metric a known metric,
-- read from int_claims_normalised (int_claims_resolved's claims, materialised).
select
    claim_id,
    file,
    line,
    subject_as_written,
    entity_id,
    metric_id,
    metric_family
from {{ ref('int_claims_normalised') }}
where entity_id is null or metric_family is null
