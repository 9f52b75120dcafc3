"""One test per phrasing family of machine-translated business English (see DOMAIN.md).

Each asserts exact values, units, bounds and offsets. The sentences are written for these
tests; companies are the fictional ones of tests/articles/aliases.csv.
"""

from __future__ import annotations

import pytest

from dagster_project.extract import AliasTable


def rows(candidates):
    return [(c.value, c.unit, c.surface, c.start, c.end, c.bound) for c in candidates]


def expected(text, *figures):
    """(value, unit, surface, bound) in text order → rows with the surfaces' exact offsets,
    found left to right in `text` (so a repeated surface takes its next occurrence)."""
    result, position = [], 0
    for value, unit, surface, bound in figures:
        start = text.index(surface, position)
        result.append((value, unit, surface, start, start + len(surface), bound))
        position = start + len(surface)
    return result


def test_numbers_glued_to_units(extract):
    text = "Output value hit 330billion yuan, formwork 3million square meters, foil 0.006mm."
    assert rows(extract(text)) == expected(
        text,
        (330e9, "CNY", "330billion yuan", "exact"),
        (3e6, "m2", "3million square meters", "exact"),
        (0.006, "mm", "0.006mm", "exact"),
    )


def test_units_spelled_out(extract):
    text = (
        "The 420 kiloampere line, a 500kA line, foil of 4.5 microns, 12,650 kWh per tonne, "
        "a 350 MW plant, 60 kilometers away and 300 mu of land."
    )
    assert rows(extract(text)) == expected(
        text,
        (420.0, "kA", "420 kiloampere", "exact"),
        (500.0, "kA", "500kA", "exact"),
        (0.0045, "mm", "4.5 microns", "exact"),
        (12650.0, "kWh/t", "12,650 kWh per tonne", "exact"),
        (350.0, "MW", "350 MW", "exact"),
        (60000.0, "m", "60 kilometers", "exact"),
        (200000.0, "m2", "300 mu", "exact"),
    )


def test_fractions_in_words(extract):
    text = (
        "It weighs one third of steel. Two thirds of the ore is imported. Foil is nearly one "
        "half of output. It holds more than half of the market. In the first half of 2020 "
        "and the first three quarters of 2022 nothing else."
    )
    found = extract(text)
    assert rows(found) == expected(
        text,
        (pytest.approx(1 / 3), "ratio", "one third", "exact"),
        (pytest.approx(2 / 3), "ratio", "Two thirds", "exact"),
        (0.5, "ratio", "one half", "approx"),
        (0.5, "ratio", "half", "at_least"),
    )
    assert found[0].metric == "density_ratio_to_steel"


def test_ordinals_and_ranks(extract):
    text = (
        "Hongtai is the third largest foil maker. Jinlun ranks second among wheel makers. "
        "Xinhe is the world's fourth-largest alumina refiner. Ruida ranked first in the "
        "industry. Lianfeng is the 5th largest cable maker. Haoyue was the first in China to "
        "roll such sheet, and its second phase is under way."
    )
    found = extract(text)
    assert rows(found) == expected(
        text,
        (3.0, "rank", "third largest", "exact"),
        (2.0, "rank", "second", "exact"),
        (4.0, "rank", "fourth-largest", "exact"),
        (1.0, "rank", "first", "exact"),
        (5.0, "rank", "5th largest", "exact"),
    )
    assert [c.subject for c in found] == [
        "hongtai_foil",
        "jinlun_wheel",
        "xinhe_alumina",
        "ruida_profile",
        "lianfeng_cable",
    ]
    assert {c.metric for c in found} == {"rank"}


def test_number_one_and_top(extract):
    text = (
        "Lianfeng ranks No.1 in Shandong. Hongtai is No. 2, Ruida number one and among the top 10."
    )
    assert rows(extract(text)) == expected(
        text,
        (1.0, "rank", "No.1", "exact"),
        (2.0, "rank", "No. 2", "exact"),
        (1.0, "rank", "number one", "exact"),
        (10.0, "rank", "top 10", "at_most"),
    )


