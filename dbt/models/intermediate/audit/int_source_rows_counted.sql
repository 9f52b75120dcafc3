-- Rows per source and file: the one definition of "rows of a source" (dim_sources and
-- `alcap sources` read it). Loaded rows come from the raw tables, rejected rows from the
-- rejections, counted once per line. A rejected line that names no valid source (a malformed
-- row, an unknown source id) belongs to its file's source when the file has only one; in a file
-- shared by several sources it is counted under source_id null, so totals still equal the files'.
with registry as (

    select * from {{ ref('stg_raw__source_registry') }}

),

rejected_rows as (

    select * from {{ ref('stg_raw__rejected_rows') }}

),

file_loads as (

    select * from {{ ref('stg_raw__file_loads') }}

),

listed_files as (

    select
        source_id,
        unnest(list_concat(files, text_files)) as file
    from registry

),

file_owners as (

    select
        file,
        count(*) as owners_count,
        min(source_id) as only_owner
    from listed_files
    group by file

),

-- Lines loaded per source and file. A claims file's line holds one claim (a line the loader
-- cannot read as one claim is rejected whole), so its rows are counted as they are; a series
-- file's line can hold several rows (a wide line, one row per period), so its distinct lines are.
-- Counting distinct lines over ten million claims took 2.7 s, counting rows 0.05 s.
loaded_lines as (

    select
        source_id,
        file,
        count(*) as lines_count
    from {{ ref('stg_raw__article_claims') }}
    group by source_id, file
    union all
    select
        source_id,
        file,
        count(*) as lines_count
    from {{ ref('stg_raw__point_statistics') }}
    group by source_id, file
    union all
    select
        source_id,
        file,
        count(distinct line) as lines_count
    from {{ ref('stg_raw__production_series') }}
    group by source_id, file
    union all
    select
        source_id,
        file,
        count(distinct line) as lines_count
    from {{ ref('stg_raw__price_series') }}
    group by source_id, file
    union all
    select
        source_id,
        file,
        count(distinct line) as lines_count
    from {{ ref('stg_raw__exchange_rates') }}
    group by source_id, file
    union all
    -- an article is one raw row
    select distinct
        source_id,
        article_path as file,
        1 as lines_count
    from {{ ref('stg_raw__articles') }}

),

loaded as (

    -- rows this load wrote: the rows a failed file kept from an earlier load are not counted
    select
        loaded_lines.source_id,
        loaded_lines.file,
        cast(sum(loaded_lines.lines_count) as bigint) as rows_loaded
    from loaded_lines
    inner join file_loads
        on loaded_lines.file = file_loads.file
    where file_loads.load_status <> 'failed'
    group by loaded_lines.source_id, loaded_lines.file

),

rejected_lines as (

    select distinct
        rejected_rows.file,
        rejected_rows.line,
        case
            when listed_files.source_id is not null then listed_files.source_id
            when file_owners.owners_count = 1 then file_owners.only_owner
        end as source_id
    from rejected_rows
    inner join file_owners
        on rejected_rows.file = file_owners.file
    left join listed_files
        on
            rejected_rows.file = listed_files.file
            and rejected_rows.source_id = listed_files.source_id
    where rejected_rows.line > 0

),

rejected_per_kind as (

    select
        source_id,
        file,
        count(*) as rows_rejected
    from rejected_lines
    group by source_id, file

    union all

    -- a file that could not be read at all: all its rows are rejected, counted once per file
    select
        file_owners.only_owner as source_id,
        file_loads.file,
        file_loads.rows_rejected
    from file_loads
    inner join file_owners
        on file_loads.file = file_owners.file
    where file_loads.load_status = 'failed'

),

rejected as (

    select
        source_id,
        file,
        cast(sum(rows_rejected) as bigint) as rows_rejected
    from rejected_per_kind
    group by source_id, file

),

source_files as (

    select
        source_id,
        file
    from listed_files
    union
    select
        source_id,
        file
    from rejected
    where source_id is null

),

final as (

    select
        source_files.source_id,
        source_files.file,
        coalesce(loaded.rows_loaded, 0) + coalesce(rejected.rows_rejected, 0) as rows_read,
        coalesce(loaded.rows_loaded, 0) as rows_loaded,
        coalesce(rejected.rows_rejected, 0) as rows_rejected
    from source_files
    left join loaded
        on source_files.source_id = loaded.source_id and source_files.file = loaded.file
    left join rejected
        on
            source_files.source_id is not distinct from rejected.source_id
            and source_files.file = rejected.file

)

select * from final
