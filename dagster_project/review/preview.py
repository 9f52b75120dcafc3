"""`alcap extract PATH [--format table|jsonl]`: print an article's candidate claims.

`run_extract` is the function the `alcap` command wires in. Table output is for people; jsonl is one
JSON object per candidate with exactly the fields in OUTPUT_FIELDS. Warnings (missing header
fields, no figures) go to stderr as `warning: PATH: ...`; a file that cannot be read prints one
line `error: PATH: reason` to stderr and returns exit code 2.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from dagster_project.extract.articles import ArticleError
from dagster_project.extract.extractor import Candidate, Extraction, extract_file

FORMATS = ("table", "jsonl")
EXIT_BAD_INPUT = 2


def run_extract(path: str, output_format: str = "table", stream: TextIO = sys.stdout) -> int:
    if output_format not in FORMATS:
        print(f"error: unknown format {output_format!r}; use table or jsonl", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        extraction = extract_file(path)
    except ArticleError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for warning in extraction.warnings:
        print(f"warning: {path}: {warning}", file=sys.stderr)
    if output_format == "jsonl":
        for candidate in extraction.candidates:
            stream.write(json.dumps(candidate.as_record(), ensure_ascii=False) + "\n")
    else:
        stream.write(format_table(extraction))
    return 0


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


def _row(candidate: Candidate) -> list[str]:
    period = candidate.period or "-"
    return [
        f"{candidate.start}-{candidate.end}",
        str(int(candidate.value)) if candidate.unit == "year" else _number(candidate.value),
        candidate.unit,
        candidate.bound,
        candidate.subject or "-",
        candidate.metric,
        f"{period} ({candidate.period_rule})",
        " ".join(candidate.surface.split()),
    ]


def format_table(extraction: Extraction) -> str:
    title = extraction.title or "(no title)"
    published = extraction.published or "unknown date"
    lines = [f"{extraction.path}: {title}, {published}: {len(extraction.candidates)} candidates"]
    if not extraction.candidates:
        return lines[0] + "\n"
    header = ["span", "value", "unit", "bound", "subject", "metric", "period", "surface"]
    rows = [header, *(_row(candidate) for candidate in extraction.candidates)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    for index, row in enumerate(rows):
        cells = [row[column].ljust(widths[column]) for column in range(len(widths))]
        cells[1] = row[1].rjust(widths[1])
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in [*widths, len(header[-1])]))
    return "\n".join(lines) + "\n"
