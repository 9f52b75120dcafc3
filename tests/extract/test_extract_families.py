"""The phrasing families of real news text (issue 10), each with several variants.

Every sentence here is our own; each family is tested as a family of phrasings, not one
sentence. The alias table names places only, so every firm is one the table does not know.
"""

from __future__ import annotations

import pytest

from dagster_project.extract import AliasTable, extract_text

PLACES = AliasTable(
    aliases={
        name: name.replace(" ", "_")
        for name in ("china", "binzhou", "zouping", "yunnan", "guangxi", "inner mongolia")
    },
    types={
        entity: "place"
        for entity in ("china", "binzhou", "zouping", "yunnan", "guangxi", "inner_mongolia")
    },
)


def extract(text: str, **options):
    options.setdefault("aliases", PLACES)
    found = extract_text(text, **options)
    for candidate in found:
        assert text[candidate.start : candidate.end] == candidate.surface
    return found


def figures(text: str, **options) -> list[tuple[float, str]]:
    return [(c.value, c.unit) for c in extract(text, **options)]


def one(text: str, **options):
    found = extract(text, **options)
    assert len(found) == 1, [(c.surface, c.value, c.unit) for c in found]
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("The plant will make 50, 000 tons of billet.", 50_000, "t"),
        ("It covers 320, 000 square meters.", 320_000, "m2"),
        ("Sales reached 1, 250, 000 tons.", 1_250_000, "t"),
        ("The project will create 3, 500 jobs.", 3_500, "count"),
        ("The county paid 12, 600 yuan per person.", 12_600, "CNY"),
    ],
)
def test_thousands_separator_broken_by_a_space(text, value, unit):
    assert figures(text) == [(value, unit)]


def test_a_comma_and_a_space_between_two_numbers_is_not_a_separator():
    # "In 2019, 300 firms": a year, then a count; "12, 300" with four digits after is no group.
    assert figures("In 2019, 300 firms joined.") == [(300, "count")]
    assert figures("Lines 12, 3000 tons each.") != [(123_000, "t")]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Output was 3.96 million mt last year.", 3_960_000, "t"),
        ("Exports were 480 kt in October.", 480_000, "t"),
        ("Capacity in the region stands at 4.2 Mt.", 4_200_000, "t/yr"),
        ("The smelter made 0.51 Mt of metal.", 510_000, "t"),
        ("A 1 Mtpa refinery is planned.", 1_000_000, "t/yr"),
        ("The line is rated at 300 ktpa.", 300_000, "t/yr"),
        ("The firm will invest $2 bln.", 2e9, "USD"),
        ("Profit was RMB 415mn.", 415e6, "CNY"),
        ("Sales were 14.2 bln yuan.", 14.2e9, "CNY"),
        ("The deficit is 1.2 mln t.", 1_200_000, "t"),
    ],
)
def test_trade_abbreviations(text, value, unit):
    assert figures(text) == [(pytest.approx(value), unit)]


@pytest.mark.parametrize(
    "text",
    [
        "Shipments were 176,000 tonnes a year earlier.",
        "Output was 2.741 million tonnes a year ago.",
        "It rose from 120,000 tons a year before.",
    ],
)
def test_a_year_earlier_is_a_comparison_not_a_rate(text):
    assert one(text).unit == "t"


@pytest.mark.parametrize(
    "text",
    [
        "The smelter has capacity of 600,000 tonnes.",
        "The mill produces 350,000 tonnes of can sheet a year.",
        "Annualised production averaged 40.4 million tonnes.",
        "Hongtuo Industrial will build 400000 tons of strip.",
        "The line runs at 90,000 tonnes per year.",
    ],
)
def test_capacities_and_rates_are_tonnes_a_year(text):
    assert one(text).unit == "t/yr"


def test_a_rate_word_in_another_clause_does_not_make_a_rate():
    found = extract("Demand may grow 10% a year to 2030, when it could reach 10 million tonnes.")
    assert [(c.value, c.unit) for c in found] == [(10, "percent"), (10_000_000, "t")]


