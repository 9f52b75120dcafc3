-- Candidates linked to the curated claims they are the text of, one to one. A pair is possible
-- when the candidate matches the claim (macros/candidate_matches_claim.sql: same source,
-- compatible units, value within 0.5 %); pairs are ranked by macros/candidate_link_order_by.sql.
-- The greedy match by that ranking is built in rounds: each round links every open pair that is
-- the best open pair of both its candidate and its claim, then closes every other pair of a
-- linked candidate or claim. With one total order over pairs this is exactly the greedy match;
-- var candidate_link_rounds bounds the rounds, and assert_candidate_links_are_maximal checks
-- that no linkable pair was left.
--
-- Incremental when only claims files changed (macros/claims_incremental.sql): the links of one
-- source's candidates depend on that source's candidates and claims alone, so each row keeps
-- the fingerprint of its part (macros/candidate_link_partitions.sql); the pre-hook deletes the
-- parts whose fingerprint changed, and the parts not in the table are linked again. A changed
-- firm statistics file, whose source no article names, links nothing again.
{%- set rounds = var('candidate_link_rounds') %}
{%- set partitions = "candidate_link_partitions(ref('int_claim_candidates_resolved'),"
    ~ " ref('int_claims_normalised'), ref('int_candidate_unit_matches_unioned'))" %}
{{ config(
    pre_hook="{% if is_incremental() %}
        delete from {{ this }} as kept
        where not exists (
            select 1
            from ({{ " ~ partitions ~ " }}) as current_parts
            where
                current_parts.link_partition = coalesce(kept.source_id, '')
                and current_parts.link_partition_fingerprint = kept.link_partition_fingerprint
        )
    {% endif %}",
    **claims_incremental_config()
) }}

with candidates as (

    select * from {{ ref('int_claim_candidates_resolved') }}
    {%- if is_incremental() %}
    where coalesce(source_id, '') not in (select distinct coalesce(kept.source_id, '') from {{ this }} as kept)
    {%- endif %}

),

-- Only the claims of sources that have candidates can match one (a pair needs the same
-- source): a few sources' rows, where the join read all ten million claims (0.64 -> 0.38 s at
-- benchmark scale).
claims as (

    select * from {{ ref('int_claims_normalised') }}
    where source_id in (select candidates.source_id from candidates)

),

unit_matches as (

    select * from {{ ref('int_candidate_unit_matches_unioned') }}

),

partitions as (

    {{ candidate_link_partitions('candidates', 'claims', 'unit_matches') }}

),

pairs as (

    select
        candidates.candidate_id,
        claims.claim_id,
        candidates.article_path,
        candidates.span_start,
        coalesce(candidates.bound = claims.bound, false) as is_same_bound,
        coalesce(candidates.metric_id = claims.metric_id, false) as is_same_metric,
        coalesce(candidates.unit = claims.unit_base, false) as is_same_unit,
        coalesce(candidates.entity_id = claims.entity_id, false) as is_same_entity,
        coalesce(candidates.period_as_written = claims.period_as_written, false) as is_same_period,
        -- A zero claim matches only a zero candidate (the tolerance is relative).
        coalesce(
            abs(candidates.value * unit_matches.factor_to_claim_unit - claims.value_base)
            / nullif(abs(claims.value_base), 0),
            0
        ) as relative_difference
    from candidates
    inner join unit_matches
        on candidates.unit = unit_matches.candidate_unit
    inner join claims
        on {{ candidate_matches_claim('candidates', 'claims', 'unit_matches') }}

),

-- Round 0: every pair is open.
marked_pairs_0 as (

    select
        pairs.*,
        false as is_candidate_taken,
        false as is_claim_taken
    from pairs

),

{% for round_number in range(1, rounds + 1) %}
    open_pairs_{{ round_number }} as (

        select
            candidate_id,
            claim_id,
            article_path,
            span_start,
            is_same_bound,
            is_same_metric,
            is_same_unit,
            is_same_entity,
            is_same_period,
            relative_difference
        from marked_pairs_{{ round_number - 1 }}
        where not is_candidate_taken and not is_claim_taken

    ),

    ranked_pairs_{{ round_number }} as (

        select
            open_pairs.*,
            row_number() over (
                partition by open_pairs.candidate_id
                order by {{ candidate_link_order_by('open_pairs') }}
            ) = 1 as is_best_for_candidate,
            row_number() over (
                partition by open_pairs.claim_id
                order by {{ candidate_link_order_by('open_pairs') }}
            ) = 1 as is_best_for_claim
        from open_pairs_{{ round_number }} as open_pairs

    ),

    -- A pair that is best for both its candidate and its claim is linked; every other pair of
    -- that candidate or claim is taken, so it is not open in the next round.
    marked_pairs_{{ round_number }} as (

        select
            ranked_pairs.*,
            {{ round_number }} as link_round,
            ranked_pairs.is_best_for_candidate and ranked_pairs.is_best_for_claim as is_linked,
            max(
                case when ranked_pairs.is_best_for_candidate and ranked_pairs.is_best_for_claim then 1 else 0 end
            ) over (partition by ranked_pairs.candidate_id) = 1 as is_candidate_taken,
            max(
                case when ranked_pairs.is_best_for_candidate and ranked_pairs.is_best_for_claim then 1 else 0 end
            ) over (partition by ranked_pairs.claim_id) = 1 as is_claim_taken
        from ranked_pairs_{{ round_number }} as ranked_pairs

    ),

{% endfor %}
links as (

    {% for round_number in range(1, rounds + 1) %}
        select
            candidate_id,
            claim_id,
            link_round,
            is_same_bound,
            is_same_metric,
            is_same_unit,
            is_same_entity,
            is_same_period,
            relative_difference
        from marked_pairs_{{ round_number }}
        where is_linked
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- How many curated claims each candidate could be (linked or not): a candidate that matches a
-- claim linked to another mention repeats a figure that is already curated.
matching_claims as (

    select
        candidate_id,
        count(*) as matching_claims_count
    from pairs
    group by candidate_id

),

linked as (

    select
        candidates.*,
        links.claim_id,
        links.claim_id is not null as is_linked,
        links.link_round,
        links.is_same_bound,
        links.is_same_metric,
        links.is_same_unit,
        links.is_same_entity,
        links.is_same_period,
        links.relative_difference,
        coalesce(matching_claims.matching_claims_count, 0) as matching_claims_count,
        partitions.link_partition_fingerprint,
        -- The dbt run that wrote the row (the review queue is rebuilt when this run wrote any).
        '{{ invocation_id }}' as linked_in_invocation
    from candidates
    inner join partitions
        on coalesce(candidates.source_id, '') = partitions.link_partition
    left join links
        on candidates.candidate_id = links.candidate_id
    left join matching_claims
        on candidates.candidate_id = matching_claims.candidate_id

)

select * from linked
