"""The one vocabulary: every unit the extractor can write and every metric it can guess is in the
unit and metric tables (settings.UNITS_TABLE, settings.METRICS_TABLE), curatable or marked not
curatable with a reason; ingest and the extractor read their unit words from the same rows.

"Can write" is derived from the extractor's own tables (its unit words, rates, rules, keywords,
counted nouns and defaults), then checked again on what it writes for the labelled articles.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project import vocabulary
from dagster_project.extract import extract_file, metrics, numbers
from dagster_project.extract import units as extract_units
from dagster_project.ingest.units import UnitError, check_plausible, parse_unit
from dagster_project.review import accept
from dagster_project.settings import METRICS_TABLE, PROJECT_ROOT, UNITS_TABLE

UNITS = vocabulary.units()
METRICS = vocabulary.metrics()
RATES = ("/t", "/yr", "/m2")


def units_the_extractor_can_write() -> set[str]:
    found = {unit for unit, _factor in extract_units.UNIT_WORDS.values()}
    found.add(extract_units.COUNT)  # every counted noun
    found |= set(extract_units.PREFIX_CURRENCY.values())
    found |= extract_units.RULE_UNITS
    found |= {extract_units.apply_rate(unit, rate) for unit in set(found) for rate in RATES}
    found |= set(extract_units.ANNUAL_UNITS.values()) | set(extract_units.PER_TONNE_UNITS.values())
    return found


def metrics_the_extractor_can_guess() -> set[str]:
    found = {metric for metric, _units, _words in metrics.KEYWORDS}
    found |= set(metrics.NOUN_METRICS.values())
    found |= {
        metrics.UNIT_DEFAULTS.get(unit, metrics.UNKNOWN) for unit in units_the_extractor_can_write()
    }
    return found | metrics.RULE_METRICS


def test_the_tables_are_the_dbt_seeds():
    # dbt loads seeds from dbt/seeds: the files Python reads are the ones dbt builds from.
    assert UNITS_TABLE.parent == METRICS_TABLE.parent == PROJECT_ROOT / "dbt" / "seeds"
    assert not (PROJECT_ROOT / "dbt" / "seeds" / "review_unit_weights.csv").exists()


def test_every_unit_the_extractor_can_write_is_in_the_unit_table():
    emitted = units_the_extractor_can_write()
    assert {"CNY", "t/yr", "count/t", "USD/m2", "cans/t", "rank"} <= emitted  # the derivation works
    assert sorted(emitted - set(UNITS)) == []


def test_every_metric_the_extractor_can_guess_is_in_the_metric_table():
    guessed = metrics_the_extractor_can_guess()
    assert {"output_value", "amount", "employment", "start_year", "area_capacity"} <= guessed
    assert metrics.UNKNOWN not in guessed  # every unit it writes has a default metric
    assert sorted(guessed - set(METRICS)) == []


def test_the_guess_columns_name_what_the_extractor_reads():
    # A fitting unit that is no unit, or a counted noun that is no word of `count`, never fires.
    for metric_id, metric in METRICS.items():
        assert metric.guess_units <= set(UNITS), metric_id
        assert set(metric.guess_nouns) <= extract_units.COUNT_NOUNS, metric_id
        assert bool(metric.guess_keywords) == bool(metric.guess_units), metric_id


def test_what_is_not_curatable_is_listed_and_says_why():
    not_curatable_units = {name for name, unit in UNITS.items() if not unit.is_curatable}
    assert not_curatable_units == {"count/t", "USD/m2"}
    rows = {row["unit_base"]: row for row in vocabulary._rows(UNITS_TABLE)}
    for name in not_curatable_units:
        assert rows[name]["note"], f"unit {name} is not curatable but its note does not say why"
    metric_rows = {row["metric_id"]: row for row in vocabulary._rows(METRICS_TABLE)}
    for metric_id, metric in METRICS.items():
        row = metric_rows[metric_id]
        assert row["description"], metric_id
        if metric.is_curatable:
            assert row["metric_family"] and row["canonical_unit"], metric_id


def test_ingest_loads_exactly_the_curatable_units():
    for name, unit in UNITS.items():
        if unit.is_curatable:
            assert parse_unit(name) == (1.0, name)
            low, high = unit.plausible_range
            assert check_plausible(low, name) is None and check_plausible(high, name) is None
            assert check_plausible(high * 2 + 1, name) is not None
        else:
            with pytest.raises(UnitError, match="not one a claim can carry"):
                parse_unit(name)


def test_ingest_reads_every_claims_word_of_the_table():
    for name, unit in UNITS.items():
        if not unit.is_curatable:
            continue
        for word in unit.words_in_claims:
            assert parse_unit(word.text) == pytest.approx((word.factor, name)), word
            if word.text.isascii() and word.text[0].isalpha():
                assert parse_unit(f"million {word.text}") == pytest.approx(
                    (1e6 * word.factor, name)
                ), word


def test_every_text_word_matches_the_extractor_regex_and_names_its_unit():
    # The regex of unit words and the lookup behind it are one list: a word in the table can
    # always be matched (米 was registered once but missing from the regex).
    pattern = re.compile(extract_units.UNIT_PATTERN, re.IGNORECASE)
    for name, unit in UNITS.items():
        for word in unit.words_in_text:
            if name == extract_units.COUNT:
                mentions = numbers.scan(f"There are 60 {word.text} here.")
                assert [(m.value, m.unit) for m in mentions] == [(60.0, "count")], word
                continue
            assert pattern.fullmatch(word.text), word
            assert extract_units.canonical_unit(word.text) == (name, word.factor), word


def test_a_new_text_word_in_the_table_reaches_the_extractor():
    assert "米" in extract_units.UNIT_SURFACES
    [mention] = numbers.scan("The span is 12米 long.")
    assert (mention.value, mention.unit) == (12.0, "m")


def test_the_labelled_articles_stay_inside_the_vocabulary():
    articles = sorted(Path(PROJECT_ROOT / "tests" / "articles").glob("*.md"))
    assert articles
    written_units, guessed_metrics = set(), set()
    for path in articles:
        for candidate in extract_file(path).candidates:
            written_units.add(candidate.unit)
            guessed_metrics.add(candidate.metric)
    assert written_units <= units_the_extractor_can_write()
    assert sorted(written_units - set(UNITS)) == []
    assert sorted(guessed_metrics - set(METRICS)) == []


def test_a_word_naming_two_units_is_refused(tmp_path):
    table = tmp_path / "units.csv"
    header = UNITS_TABLE.read_text(encoding="utf-8").splitlines()[0]
    table.write_text(
        header + "\n"
        "t,true,mass,t,1,0,1e10,3,,production,tons,,,\n"
        "t,true,mass,t,1,0,1e10,3,,production,tonnes,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(vocabulary.VocabularyError, match="listed twice"):
        vocabulary.units(table)


def test_accept_takes_a_curatable_guess_and_asks_for_a_metric_otherwise():
    candidate = {
        "candidate_id": "ab" * 20,
        "source_id": "stdaily_2019_aluminium_city",
        "file": "articles/a.md",
        "subject": "Binzhou",
        "metric": "output_value",
        "period": "2019",
        "value": 330e9,
        "unit": "CNY",
        "bound": "exact",
        "surface": "330billion yuan",
        "span_start": 0,
        "span_end": 15,
    }
    curatable = accept.known_metrics()
    assert curatable == {metric_id for metric_id, m in METRICS.items() if m.is_curatable}
    assert accept.claim_row(candidate, accept.Overrides(), curatable)["metric"] == "output_value"
    with pytest.raises(accept.AcceptError, match="pass --metric"):
        accept.claim_row({**candidate, "metric": "amount"}, accept.Overrides(), curatable)
    with pytest.raises(accept.AcceptError, match="not one a claim can carry"):
        accept.claim_row({**candidate, "unit": "count/t"}, accept.Overrides(), curatable)


ADD_A_UNIT = """
import sys
from pathlib import Path

from dagster_project import settings

settings.UNITS_TABLE = Path(sys.argv[1])  # before anything reads the vocabulary
from dagster_project.extract import extract_text  # noqa: E402
from dagster_project.ingest.units import check_plausible, parse_unit  # noqa: E402

print(parse_unit("million GWh"), check_plausible(-1, "GWh") is not None)
print([(c.value, c.unit, c.metric) for c in extract_text("The plant used 12 gigawatt hours.")])
"""


def test_adding_a_unit_is_one_row_in_the_unit_table(tmp_path):
    table = tmp_path / "units.csv"
    table.write_text(
        UNITS_TABLE.read_text(encoding="utf-8")
        + "GWh,true,energy,kWh,1000000,0,1e7,0,,power_consumption,GWh|gigawatt hours,,,\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", ADD_A_UNIT, str(table)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "(1000000.0, 'GWh') True",
        "[(12.0, 'GWh', 'power_consumption')]",
    ]