def test_capacity_carries_into_the_next_sentence_but_not_into_part_of_a_year():
    text = (
        "Capacity in Yunnan is 5.61 Mt. About 1.2 million tons were cut last autumn. "
        "In the first quarter, smelters there sold 1.1 million tons."
    )
    assert [c.unit for c in extract(text)] == ["t/yr", "t/yr", "t"]


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("The deal is worth 5.2 billion yuan ($812.6 million). ($1 = 6.3990 yuan)", 6.399),
        ("($1 = 6.8780 Chinese yuan renminbi)", 6.878),
        ("US$1 = 7.10 yuan at the time.", 7.10),
        ("The note assumes 1 US dollar equals 6.45 yuan.", 6.45),
        ("They used the yuan at 6.90 per dollar.", 6.90),
    ],
)
def test_exchange_rate_notes_are_rates_not_amounts(text, rate):
    found = extract(text)
    assert not [c for c in found if c.unit == "USD" and c.value == 1]
    notes = [c for c in found if c.unit == "CNY/USD"]
    assert [(c.value, c.metric, c.subject, c.subject_rule) for c in notes] == [
        (rate, "exchange_rate", None, "exchange_rate_note")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Among them, Hongtuo Industrial will build 400000 tons of strip, Jinning Juke "
            "300000 tons of foil and Xinrun Casting Co., Ltd. 150, 000 tons of blanks.",
            ["Hongtuo Industrial", "Jinning Juke", "Xinrun Casting"],
        ),
        (
            "Xinhai Metals plans 120,000 tonnes, Tianshan Aluminium 80,000 tonnes and "
            "Huaxing Power 60,000 tonnes.",
            ["Xinhai Metals", "Tianshan Aluminium", "Huaxing Power"],
        ),
        (
            "Weihai Dingsheng built 200,000 tons, Boxing Hualong 150,000 tons and Huimin Jinlu "
            "120,000 tons of capacity.",
            ["Weihai Dingsheng", "Boxing Hualong", "Huimin Jinlu"],
        ),
    ],
)
def test_each_figure_of_a_list_belongs_to_the_name_next_to_it(text, expected):
    found = extract(text)
    assert [c.subject for c in found][: len(expected)] == expected


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Hongtuo Industrial will invest 2 billion yuan.", "Hongtuo Industrial"),
        ("Nanshan Bauxite owns 60% of the project.", "Nanshan Bauxite"),
        ("Dongying Shenghua, one of the biggest smelters, produced 1.9 million tonnes.",
         "Dongying Shenghua"),
        ("Dongying Shenghua said revenue rose to 9.86 billion yuan.", "Dongying Shenghua"),
        ("Mingtai Alloy Co said shipments were 347 kt.", "Mingtai Alloy"),
        ("Lanshan Cable Corporation posted revenue of 2.38 billion yuan.", "Lanshan Cable"),
    ],
)  # fmt: skip
def test_firms_the_alias_table_does_not_know_are_new_names(text, subject):
    candidate = one(text)
    assert candidate.subject == subject
    assert candidate.subject_rule.endswith(":new_name")


def test_a_short_form_of_a_new_name_is_the_same_firm():
    text = (
        "Fengrui Aluminium said it would spend 5.2 billion yuan. Shares of Fengrui rose 4.6%. "
        "Hongyu Carbon has 2,100 staff. Hongyu, which makes anodes, sold 300,000 tonnes."
    )
    assert [c.subject for c in extract(text)] == [
        "Fengrui Aluminium", "Fengrui Aluminium", "Hongyu Carbon", "Hongyu Carbon",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "The London Metal Exchange said stocks rose 17,425 tonnes.",
        "The Binzhou Municipal Bureau of Statistics counted 152 firms.",
        "In March, output was 3.34 million tonnes.",
    ],
)
def test_institutions_and_sentence_openers_are_not_firms(text):
    assert not one(text).subject_rule.endswith(":new_name")


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Aluminium capacity in Guangxi is 2.9 Mt.", "guangxi"),
        ("Smelters in Yunnan added about 300,000 tonnes of capacity.", "yunnan"),
        ("It is reported that the built capacity in Yunnan is 5.61 Mt.", "yunnan"),
        ("Output in Inner Mongolia reached 6.6 million tonnes.", "inner_mongolia"),
    ],
)
def test_a_place_that_heads_its_clause_is_the_subject(text, subject):
    assert one(text).subject == subject


