with file_loads as (

    select * from {{ source('raw', 'file_loads') }}

),

renamed as (

    select
        dataset,
        file,
        sha256,
        cast(rows_read as integer) as rows_read,
        cast(rows_loaded as integer) as rows_loaded,
        cast(rows_rejected as integer) as rows_rejected,
        status as load_status,
        error as load_error,
        loaded_at
    from file_loads

)

select * from renamed
