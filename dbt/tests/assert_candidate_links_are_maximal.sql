-- The one-to-one link leaves no pair behind: no unlinked candidate matches an unlinked claim
-- (macros/candidate_matches_claim.sql). A row here means the greedy match needed more rounds
-- than var candidate_link_rounds; raise it.
{{ config(meta={'dagster': {'ref': {'name': 'int_claim_candidates_linked'}}}) }}

with candidates as (

    select * from {{ ref('int_claim_candidates_linked') }}

),

-- Only the claims of sources that have candidates can match one (a pair needs the same source).
claims as (

    select * from {{ ref('int_claims_normalised') }}
    where source_id in (select candidates.source_id from candidates)

),

unit_matches as (

    select * from {{ ref('int_candidate_unit_matches_unioned') }}

),

linked_claims as (

    select claim_id
    from candidates
    where claim_id is not null

)

select
    candidates.candidate_id,
    claims.claim_id
from candidates
inner join unit_matches
    on candidates.unit = unit_matches.candidate_unit
inner join claims
    on {{ candidate_matches_claim('candidates', 'claims', 'unit_matches') }}
left join linked_claims
    on claims.claim_id = linked_claims.claim_id
where
    candidates.claim_id is null
    and linked_claims.claim_id is null
