-- Every share is a fraction in [0, 1], and its low bound never exceeds its high bound.
select
    market_share_id,
    share_low,
    share_reported,
    share_high
from {{ ref('fct_market_share') }}
where
    share_low > share_high
    or share_low < 0 or share_low > 1
    or share_high < 0 or share_high > 1
    or share_reported < share_low or share_reported > share_high
