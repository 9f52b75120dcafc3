-- Every source in the registry, with how much of it reached the warehouse.
with sources as (

    select * from {{ ref('stg_raw__source_registry') }}

),

claims as (

    select * from {{ ref('int_claims_reconciled') }}

),

claim_counts as (

    select
        source_id,
        count(*) as claims_count,
        count(case when is_reported then 1 end) as reported_claims_count
    from claims
    group by source_id

),

rejected_rows as (

    select * from {{ ref('stg_raw__rejected_rows') }}

),

rejection_counts as (

    select
        source_id,
        count(*) as rejected_rows_count
    from rejected_rows
    where source_id is not null
    group by source_id

),

final as (

    select
        sources.source_id,
        sources.source_kind,
        sources.publisher,
        sources.title,
        sources.url,
        sources.published_as_written,
        sources.published_date,
        sources.retrieved_date,
        sources.licence,
        sources.trust_grade,
        sources.trust_rank,
        sources.language,
        sources.dataset,
        sources.file_format,
        sources.files,
        coalesce(claim_counts.claims_count, 0) as claims_count,
        coalesce(claim_counts.reported_claims_count, 0) as reported_claims_count,
        coalesce(rejection_counts.rejected_rows_count, 0) as rejected_rows_count
    from sources
    left join claim_counts
        on sources.source_id = claim_counts.source_id
    left join rejection_counts
        on sources.source_id = rejection_counts.source_id

)

select * from final
