{#- The day freshness is judged on: dbt var as_of_date (YYYY-MM-DD) when given, so that tests are
    deterministic, else the day dbt runs. -#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of_date', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