def test_a_place_after_in_is_still_a_scope_elsewhere():
    found = extract(
        "Xinhai Metals is the third-largest smelter in Inner Mongolia, with 13,000 workers."
    )
    assert {c.subject for c in found} == {"Xinhai Metals"}


@pytest.mark.parametrize(
    "text",
    [
        "Our city signed 12 new projects this year.",
        "Our region will add another 1 million tons of capacity.",
        "The county has 87 aluminium enterprises.",
    ],
)
def test_our_city_is_the_place_of_the_headline(text):
    candidate = one(text, title="Binzhou projects enter the fast lane")
    assert candidate.subject == "binzhou"


def test_without_a_headline_place_our_city_is_no_one():
    assert one("Our city signed 12 new projects this year.").subject is None


@pytest.mark.parametrize(
    "text",
    [
        "Fengrui Aluminium is one of the largest makers of extrusions, with 1,200 workers.",
        "Xinjiang, home to some of the country's largest smelters, produced 5.8 million tonnes.",
        "The firm is among the biggest producers and employs 900 people.",
    ],
)
def test_superlatives_that_are_not_ranks(text):
    assert "rank" not in {c.unit for c in extract(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Output rose 14.4% to 3.34 million tonnes.", ["increase", "level"]),
        ("Prices fell 3.2% this week to $2,552 a tonne.", ["decrease", "level"]),
        ("Earnings per share rose 19 cents to 67 cents.", ["increase", "level"]),
        ("Stocks rose 17,425 tonnes to 962,650 tonnes.", ["increase", "level"]),
        ("The margin fell 1.3 percentage points to 11.8%.", ["decrease", "level"]),
        ("Revenue jumped 44.8% to 9.86 billion yuan from 6.81 billion yuan.",
         ["increase", "level", "level"]),
        ("The bank cut its forecast by $150 to $2,600/t.", ["decrease", "level"]),
        ("Net profit rose to 388 million yuan.", ["level"]),
        ("Income reached 29,870 yuan, an increase of 1,720 yuan.", ["level", "increase"]),
        ("It sold 168,000 tons, 12% more than last year.", ["level", "increase"]),
        ("The firm had 4,900 staff, 600 more than a year earlier.", ["level", "increase"]),
        ("There were 48 enterprises, 3 fewer than before.", ["level", "decrease"]),
        ("Output would fall by up to 20,000 tonnes.", ["decrease"]),
        ("Margins averaged 1,050 yuan per tonne, down from 2,400 yuan.", ["level", "level"]),
        ("Demand may grow 8% to 10% a year.", ["increase", "increase"]),
        ("Output climbed 3.9% on month and 8.2% on year to 5.8 million tonnes.",
         ["increase", "increase", "level"]),
        ("Sales fell 4% in March and 6% in April.", ["decrease", "decrease"]),
        ("Production hit 7.32million tonnes, rising 8.6 per cent.", ["level", "increase"]),
        ("Stocks ended at 962,650 tonnes, falling 2%.", ["level", "decrease"]),
        ("It employs 300 people and 20 engineers.", ["level", "level"]),
    ],
)  # fmt: skip
def test_change_and_level(text, expected):
    assert [c.change for c in extract(text)] == expected


