{#- ORDER BY list that ranks (candidate, claim) pairs, best first, for the one-to-one link of
    int_claim_candidates_linked. One total order over all pairs, so a claim's best candidate
    and a candidate's best claim are read off the same ranking:
      1. same bound (exact, at_least, at_most, approx) as the claim
      2. same metric id as the claim (the extractor's guess)
      3. same unit as the claim's base unit (no conversion through the unit-match seed)
      4. same entity as the claim (the candidate's subject resolved through the aliases)
      5. same period as the claim (as written: 2019, 2020-H1 ...)
      6. nearer value (smaller relative difference)
      7. earlier in the article: article path, then span start, then candidate id
      8. claim id -#}
{% macro candidate_link_order_by(relation_alias) -%}
    {{ relation_alias }}.is_same_bound desc,
    {{ relation_alias }}.is_same_metric desc,
    {{ relation_alias }}.is_same_unit desc,
    {{ relation_alias }}.is_same_entity desc,
    {{ relation_alias }}.is_same_period desc,
    {{ relation_alias }}.relative_difference asc,
    {{ relation_alias }}.article_path asc,
    {{ relation_alias }}.span_start asc,
    {{ relation_alias }}.candidate_id asc,
    {{ relation_alias }}.claim_id asc
{%- endmacro %}
