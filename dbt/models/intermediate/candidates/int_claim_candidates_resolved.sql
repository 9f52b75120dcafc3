-- Each candidate claim with its words resolved to the vocabulary, as claims are: the subject to
-- an entity through the aliases, the metric guess to a curatable metric of seeds/metrics.csv, the
-- unit to a curatable unit of seeds/units.csv (one ingest can load). The extractor's loose
-- guesses are in the tables too, marked not curatable.
with candidates as (

    select * from {{ ref('stg_raw__claim_candidates') }}

),

articles as (

    select * from {{ ref('stg_raw__articles') }}

),

entity_aliases as (

    select * from {{ ref('int_entity_aliases_unioned') }}

),

metrics as (

    select * from {{ ref('metrics') }}
    where is_curatable

),

units as (

    select * from {{ ref('units') }}
    where is_curatable

),

resolved as (

    select
        candidates.candidate_id,
        candidates.article_path,
        candidates.article_sha256,
        articles.article_status,
        candidates.source_id,
        candidates.value,
        candidates.unit,
        coalesce(units.unit_base is not null, false) as is_unit_known,
        candidates.surface,
        candidates.span_start,
        candidates.span_end,
        candidates.sentence_start,
        candidates.sentence_end,
        candidates.sentence,
        candidates.bound,
        candidates.subject_as_written,
        entity_aliases.entity_id,
        candidates.metric_id,
        metrics.metric_family,
        coalesce(metrics.metric_id is not null, false) as is_metric_known,
        candidates.period_as_written,
        candidates.period_rule,
        candidates.value_low,
        candidates.value_high,
        candidates.change_kind,
        candidates.subject_rule
    from candidates
    left join articles
        on candidates.article_path = articles.article_path
    left join entity_aliases
        on lower(trim(candidates.subject_as_written)) = entity_aliases.alias_key
    left join metrics
        on candidates.metric_id = metrics.metric_id
    left join units
        on candidates.unit = units.unit_base

)

select * from resolved
