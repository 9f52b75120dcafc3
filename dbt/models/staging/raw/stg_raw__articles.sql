with articles as (

    select * from {{ source('raw', 'articles') }}

),

renamed as (

    select
        file as article_path,
        source_id,
        article_sha256,
        title,
        publisher,
        published as published_as_written,
        url,
        language,
        header_source_id,
        status as article_status,
        warnings,
        cast(candidates_count as integer) as candidates_count,
        cast(text_length as integer) as text_length
    from articles

)

select * from renamed
