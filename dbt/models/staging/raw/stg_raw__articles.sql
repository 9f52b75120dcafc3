with articles as (

    select * from {{ source('raw', 'articles') }}

),

renamed as (

    select
        article_path,
        article_sha256,
        source_id,
        title,
        publisher,
        published as published_as_written,
        url,
        language,
        status as article_status,
        error as article_error,
        warnings,
        cast(candidates_count as integer) as candidates_count,
        cast(text_length as integer) as text_length
    from articles

)

select * from renamed
