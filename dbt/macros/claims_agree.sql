{#- True when the other claim's value agrees with the claim: within the relative tolerance
    (var agreement_tolerance, 5 %) of an exact or approximate value; for a lower bound, at least
    the bound less the tolerance; for an upper bound, at most the bound plus the tolerance. -#}
{% macro claims_agree(claim_alias, other_alias, value_column='value_normalised') -%}
    {%- set tolerance = var('agreement_tolerance') -%}
    case
        when {{ claim_alias }}.bound = 'at_least'
            then {{ other_alias }}.{{ value_column }} >= {{ claim_alias }}.{{ value_column }} * (1 - {{ tolerance }})
        when {{ claim_alias }}.bound = 'at_most'
            then {{ other_alias }}.{{ value_column }} <= {{ claim_alias }}.{{ value_column }} * (1 + {{ tolerance }})
        else
            abs({{ other_alias }}.{{ value_column }} - {{ claim_alias }}.{{ value_column }})
            <= {{ tolerance }} * abs({{ claim_alias }}.{{ value_column }})
    end
{%- endmacro %}
