{#- The claims models (int_claims_normalised, int_claims_reconciled, fct_claims) hold one row
    per claim: ten million at benchmark scale. When the only inputs that changed since the last
    build are claims files, a refresh updates just the claims of the files that changed (and the
    groups they touch), and int_claim_candidates_linked and fct_claim_review_queue what those
    claims change. `alcap refresh` and the raw-files sensor decide that (refresh_plan.py)
    and set ALCAP_CLAIMS_INCREMENTAL=1 for dbt; in every other case, and whenever dbt is run by
    hand, these models are rebuilt in full, because a changed seed, rate or registry entry can
    move any claim. -#}
{% macro claims_incremental() -%}
    {{ return(env_var('ALCAP_CLAIMS_INCREMENTAL', '0') == '1') }}
{%- endmacro %}

{#- The config every model updated this way shares, besides its own hooks:
    `config(pre_hook=..., **claims_incremental_config())` (Jinja takes ** last). Appended rows after the model's
    own deletes; rebuilt whole unless the run is claims-incremental; a changed schema fails
    (any code change rebuilds everything anyway). -#}
{% macro claims_incremental_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'full_refresh': not claims_incremental(),
    }) }}
{%- endmacro %}

{#- Whether a row of `own` belongs to a file load (file, loaded_at) that `current` lacks: in one
    direction the rows of a file that was loaded again or is no longer loaded, in the other the
    rows of a file loaded since. Both are tables of ten million claims at benchmark scale. The
    loads that differ are found first, a handful of (file, loaded_at) pairs from two scans, and
    the rows matched to them: DuckDB then reads only the row groups of those files (it pushes the
    few keys' range into the scan), where "no such load in `current`" probed every row (the
    reconciled claims' delete in a one-file refresh 0.77 -> 0.3 s). -#}
{% macro file_load_not_in(relation_alias, own, current) -%}
    exists (
        select 1
        from (
            select distinct own_loads.file, own_loads.loaded_at from {{ own }} as own_loads
            except
            select distinct current_loads.file, current_loads.loaded_at from {{ current }} as current_loads
        ) as changed_loads
        where
            changed_loads.file = {{ relation_alias }}.file
            and changed_loads.loaded_at = {{ relation_alias }}.loaded_at
    )
{%- endmacro %}

{#- The group a claim is reconciled in: same entity, metric family, product (its chain stage when
    it resolves to one), market scope, period and normalised unit. -#}
{% macro claim_group_id(alias) -%}
    {{ dbt.concat([
        "coalesce(" ~ alias ~ ".entity_id, '?')", "'|'",
        "coalesce(" ~ alias ~ ".metric_family, '?')", "'|'",
        claim_product_key(alias), "'|'",
        "coalesce(" ~ alias ~ ".market_scope, '')", "'|'",
        alias ~ ".period_as_written", "'|'",
        alias ~ ".unit_normalised"
    ]) }}
{%- endmacro %}

{#- A product resolves to a chain stage when it can, so "rod" and "rod or billet" meet. -#}
{% macro claim_product_key(alias) -%}
    coalesce({{ alias }}.stage_id, lower(trim({{ alias }}.product_as_written)), '')
{%- endmacro %}

{#- How a claims model's input CTE, read by several CTEs after it, is to be held. In a full build
    it is every claim (ten million at benchmark scale, every column): held whole under dbt's
    3 GB bound it spilled gigabytes (int_claims_normalised: 29 s against 9 s streamed twice;
    int_claims_reconciled: 144 s against 31 s), so each reader streams it. In an incremental
    build it is the few claims not in the table, worked out once. -#}
{% macro claims_input_cte() -%}
    {{ 'materialized' if is_incremental() else 'not materialized' }}
{%- endmacro %}
