with rejected_rows as (

    select * from {{ source('raw', 'rejected_rows') }}

),

renamed as (

    select
        dataset,
        source_id,
        file,
        cast(line as integer) as line,
        column_name,
        cast(value as {{ dbt.type_string() }}) as value_as_written,
        reason,
        rejected_at
    from rejected_rows

)

select * from renamed
