-- Every row of every fact mart, and every source, names the source it came from.
{%- set marts = [
    'fct_claims',
    'fct_cluster_output_value',
    'fct_market_share',
    'fct_value_added_ladder',
    'dim_sources',
] %}

{% for mart in marts %}
select
    '{{ mart }}' as mart,
    count(*) as rows_without_source_id
from {{ ref(mart) }}
where source_id is null
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{% endfor %}
