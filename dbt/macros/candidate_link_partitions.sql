{#- The parts the candidate linking falls into, with a fingerprint of everything a part's links
    are computed from. A candidate can only pair with a claim of its own source
    (candidate_matches_claim), so the links of one source's candidates depend on that source's
    candidates and claims alone (and on the unit matches); candidates without a source link to
    nothing and form one part of their own (''). int_claim_candidates_linked keeps each row's
    fingerprint, so an incremental run can tell which parts to link again.
    The three arguments are relations (or CTE names) with the columns of
    int_claim_candidates_resolved, int_claims_normalised and int_candidate_unit_matches_unioned;
    a claim counts with the columns the pairs read. -#}
{% macro candidate_link_partitions(candidates, claims, unit_matches) -%}
    select
        candidate_parts.link_partition,
        hash(
            candidate_parts.candidates_hash,
            coalesce(claim_parts.claims_hash, 0),
            (select coalesce(bit_xor(hash(matches)), 0) from {{ unit_matches }} as matches)
        ) as link_partition_fingerprint
    from (
        select
            coalesce(part_candidates.source_id, '') as link_partition,
            bit_xor(hash(part_candidates)) as candidates_hash
        from {{ candidates }} as part_candidates
        group by coalesce(part_candidates.source_id, '')
    ) as candidate_parts
    left join (
        select
            part_claims.source_id as link_partition,
            bit_xor(hash(
                part_claims.claim_id, part_claims.unit_base, part_claims.value_base,
                part_claims.bound, part_claims.metric_id, part_claims.entity_id,
                part_claims.period_as_written
            )) as claims_hash
        from {{ claims }} as part_claims
        where part_claims.source_id in (select part_sources.source_id from {{ candidates }} as part_sources)
        group by part_claims.source_id
    ) as claim_parts
        on candidate_parts.link_partition = claim_parts.link_partition
{%- endmacro %}
