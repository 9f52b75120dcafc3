"""Score the extractor against hand-labelled articles (used by the benchmark and the tests).

A labelled article is `<name>.md` with `<name>.labels.jsonl` beside it: one JSON object per
figure a careful analyst would extract, with surface, start, end, value, unit, bound, subject
(and, for information, metric and period). A candidate matches a label when their spans overlap
and value (relative tolerance 1e-6) and unit agree; each label matches at most one candidate.

Scores, per article and overall (micro-averaged over all figures):
- value+unit: precision = matches / candidates, recall = matches / labels (the quality target);
- value+unit+bound and subject: the same, counting only matches whose bound (or subject) also
  agrees;
- metric and period: share of matches whose guessed metric (or period) equals the label's;
- change: share of matches whose `change` (level, increase, decrease) equals the label's, over
  the labels that carry one (the development set's do).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.extract.extractor import Candidate, extract_file
from dagster_project.extract.subjects import AliasTable


@dataclass
class Score:
    name: str
    labels: int = 0
    candidates: int = 0
    value_unit: int = 0
    value_unit_bound: int = 0
    subject: int = 0
    metric: int = 0
    period: int = 0
    change: int = 0
    change_labelled: int = 0  # matches whose label carries a change
    missed: list[dict] = field(default_factory=list)
    spurious: list[Candidate] = field(default_factory=list)
    wrong: list[tuple[dict, Candidate]] = field(default_factory=list)

    @staticmethod
    def _ratio(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    def precision(self, hits: int | None = None) -> float:
        return self._ratio(self.value_unit if hits is None else hits, self.candidates)

    def recall(self, hits: int | None = None) -> float:
        return self._ratio(self.value_unit if hits is None else hits, self.labels)

    def add(self, other: Score) -> None:
        for name in ("labels", "candidates", "value_unit", "value_unit_bound", "subject"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.metric += other.metric
        self.period += other.period
        self.change += other.change
        self.change_labelled += other.change_labelled


def article_paths(articles_dir: Path) -> list[Path]:
    """The articles of a test folder: every .md file but its README."""
    return sorted(p for p in articles_dir.glob("*.md") if p.name.lower() != "readme.md")


def read_labels(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _same_value(left: float, right: float) -> bool:
    return math.isclose(left, right, rel_tol=1e-6, abs_tol=1e-12)


def score_article(name: str, labels: list[dict], candidates: list[Candidate]) -> Score:
    score = Score(name, labels=len(labels), candidates=len(candidates))
    used: set[int] = set()
    for label in labels:
        match = None
        for index, candidate in enumerate(candidates):
            if index in used:
                continue
            overlaps = candidate.start < label["end"] and label["start"] < candidate.end
            if (
                overlaps
                and candidate.unit == label["unit"]
                and _same_value(candidate.value, label["value"])
            ):
                match = index
                break
        if match is None:
            score.missed.append(label)
            continue
        used.add(match)
        candidate = candidates[match]
        score.value_unit += 1
        score.value_unit_bound += candidate.bound == label["bound"]
        score.subject += candidate.subject == label.get("subject")
        score.metric += candidate.metric == label.get("metric")
        score.period += candidate.period == label.get("period")
        if "change" in label:
            score.change_labelled += 1
            score.change += candidate.change == label["change"]
        if candidate.bound != label["bound"] or candidate.subject != label.get("subject"):
            score.wrong.append((label, candidate))
    score.spurious = [c for i, c in enumerate(candidates) if i not in used]
    return score


def evaluate(articles_dir: Path, aliases: AliasTable) -> tuple[list[Score], Score]:
    """Score every `*.md` in articles_dir that has a labels file; (per article, overall)."""
    scores = []
    overall = Score("overall")
    for article in article_paths(articles_dir):
        labels_path = article.with_suffix(".labels.jsonl")
        if not labels_path.exists():
            continue
        extraction = extract_file(article, aliases=aliases)
        score = score_article(article.stem, read_labels(labels_path), extraction.candidates)
        scores.append(score)
        overall.add(score)
    return scores, overall


def format_report(scores: list[Score], overall: Score) -> str:
    header = (
        f"{'article':<28} {'labels':>6} {'found':>6}  {'P v+u':>6} {'R v+u':>6}  "
        f"{'P +bnd':>6} {'R +bnd':>6}  {'P subj':>6} {'R subj':>6}  {'metric':>6} {'period':>6}"
    )
    lines = [header, "-" * len(header)]
    for score in [*scores, overall]:
        matched = score.value_unit
        lines.append(
            f"{score.name:<28} {score.labels:>6} {score.candidates:>6}  "
            f"{score.precision():>6.3f} {score.recall():>6.3f}  "
            f"{score.precision(score.value_unit_bound):>6.3f} "
            f"{score.recall(score.value_unit_bound):>6.3f}  "
            f"{score.precision(score.subject):>6.3f} {score.recall(score.subject):>6.3f}  "
            f"{Score._ratio(score.metric, matched):>6.3f} "
            f"{Score._ratio(score.period, matched):>6.3f} "
            + (
                f"{score.change / score.change_labelled:>6.3f}"
                if score.change_labelled
                else "     -"
            )
        )
    return "\n".join(lines)
