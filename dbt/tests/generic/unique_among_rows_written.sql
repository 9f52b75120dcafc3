{#- `unique` for a claims model that is updated incrementally (macros/claims_incremental.sql),
    whose column `written_in` holds the dbt invocation that wrote each row. On a claims-
    incremental run only the values of the rows written in this run are looked up, each against
    the whole table: the rows kept from earlier runs were unique when those runs' tests passed
    (a refresh after a failed one rebuilds in full), and deleting rows repeats nothing, so any
    repeated value now has a row written in this run. A full build, and dbt run by hand, check
    every value (macros/test_unique.sql). -#}
{% test unique_among_rows_written(model, column_name, written_in) %}

{%- if claims_incremental() %}

select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where
    {{ column_name }} in (
        select written.{{ column_name }}
        from {{ model }} as written
        where written.{{ written_in }} = '{{ invocation_id }}'
    )
group by {{ column_name }}
having count(*) > 1

{%- else %}

{{ adapter.dispatch('test_unique', 'dbt')(model, column_name) }}

{%- endif %}

{% endtest %}
