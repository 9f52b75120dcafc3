with claim_candidates as (

    select * from {{ source('raw', 'claim_candidates') }}

),

renamed as (

    select
        candidate_id,
        article_sha256,
        file as article_path,
        source_id,
        value,
        unit,
        surface,
        cast(span_start as integer) as span_start,
        cast(span_end as integer) as span_end,
        cast(sentence_start as integer) as sentence_start,
        cast(sentence_end as integer) as sentence_end,
        sentence,
        bound,
        subject as subject_as_written,
        metric as metric_id,
        period as period_as_written,
        period_rule,
        value_low,
        value_high,
        change as change_kind,
        subject_rule
    from claim_candidates

)

select * from renamed
