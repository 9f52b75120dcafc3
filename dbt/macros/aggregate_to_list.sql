{#- Aggregate distinct values into an ordered list (array) column. -#}
{% macro aggregate_to_list(expression, order_by) -%}
    {{ return(adapter.dispatch('aggregate_to_list', 'alcap')(expression, order_by)) }}
{%- endmacro %}

{% macro default__aggregate_to_list(expression, order_by) -%}
    array_agg(distinct {{ expression }} order by {{ order_by }})
{%- endmacro %}

{% macro duckdb__aggregate_to_list(expression, order_by) -%}
    list(distinct {{ expression }} order by {{ order_by }})
{%- endmacro %}
