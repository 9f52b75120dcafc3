{#- An empty list of strings, to stand in for a missing aggregate_to_list. -#}
{% macro empty_list() -%}
    {{ return(adapter.dispatch('empty_list', 'alcap')()) }}
{%- endmacro %}

{% macro default__empty_list() -%}
    cast(array[] as {{ dbt.type_string() }}[])
{%- endmacro %}

{% macro duckdb__empty_list() -%}
    cast([] as varchar[])
{%- endmacro %}
