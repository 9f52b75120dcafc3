{#- Fails for every claim group that reports no claim, or more than one. -#}
{% test exactly_one_reported_claim_per_group(model) %}

select
    claim_group_id,
    count(case when is_reported then 1 end) as reported_claims_count
from {{ model }}
group by claim_group_id
having count(case when is_reported then 1 end) <> 1

{% endtest %}
