{#- Fails with one row per listed column that has nulls, and how many. One scan of the model
    for all its required columns, instead of one dbt test node (and one scan) per column.

    For a claims model updated incrementally (macros/claims_incremental.sql), `written_in` names
    the column holding the dbt invocation that wrote each row, of the model or, with
    `written_in_rows_of`, of that relation's row with the same `key`. On a claims-incremental run
    only the rows written in this run are scanned: the rows kept from earlier runs passed those
    runs' tests (a refresh after a failed one rebuilds in full), and an update that keeps a row
    sets none of these columns to null. A full build, and dbt run by hand, scan every row.

    For a raw table, `loaded_at` names the column holding when ingest wrote the row: on a
    claims-incremental run only the rows of its newest load are scanned (those of the files this
    refresh loaded; a file ingest carries over keeps its rows, and the time they were loaded,
    and those rows passed the test after that load). -#}
{% test columns_not_null(model, column_names, written_in=none, written_in_rows_of=none, key='claim_id', loaded_at=none) %}

with null_counts as (
    select
        {%- for column_name in column_names %}
            count(*) filter (
                where {{ adapter.quote(column_name) }} is null
            ) as {{ adapter.quote(column_name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
    {%- if written_in and claims_incremental() %}
        {%- if written_in_rows_of %}
    where {{ key }} in (
        select written.{{ key }}
        from {{ written_in_rows_of }} as written
        where written.{{ written_in }} = '{{ invocation_id }}'
    )
        {%- else %}
    where {{ written_in }} = '{{ invocation_id }}'
        {%- endif %}
    {%- elif loaded_at and claims_incremental() %}
    where {{ loaded_at }} = (select max(newest.{{ loaded_at }}) from {{ model }} as newest)
    {%- endif %}
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
