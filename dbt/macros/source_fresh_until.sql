{#- The last day on which a source still counts as fresh, judged by its age: the first day of
    its latest period, plus the period's length, plus the lag its cadence allows for the next
    figures to appear (monthly: 1 + 2 months; quarterly: 3 + 4; annual: 12 + 18). Null for
    sources without an age limit (irregular, once, no cadence) or without any period. -#}
{% macro source_fresh_until(cadence, latest_period_date) -%}
    cast(
        case {{ cadence }}
            when 'monthly' then {{ dbt.dateadd('month', 3, latest_period_date) }}
            when 'quarterly' then {{ dbt.dateadd('month', 7, latest_period_date) }}
            when 'annual' then {{ dbt.dateadd('month', 30, latest_period_date) }}
        end as date
    )
{%- endmacro %}
