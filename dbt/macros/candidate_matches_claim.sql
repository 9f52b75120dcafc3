{#- True when a candidate can be the text of a curated claim: same source, compatible units
    (int_candidate_unit_matches_unioned gives the factor from the candidate's unit to the
    claim's base unit) and the same value within the relative tolerance (var candidate_link_tolerance,
    0.5 %) of the claim's value_base. A candidate of an article that names no source matches
    nothing, and neither does a change ("up 19 cents", "fell 3.2%"): a claim is a level. -#}
{% macro candidate_matches_claim(candidate_alias, claim_alias, unit_match_alias) -%}
    {%- set tolerance = var('candidate_link_tolerance') -%}
    {{ candidate_alias }}.source_id = {{ claim_alias }}.source_id
    and coalesce({{ candidate_alias }}.change_kind, 'level') = 'level'
    and {{ candidate_alias }}.unit = {{ unit_match_alias }}.candidate_unit
    and {{ claim_alias }}.unit_base = {{ unit_match_alias }}.claim_unit_base
    and abs({{ candidate_alias }}.value * {{ unit_match_alias }}.factor_to_claim_unit - {{ claim_alias }}.value_base)
    <= {{ tolerance }} * abs({{ claim_alias }}.value_base)
{%- endmacro %}
