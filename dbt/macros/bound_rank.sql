{#- How tightly a bound pins the value, for ranking claims: exact 3, approx 2, at_least/at_most 1. -#}
{% macro bound_rank(bound_column) -%}
    case {{ bound_column }}
        when 'exact' then 3
        when 'approx' then 2
        else 1
    end
{%- endmacro %}
