with source_registry as (

    select * from {{ source('raw', 'source_registry') }}

),

renamed as (

    select
        source_id,
        kind as source_kind,
        publisher,
        title,
        url,
        cast(published as {{ dbt.type_string() }}) as published_as_written,
        -- A publication date may be a year, a month or a day: take the first day it can mean.
        case
            when {{ dbt.length('published') }} = 4
                then {{ dbt.safe_cast(dbt.concat(['published', "'-01-01'"]), 'date') }}
            when {{ dbt.length('published') }} = 7
                then {{ dbt.safe_cast(dbt.concat(['published', "'-01'"]), 'date') }}
            else {{ dbt.safe_cast('published', 'date') }}
        end as published_date,
        {{ dbt.safe_cast('retrieved', 'date') }} as retrieved_date,
        licence,
        trust as trust_grade,
        cast(trust_rank as integer) as trust_rank,
        language,
        dataset,
        format as file_format,
        files,
        text_files,
        cadence,
        {{ dbt.safe_cast('next_release', 'date') }} as next_release_date
    from source_registry

)

select * from renamed
