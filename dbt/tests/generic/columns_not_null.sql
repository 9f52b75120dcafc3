{#- Fails with one row per listed column that has nulls, and how many. One scan of the model
    for all its required columns, instead of one dbt test node (and one scan) per column. -#}
{% test columns_not_null(model, column_names) %}

with null_counts as (
    select
        {%- for column_name in column_names %}
            count(*) filter (
                where {{ adapter.quote(column_name) }} is null
            ) as {{ adapter.quote(column_name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

select
    column_name,
    null_rows
from (
    unpivot null_counts
    on columns(*)
    into name column_name value null_rows
)
where null_rows > 0

{% endtest %}
