{#- dbt's `unique` test on DuckDB, grouping the values' 64-bit hashes instead of the values:
    at ten million claim ids the plain GROUP BY over the text took 4 s a test, over the hashes
    well under one. Values that share a hash are grouped again by value, so a failure lists
    the repeated values exactly as dbt's own test does, and two different values that only
    share a hash do not fail. -#}
{% macro duckdb__test_unique(model, column_name) %}

with repeated_hashes as (
    select hash({{ column_name }}) as value_hash
    from {{ model }}
    where {{ column_name }} is not null
    group by value_hash
    having count(*) > 1
)

select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where
    {{ column_name }} is not null
    and hash({{ column_name }}) in (select repeated_hashes.value_hash from repeated_hashes)
group by {{ column_name }}
having count(*) > 1

{% endmacro %}
