{#- Fails for every claim group that reports no claim, or more than one. When the claims models
    run incrementally (macros/claims_incremental.sql), a group is either reconciled again whole
    in this run or kept whole from a run whose tests it passed, so only this run's groups are
    checked; dbt run by hand, and every full build, checks them all. -#}
{% test exactly_one_reported_claim_per_group(model) %}

select
    claim_group_id,
    count(case when is_reported then 1 end) as reported_claims_count
from {{ model }}
{%- if claims_incremental() %}
where reconciled_in_invocation = '{{ invocation_id }}'
{%- endif %}
group by claim_group_id
having count(case when is_reported then 1 end) <> 1

{% endtest %}
