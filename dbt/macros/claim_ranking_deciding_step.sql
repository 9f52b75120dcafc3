{#- Text naming the step of claim_ranking_steps that put the chosen claim ahead of the
    runner-up (the second-ranked claim of the same group): the first step on which they differ.
    "Differ" is null-safe: two nulls are equal, a null and a value differ. -#}
{% macro claim_ranking_deciding_step(chosen_alias, runner_up_alias) -%}
    case
        when {{ runner_up_alias }}.claim_id is null then 'only claim'
    {%- for step in claim_ranking_steps() %}
        {%- set chosen = chosen_alias ~ '.' ~ step.column %}
        {%- set runner_up = runner_up_alias ~ '.' ~ step.column %}
        when {{ chosen }} <> {{ runner_up }} or ({{ chosen }} is null) <> ({{ runner_up }} is null)
            then 'step {{ step.step }}: {{ step.label }}'
    {%- endfor %}
        else 'tie on every step'
    end
{%- endmacro %}
