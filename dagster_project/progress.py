"""What `alcap refresh` prints: one line per phase, a live counter while dbt runs, and a log file.

Every Dagster event and every line dbt prints goes to $ALCAP_HOME/logs/refresh-<run>.log (and to
the terminal with --verbose); the terminal otherwise shows only the phases, in this order.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dagster as dg

PHASES = ("load", "extract", "dbt", "checks", "publish")
DBT_STEP = "alcap_dbt_models"
EXTRACT_STEP = "load_articles"
# dbt's line for a finished node: "212 of 418 OK created sql view model ..."
DBT_FINISHED = re.compile(r"^(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")


def phase_of(step_key: str) -> str | None:
    if step_key == EXTRACT_STEP:
        return "extract"
    if step_key == DBT_STEP:
        return "dbt"
    if step_key.startswith("serving"):
        return "publish"
    if step_key.startswith(("load_", "raw__")):
        return "load"
    return None


@dataclass
class Phase:
    steps: set[str]
    finished: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    started_at: float | None = None
    ended_at: float | None = None
    done: list[str] = field(default_factory=list)

    def seconds(self) -> float:
        if self.started_at is None or self.ended_at is None:
            return 0.0
        return self.ended_at - self.started_at


class RefreshOutput:
    """Listens to a run's events (instance.add_event_listener) and stands in for sys.stdout,
    which is where dagster-dbt writes dbt's per-node lines."""

    def __init__(self, step_keys: list[str], log_path: Path, verbose: bool, out: TextIO):
        self.out = out
        self.verbose = verbose
        self.live = out.isatty() and not verbose
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = log_path.open("a", encoding="utf-8")
        self.phases = {name: Phase(set()) for name in PHASES}
        for step in step_keys:
            if phase_of(step):
                self.phases[phase_of(step)].steps.add(step)
        self.phases["checks"].steps = set(self.phases["dbt"].steps)
        self.printed: set[str] = set()
        self.metadata: dict[str, dict] = {}
        self.checks: Counter[str] = Counter()
        self.dbt_done = 0
        self.dbt_total = 0
        self.dbt_finished: dict[int, set[int]] = {}  # node indices finished, by dbt's total
        self.partial = ""

    # sys.stdout stand-in: dbt's lines go to the log, and feed the counter.
    def write(self, text: str) -> int:
        self.log.write(text)
        if self.verbose:
            self.out.write(text)
        self.partial += text
        *lines, self.partial = self.partial.split("\n")
        for line in lines:
            match = DBT_FINISHED.match(line.strip())
            if match:
                # Counted, not read from the line: with two dbt threads nodes finish out of
                # order. Hooks are counted apart ("1 of 1 OK hook: …").
                finished = self.dbt_finished.setdefault(int(match[2]), set())
                finished.add(int(match[1]))
                self.dbt_total = max(self.dbt_finished)
                self.dbt_done = len(self.dbt_finished[self.dbt_total])
                if self.live:
                    self.out.write(f"\r{'dbt':<8} {self.dbt_done}/{self.dbt_total}")
                    self.out.flush()
        return len(text)

    def flush(self) -> None:
        self.log.flush()
        self.out.flush()

    def isatty(self) -> bool:
        return False

    def on_event(self, entry) -> None:
        level = logging.getLevelName(entry.level)
        when = time.strftime("%H:%M:%S", time.localtime(entry.timestamp))
        self.log.write(f"{when} {level} {entry.step_key or '-'} {entry.user_message}\n")
        event = entry.dagster_event
        if event is None or not entry.step_key:
            return
        phase_name = phase_of(entry.step_key)
        if phase_name is None:
            return
        phase = self.phases[phase_name]
        if event.event_type == dg.DagsterEventType.STEP_START and phase.started_at is None:
            phase.started_at = entry.timestamp
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key.to_user_string()
            phase.done.append(key)
            self.metadata[key] = {
                name: value.value for name, value in materialization.metadata.items()
            }
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                self.checks["passed"] += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                self.checks["warned"] += 1
            else:
                self.checks["failed"] += 1
        elif event.event_type in (
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        ):
            phase.finished.add(entry.step_key)
            if event.event_type == dg.DagsterEventType.STEP_FAILURE:
                phase.failed.add(entry.step_key)
            phase.ended_at = entry.timestamp
            if phase_name == "dbt":
                self.phases["checks"].finished.add(entry.step_key)
            self.print_finished_phases()
        self.log.flush()

    def print_finished_phases(self, run_over: bool = False) -> None:
        """Print each phase once, in order, as soon as it and the phases before it are over."""
        for name in PHASES:
            if name in self.printed:
                continue
            phase = self.phases[name]
            if not run_over and phase.finished != phase.steps:
                return
            self.printed.add(name)
            if phase.steps:
                self.print_line(name, self.describe(name, phase))

    def print_line(self, name: str, text: str) -> None:
        start = "\r" if self.live else ""
        self.out.write(f"{start}{name:<8} {text}\n")
        self.out.flush()

    def describe(self, name: str, phase: Phase) -> str:
        if phase.finished != phase.steps and not phase.failed:
            return "not run (an earlier step failed)"
        took = f"({phase.seconds():.1f} s)"
        if phase.failed:
            return f"FAILED in {', '.join(sorted(phase.failed))} {took}"
        if name == "load":
            files = self.metadata.get("raw/file_loads", {})
            rejected = self.metadata.get("raw/rejected_rows", {}).get("rejections", 0)
            return (
                f"{files.get('files', 0)} files, {files.get('rows_loaded', 0):,} rows loaded,"
                f" {rejected:,} rejected, {files.get('failed_files', 0)} files failed {took}"
            )
        if name == "extract":
            articles = self.metadata.get("raw/articles", {})
            return f"{articles.get('rows_loaded', 0):,} rows from article texts {took}"
        if name == "dbt":
            return f"{self.dbt_done}/{self.dbt_total} models, seeds and tests {took}"
        if name == "checks":
            return (
                f"{self.checks['passed']} passed, {self.checks['warned']} warned,"
                f" {self.checks['failed']} failed"
            )
        return f"{', '.join(key.split('/')[-1] for key in phase.done)} {took}"

    def close(self) -> None:
        self.print_finished_phases(run_over=True)
        self.log.close()
