{#- Whether fct_claim_review_queue (`queue`) is to be rebuilt on an incremental run: the linking
    (`linked`, int_claim_candidates_linked) wrote rows in this dbt run, or holds another number of
    unlinked candidates than the queue has rows (a part linked again, or one gone). -#}
{% macro review_queue_links_changed(linked, queue) -%}
    (
        exists (select 1 from {{ linked }} where linked_in_invocation = '{{ invocation_id }}')
        or (select count(*) from {{ linked }} where claim_id is null)
        <> (select count(*) from {{ queue }})
    )
{%- endmacro %}