def test_chinese_scale_words_in_english_text(extract):
    text = "Binzhou aims at 3300亿 yuan; Zouping made 1,650亿元, with 15万吨 of foil and 8万吨/年 of rod."
    assert rows(extract(text)) == expected(
        text,
        (330e9, "CNY", "3300亿 yuan", "exact"),
        (165e9, "CNY", "1,650亿元", "exact"),
        (150000.0, "t", "15万吨", "exact"),
        (80000.0, "t/yr", "8万吨/年", "exact"),
    )


def test_translated_chinese_scales(extract):
    text = "Output reached 12 hundred million yuan and saved 15 ten thousand tons of coal."
    assert rows(extract(text)) == expected(
        text,
        (1.2e9, "CNY", "12 hundred million yuan", "exact"),
        (150000.0, "t", "15 ten thousand tons", "exact"),
    )


def test_thousands_separators_and_currency_prefixes(extract):
    text = "It paid 20,000 yuan, RMB 3.2 billion, US$360 million and $5 million for 1,234,567 tons."
    assert rows(extract(text)) == expected(
        text,
        (20000.0, "CNY", "20,000 yuan", "exact"),
        (3.2e9, "CNY", "RMB 3.2 billion", "exact"),
        (3.6e8, "USD", "US$360 million", "exact"),
        (5e6, "USD", "$5 million", "exact"),
        (1234567.0, "t", "1,234,567 tons", "exact"),
    )


def test_ranges_are_two_candidates(extract):
    text = (
        "Ordinary foil sells for 20,000-30,000 yuan. Shares are between 25% and 30%. "
        "Output is 3-5 million tons. Wheels range from 400 to 1,200 yuan. "
        "Green power rose from 12% to 30%."
    )
    assert rows(extract(text)) == expected(
        text,
        (20000.0, "CNY", "20,000", "at_least"),
        (30000.0, "CNY", "30,000 yuan", "at_most"),
        (25.0, "percent", "25%", "at_least"),
        (30.0, "percent", "30%", "at_most"),
        (3e6, "t", "3", "at_least"),
        (5e6, "t", "5 million tons", "at_most"),
        (400.0, "CNY", "400", "at_least"),
        (1200.0, "CNY", "1,200 yuan", "at_most"),
        (12.0, "percent", "12%", "exact"),  # a change, not a range
        (30.0, "percent", "30%", "exact"),
    )


@pytest.mark.parametrize(
    ("qualifier", "bound"),
    [
        ("more than", "at_least"),
        ("over", "at_least"),
        ("above", "at_least"),
        ("at least", "at_least"),
        ("not less than", "at_least"),
        ("exceeded", "at_least"),
        ("less than", "at_most"),
        ("up to", "at_most"),
        ("under", "at_most"),
        ("within", "at_most"),
        ("about", "approx"),
        ("nearly", "approx"),
        ("around", "approx"),
        ("some", "approx"),
        ("approximately", "approx"),
        ("", "exact"),
    ],
)
def test_bounds_before_the_figure(extract, qualifier, bound):
    text = f"Its share is {qualifier} 18% of the market."
    found = extract(text)
    assert [(c.value, c.unit, c.surface, c.bound) for c in found] == [
        (18.0, "percent", "18%", bound)
    ]


def test_bounds_after_the_figure_and_across_line_breaks(extract):
    text = "It reuses panels 300 times or more, and holds more\nthan 18% of the market."
    assert [(c.surface, c.bound) for c in extract(text)] == [
        ("300 times", "at_least"),
        ("18%", "at_least"),
    ]


def test_over_the_past_is_not_a_bound(extract):
    found = extract("Over the past 18 years it grew.")
    assert [(c.surface, c.unit, c.bound) for c in found] == [("18 years", "years", "exact")]


def test_years_as_dates_and_history(extract):
    text = (
        "Hongtai was founded in 2006. In 2020 its revenue was 6.8billion yuan. It has rolled "
        "foil since 1963 and was listed in 2019年 under stock code 600960."
    )
    found = extract(text)
    assert [(c.value, c.unit, c.surface, c.metric) for c in found] == [
        (2006.0, "year", "2006", "founding_year"),
        (6.8e9, "CNY", "6.8billion yuan", "revenue"),
        (1963.0, "year", "1963", "start_year"),
    ]
    assert found[1].period == "2020"
    assert found[1].period_rule == "explicit"


