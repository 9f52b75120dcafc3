{#- ORDER BY list that ranks the claims of one group, best first (see claim_ranking_steps). -#}
{% macro claim_ranking_order_by(relation_alias=none) -%}
    {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
    {%- for step in claim_ranking_steps() -%}
        {{ prefix }}{{ step.column }} {{ step.direction }} nulls last{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
