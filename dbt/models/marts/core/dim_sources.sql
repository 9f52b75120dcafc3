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

source_rows as (

    select * from {{ ref('int_source_rows_counted') }}

),

row_counts as (

    select
        source_id,
        cast(sum(rows_read) as bigint) as rows_read,
        cast(sum(rows_loaded) as bigint) as rows_loaded,
        cast(sum(rows_rejected) as bigint) as rows_rejected
    from source_rows
    where source_id is not null
    group by source_id

),

latest_periods as (

    select * from {{ ref('int_source_latest_periods_found') }}

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
        sources.text_files,
        coalesce(claim_counts.claims_count, 0) as claims_count,
        coalesce(claim_counts.reported_claims_count, 0) as reported_claims_count,
        coalesce(row_counts.rows_read, 0) as rows_read,
        coalesce(row_counts.rows_loaded, 0) as rows_loaded,
        coalesce(row_counts.rows_rejected, 0) as rows_rejected,
        sources.cadence,
        sources.next_release_date,
        latest_periods.latest_period_date,
        {{ source_fresh_until('sources.cadence', 'latest_periods.latest_period_date') }}
            as fresh_until_date,
        {{ as_of_date() }} as freshness_as_of_date,
        {{ source_stale_reason(
            'sources.cadence', 'latest_periods.latest_period_date',
            'sources.next_release_date', as_of_date()
        ) }} is not null as is_stale,
        {{ source_stale_reason(
            'sources.cadence', 'latest_periods.latest_period_date',
            'sources.next_release_date', as_of_date()
        ) }} as stale_reason
    from sources
    left join claim_counts
        on sources.source_id = claim_counts.source_id
    left join row_counts
        on sources.source_id = row_counts.source_id
    left join latest_periods
        on sources.source_id = latest_periods.source_id

)

select * from final