def test_a_change_then_a_level_is_not_a_range_but_a_range_is():
    rose = extract("Stocks rose 17,425 tonnes to 962,650 tonnes.")
    assert [(c.bound, c.value_low, c.value_high) for c in rose] == [("exact", None, None)] * 2
    ranged = extract("Scrap traded at 15,800 to 16,300 yuan a ton.")
    assert [(c.bound, c.value_low, c.value_high, c.unit) for c in ranged] == [
        ("at_least", 15_800, 16_300, "CNY/t"),
        ("at_most", 15_800, 16_300, "CNY/t"),
    ]


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("Each car carries 190 kg to 250 kg of the metal.", 0.19, 0.25, "t"),
        ("Capital spending will be $180 million to $200 million.", 180e6, 200e6, "USD"),
        ("Bales were offered at between $1,450 and $1,520 per tonne.", 1450, 1520, "USD/t"),
        ("The premium was set at $188-$195 a tonne.", 188, 195, "USD/t"),
    ],
)
def test_ranges_carry_both_ends(text, low, high, unit):
    found = extract(text)
    assert len(found) == 2
    assert [(c.value_low, c.value_high, c.unit) for c in found] == [
        (pytest.approx(low), pytest.approx(high), unit)
    ] * 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aluminium fell 3.2% to $2,552 a tonne, down $84 from last Friday.",
         [(3.2, "percent"), (2552, "USD/t"), (84, "USD/t")]),
        ("The contract gained 190 yuan to 17,305 yuan per tonne.",
         [(190, "CNY/t"), (17305, "CNY/t")]),
        ("Revenue was 2 billion yuan and the price 17,000 yuan per tonne.",
         [(2e9, "CNY"), (17000, "CNY/t")]),
    ],
)  # fmt: skip
def test_money_beside_a_price_per_tonne(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("About 13,000 workers walked out.", 13_000, "count"),
        ("The team scored 22 goals this season.", 22, "count"),
        ("The company will spend $800 million.", 800e6, "USD"),
        ("Crude traded at US$58.24 on Friday.", 58.24, "USD"),
        ("Earnings were 67 cents a share.", 0.67, "USD"),
        ("Earnings per share fell 2 fen.", 0.02, "CNY"),
        ("The range is 287 miles.", 461_881.728, "m"),
    ],
)
def test_ordinary_counts_and_money(text, value, unit):
    assert figures(text) == [(pytest.approx(value), unit)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The city's above-scale enterprises numbered 152.", 152),
        ("The county signed 27 projects, and 11 of them have started.", 11),
        ("Shandong has 1,160 such firms, of which 96 are in Binzhou.", 96),
        ("There are 87 firms, including 23 above designated size.", 23),
        ("The cluster added firms, bringing the total to 37.", 37),
        ("The number of registered market entities was 68,212.", 68_212),
        ("The city had two more than in 2020.", 2),
    ],
)
def test_counts_whose_noun_comes_before_the_number(text, value):
    counts = [c.value for c in extract(text) if c.unit == "count"]
    assert counts[-1] == value


@pytest.mark.parametrize(
    "text",
    [
        "The firm has paid a dividend since it listed in 2011.",
        "Output was higher in 2019, the best year since 2008.",
        "Line 3 restarted, and grade 7055 sells well.",
        "In total 2020 was a hard year.",
    ],
)
def test_dates_codes_and_bare_numbers_stay_out(text):
    assert [c for c in extract(text) if c.unit == "count"] == []


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("The firm has paid a dividend since it listed in 2011, now 0.12 yuan a share.", "2021"),
        ("Since the programme began in 2019, the province has paid 2.5 billion yuan.", "2021"),
        ("Since it was put into operation in 2008, capacity grew to 250,000 tons.", "2021"),
    ],
)
def test_a_year_after_since_and_a_verb_is_no_date_of_the_figure(text, period):
    found = extract(text, published="2021-08-27")
    assert [c.period for c in found] == [period]
    assert all(c.unit != "year" for c in found)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Lanshan Cable posted third-quarter revenue of 2.38 billion yuan.", "2021-Q3"),
        ("From January to June, output value reached 102.3 billion yuan.", "2021-H1"),
        ("In the first half, 12 new projects started.", "2021-H1"),
        ("First-quarter earnings per share rose 19 cents.", "2021-Q1"),
        ("In the first nine months, revenue was 6.75 billion yuan.", "2021"),
        ("Output value reached 1.65 trillion yuan in the first half of 2020.", "2020-H1"),
    ],
)
def test_a_part_of_the_year_without_its_year_takes_the_as_of_year(text, period):
    assert one(text, published="2021-10-28").period == period


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Output value rose 21.4 percent over the same period last year.", "2021"),
        ("It sold 168,000 tons, 12% more than last year.", "2021"),
        ("Last year the plant made 90,000 tonnes.", "2020"),
        ("It produced 1.9 million tonnes of aluminium last year.", "2020"),
    ],
)
def test_last_year_as_a_comparison_is_not_the_period(text, period):
    assert {c.period for c in extract(text, published="2021-07-22")} == {period}
