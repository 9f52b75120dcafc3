{#- The claim reconciliation rule, in one place. Within a group of claims about the same
    (entity, metric family, product, market scope, period, unit), claims are ranked by these
    steps in order; the first claim is the reported one. Each step names the column it compares
    (a column of int_claims_reconciled's ranking input) and which way is better.
      1. higher trust grade of the source (trust_rank, A+ = 12 ... D- = 1)
      2. more agreeing sources (other distinct sources whose value agrees, see claims_agree)
      3. tighter bound: exact > approx > at_least / at_most (bound_rank 3, 2, 1)
      4. more recent publication of the source
      5. claim_id, so that the choice is always deterministic
    claim_ranking_order_by and claim_ranking_deciding_step are both generated from this list. -#}
{% macro claim_ranking_steps() %}
    {{ return([
        {'step': 1, 'label': 'higher trust grade', 'column': 'trust_rank', 'direction': 'desc'},
        {'step': 2, 'label': 'more agreeing sources', 'column': 'agreeing_sources_count', 'direction': 'desc'},
        {'step': 3, 'label': 'tighter bound (exact > approx > at_least/at_most)', 'column': 'bound_rank', 'direction': 'desc'},
        {'step': 4, 'label': 'more recent publication', 'column': 'published_date', 'direction': 'desc'},
        {'step': 5, 'label': 'lowest claim_id', 'column': 'claim_id', 'direction': 'asc'},
    ]) }}
{% endmacro %}
