-- Which unit of a candidate can be the base unit of a curated claim, and the factor between them:
-- every curatable unit of seeds/units.csv matches itself (so a new unit needs one row, in the
-- unit table), plus the pairs of seeds/candidate_unit_matches.csv that the extractor and the
-- claims files write differently.
with units as (

    select * from {{ ref('units') }}
    where is_curatable

),

other_matches as (

    select * from {{ ref('candidate_unit_matches') }}

),

unioned as (

    select
        unit_base as candidate_unit,
        unit_base as claim_unit_base,
        cast(1 as double) as factor_to_claim_unit,
        'same unit' as note
    from units

    union all

    select
        candidate_unit,
        claim_unit_base,
        factor_to_claim_unit,
        note
    from other_matches

)

select * from unioned
