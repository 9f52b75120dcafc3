{#- One row per entry of a delimited text column, as a select-list expression.
    Set-returning functions differ by engine, so each engine gets its own spelling. -#}
{% macro split_to_rows(column_name, delimiter) -%}
    {{ return(adapter.dispatch('split_to_rows', 'alcap')(column_name, delimiter)) }}
{%- endmacro %}

{% macro default__split_to_rows(column_name, delimiter) -%}
    unnest(string_to_array({{ column_name }}, '{{ delimiter }}'))
{%- endmacro %}

{% macro duckdb__split_to_rows(column_name, delimiter) -%}
    unnest(string_split({{ column_name }}, '{{ delimiter }}'))
{%- endmacro %}