def test_year_offsets_infer_the_period(extract):
    text = (
        "Since Jinlun entered the wheel business in 2001, it has spent 18 years building its "
        "chain. It sells 12 million wheels a year."
    )
    found = extract(text)
    assert [(c.surface, c.period, c.period_rule) for c in found] == [
        ("18 years", "2019", "inferred_from_offset"),
        ("12 million wheels a year", "2019", "inferred_from_offset"),
    ]
    history = extract("Lianfeng has led the market since 1984. It has been No. 1 for 35 years.")
    assert {c.period for c in history} == {"2019"}
    assert history[0].unit == "year" and history[0].value == 1984.0


def test_period_rules(extract):
    text = "In the first half of 2020 Ruida delivered 1.3 million square meters. It has 800 jobs."
    found = extract(text, published="2021-06-15")
    assert [(c.period, c.period_rule) for c in found] == [
        ("2020-H1", "explicit"),
        ("2021", "published_date"),
    ]
    assert [(c.period, c.period_rule) for c in extract("It has 800 jobs.")] == [(None, "unknown")]


def test_not_figures(extract):
    text = (
        "The 13th Five-Year Plan named 5G, COVID-19 and the A380. The 7055 alloy plate, "
        "Line 3 and the 1990s. It entered the Fortune Global 500 and China Top 500 list. "
        "It is one of the leaders, and two sides signed."
    )
    assert extract(text) == []


def test_counts_need_a_noun(extract):
    text = (
        "Zouping has more than 150 aluminium deep-processing enterprises and 1,500 new jobs, "
        "of whom more than 300 are researchers, and works with ten universities."
    )
    found = extract(text)
    assert [(c.value, c.unit, c.bound, c.metric) for c in found] == [
        (150.0, "count", "at_least", "enterprise_count"),
        (1500.0, "count", "exact", "employment"),
        (300.0, "count", "at_least", "employment"),
        (10.0, "count", "exact", "partner_count"),
    ]


def test_per_tonne_basis_and_annual_rates(extract):
    text = (
        "One tonne of aluminium made into rod adds 600 yuan; into cable, 4,800 yuan. "
        "The annual capacity is 15万吨, the capacity 250,000 tonnes, and 3,000 more cans "
        "per tonne."
    )
    found = extract(text)
    assert [(c.value, c.unit, c.metric) for c in found] == [
        (600.0, "CNY/t", "value_added_per_tonne"),
        (4800.0, "CNY/t", "value_added_per_tonne"),
        (150000.0, "t/yr", "capacity"),
        (250000.0, "t/yr", "capacity"),
        (3000.0, "cans/t", "extra_cans_per_tonne"),
    ]


def test_one_company_under_several_names(extract):
    text = (
        "Shandong Lianfeng Cable Group has 9 production bases. The Lianfeng joint peak group "
        "paid 960 million yuan of tax. Lianfeng Cable employs 120 engineers."
    )
    assert {c.subject for c in extract(text)} == {"lianfeng_cable"}


def test_subject_rules(extract):
    text = (
        "Xinhe Alumina, a refiner in Binzhou, has 800 jobs. It is the third largest refiner in "
        "China. The company invested 1.6 billion yuan. Zouping County has 150 enterprises. "
        "Its output value is 1,650亿元. The company's foil reaches 12 countries."
    )
    found = extract(text, published="2022")
    assert [(c.surface, c.subject) for c in found] == [
        ("800 jobs", "xinhe_alumina"),  # nearest before in the sentence; "in Binzhou" a scope
        ("third largest", "xinhe_alumina"),  # carried; "in China" is a scope
        ("1.6 billion yuan", "xinhe_alumina"),
        ("150 enterprises", "zouping"),
        ("1,650亿元", "zouping"),  # the topic carried from the sentence before
        ("12 countries", "xinhe_alumina"),  # "the company" points back at the last company
    ]


def test_subject_without_alias_table(extract):
    text = "Binzhou Qilu Wire Co., Ltd. has 600 workers. It exports to 9 countries."
    found = extract(text, aliases=AliasTable())
    assert [c.subject for c in found] == ["Binzhou Qilu Wire", "Binzhou Qilu Wire"]
    nobody = extract("The plant has 600 workers.", aliases=AliasTable(), default_subject="x")
    assert [c.subject for c in nobody] == ["x"]
