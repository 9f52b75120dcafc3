-- Lists every curated claim whose source has an article with text in raw/articles/ but that no
-- figure of that text was linked to. Warns rather than fails: the figure may not be in the text
-- (a headline label, a figure from a table) or may be written in a way the extractor does not
-- read yet (a year it takes for a date). A claim that could link to an unlinked figure fails
-- assert_candidate_links_are_maximal instead.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_claims'}}}) }}

with articles_with_text as (

    select distinct source_id
    from {{ ref('stg_raw__articles') }}
    where
        article_status in ('extracted', 'unchanged')
        and text_length > 0
        and source_id is not null

)

select
    claims.claim_id,
    claims.source_id,
    claims.metric_id,
    claims.value_as_written,
    claims.unit_as_written,
    claims.bound,
    claims.location_note
from {{ ref('fct_claims') }} as claims
inner join articles_with_text
    on claims.source_id = articles_with_text.source_id
where not claims.has_text_span
