-- Every span a claim is linked to points at real characters: it ends after it starts, its
-- surface is as long as the span (offsets are characters of the file as read), it lies inside
-- its sentence, and it is in an article of the claim's own source.
{{ config(meta={'dagster': {'ref': {'name': 'fct_claims'}}}) }}

select
    claims.claim_id,
    claims.candidate_id,
    claims.article_path,
    claims.span_start,
    claims.span_end,
    claims.span_surface
from {{ ref('fct_claims') }} as claims
left join {{ ref('stg_raw__articles') }} as articles
    on claims.article_path = articles.article_path
where
    claims.has_text_span
    and (
        claims.span_start is null
        or claims.span_end is null
        or claims.span_end <= claims.span_start
        or coalesce(trim(claims.span_surface), '') = ''
        or {{ dbt.length('claims.span_surface') }} <> claims.span_end - claims.span_start
        or claims.span_start < claims.sentence_start
        or claims.span_end > claims.sentence_end
        or articles.source_id is null
        or articles.source_id <> claims.source_id
    )
