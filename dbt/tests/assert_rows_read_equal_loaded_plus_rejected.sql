-- Ingest loses nothing silently: for every file, rows read = rows loaded + rows rejected.
select
    dataset,
    file,
    rows_read,
    rows_loaded,
    rows_rejected
from {{ ref('stg_raw__file_loads') }}
where rows_read <> rows_loaded + rows_rejected
