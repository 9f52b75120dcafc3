"""Quality on the hand-labelled test articles, and the real figures DOMAIN.md lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagster_project.extract import AliasTable, extract_text, load_aliases
from dagster_project.extract.articles import read_article
from dagster_project.review.evaluation import article_paths, evaluate, read_labels

RECALL_FLOOR = 0.95
PRECISION_FLOOR = 0.85


def test_labelled_articles_meet_the_floors(articles_dir, aliases):
    scores, overall = evaluate(articles_dir, aliases)
    assert len(scores) >= 6
    assert overall.recall() >= RECALL_FLOOR, [s.missed for s in scores]
    assert overall.precision() >= PRECISION_FLOOR, [s.spurious for s in scores]
    for score in scores:
        assert score.recall() >= 0.85, (score.name, score.missed)
        assert score.precision() >= 0.75, (score.name, score.spurious)


def test_labels_match_their_articles(articles_dir):
    articles = article_paths(articles_dir)
    headerless, figureless = 0, 0
    for path in articles:
        article = read_article(path)
        words = len(article.text[article.body_start :].split())
        assert 300 <= words <= 900, (path.name, words)
        labels = read_labels(path.with_suffix(".labels.jsonl"))
        assert path.with_suffix(".labels.jsonl").exists(), path.name
        headerless += article.header["title"] is None
        figureless += not labels
        for label in labels:
            assert article.text[label["start"] : label["end"]] == label["surface"], label
            assert label["bound"] in ("exact", "at_least", "at_most", "approx")
            assert isinstance(label["value"], int | float)
    assert len(articles) >= 6
    assert headerless >= 1 and figureless >= 1


def test_label_files_are_valid_jsonl(articles_dir):
    for path in articles_dir.glob("*.labels.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert set(json.loads(line)) >= {"value", "unit", "bound", "subject", "surface"}


# Our own sentences carrying the kinds of figure the 2019 feature reports (DOMAIN.md table).
REAL_FIGURES = (
    "Binzhou aluminium industry has grown into a cluster with an output value of 330billion "
    "yuan. Weiqiao Aluminium & Power rolls can-body stock only 0.245mm thick, and it was the "
    "first in the world to run a full series of 600 kiloampere prebaked reduction cells. Since "
    "Weiqiao venture group moved into aluminium in 2001, it has spent 18 years building a chain "
    "from power to new materials. Shandong Yuhang Special Alloy Equipment says its conductor "
    "rail holds more than 60% of the domestic market. Taiyi formwork weighs one third as much "
    "as steel, and the company has an annual capacity of 3million square meters. Bohai Piston "
    "has been No. 1 in the Chinese piston market since 1984, and today it is the world's "
    "fourth-largest piston maker."
)


REAL_ALIASES = AliasTable(
    aliases={
        "binzhou aluminium industry": "binzhou_aluminium_cluster",
        "binzhou": "binzhou",
        "weiqiao aluminium & power": "weiqiao_aluminium_power",
        "weiqiao venture group": "weiqiao_pioneering_group",
        "weiqiao": "weiqiao_pioneering_group",
        "shandong yuhang special alloy equipment": "yuhang_special_alloy",
        "shandong": "shandong",
        "taiyi": "taiyi_metal",
        "bohai piston": "bohai_piston",
        "world": "world",
    },
    types={"binzhou": "place", "shandong": "place", "world": "place"},
)


def test_real_figures_from_domain():
    found = extract_text(REAL_FIGURES, aliases=REAL_ALIASES)
    got = {c.surface: c for c in found}
    for candidate in found:
        assert REAL_FIGURES[candidate.start : candidate.end] == candidate.surface
    expected = {
        "330billion yuan": (330e9, "CNY", "exact"),
        "0.245mm": (0.245, "mm", "exact"),
        "600 kiloampere": (600.0, "kA", "exact"),
        "60%": (60.0, "percent", "at_least"),
        "3million square meters": (3e6, "m2/yr", "exact"),
        "one third": (pytest.approx(1 / 3), "ratio", "exact"),
        "No. 1": (1.0, "rank", "exact"),
        "fourth-largest": (4.0, "rank", "exact"),
        "18 years": (18.0, "years", "exact"),
        "1984": (1984.0, "year", "exact"),
    }
    for surface, (value, unit, bound) in expected.items():
        assert (got[surface].value, got[surface].unit, got[surface].bound) == (value, unit, bound)
    assert len(found) == len(expected)
    # No published date given: the as-of year comes from "since ... 2001 ... 18 years".
    assert {(c.period, c.period_rule) for c in found} == {("2019", "inferred_from_offset")}
    assert got["60%"].metric == "market_share"
    assert got["3million square meters"].metric == "area_capacity"
    assert got["0.245mm"].metric == "product_thickness"
    assert got["600 kiloampere"].metric == "reduction_cell_amperage"
    assert {surface: got[surface].subject for surface in expected} == {
        "330billion yuan": "binzhou_aluminium_cluster",
        "0.245mm": "weiqiao_aluminium_power",
        "600 kiloampere": "weiqiao_aluminium_power",
        "18 years": "weiqiao_pioneering_group",
        "60%": "yuhang_special_alloy",
        "one third": "taiyi_metal",
        "3million square meters": "taiyi_metal",
        "No. 1": "bohai_piston",
        "1984": "bohai_piston",
        "fourth-largest": "bohai_piston",  # "the world's" is the market, not the maker
    }


DEVELOPMENT_SET = Path(__file__).resolve().parent.parent / "articles" / "dev"


def test_development_set_has_two_labelled_halves():
    articles = article_paths(DEVELOPMENT_SET)
    halves = {path.name.split("_")[0] for path in articles}
    assert halves == {"tune", "heldout"}
    assert len(articles) >= 30
    for half in halves:
        assert sum(path.name.startswith(half + "_") for path in articles) >= 15
    for path in articles:
        article = read_article(path)
        labels = read_labels(path.with_suffix(".labels.jsonl"))
        assert labels, path.name
        for label in labels:
            assert article.text[label["start"] : label["end"]] == label["surface"], label
            assert label["change"] in ("level", "increase", "decrease"), label


def test_development_set_meets_the_issue_floors():
    # Issue 10's targets on value+unit, and on subject, for both halves together.
    aliases = load_aliases(DEVELOPMENT_SET / "aliases.csv")
    _scores, overall = evaluate(DEVELOPMENT_SET, aliases)
    assert overall.recall() >= 0.95
    assert overall.precision() >= 0.90
    assert overall.recall(overall.subject) >= 0.85
