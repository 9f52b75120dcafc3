{#- Why a source is stale on as_of_date, or null when it is not: the one rule of freshness.
    Stale when its latest period is older than its cadence allows (source_fresh_until), when a
    periodic source has no period at all, or when its announced next release has passed. -#}
{% macro source_stale_reason(cadence, latest_period_date, next_release_date, as_of_date) -%}
    case
        when
            {{ cadence }} in ('monthly', 'quarterly', 'annual')
            and {{ latest_period_date }} is null
            then {{ dbt.concat(["'no '", cadence, "' figures loaded'"]) }}
        when {{ source_fresh_until(cadence, latest_period_date) }} < {{ as_of_date }}
            then {{ dbt.concat([
                "'latest period '",
                "cast(" ~ latest_period_date ~ " as " ~ dbt.type_string() ~ ")",
                "' is older than its '", cadence, "' cadence allows (fresh until '",
                "cast(" ~ source_fresh_until(cadence, latest_period_date) ~ " as "
                ~ dbt.type_string() ~ ")",
                "')'",
            ]) }}
        when {{ next_release_date }} < {{ as_of_date }}
            then {{ dbt.concat([
                "'next release was due '",
                "cast(" ~ next_release_date ~ " as " ~ dbt.type_string() ~ ")",
            ]) }}
    end
{%- endmacro %}
