"""`run_extract`, the function behind `alcap extract PATH [--format table|jsonl]`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from dagster_project.cli import main as alcap_main
from dagster_project.extract import OUTPUT_FIELDS
from dagster_project.review.preview import run_extract

ARTICLE = """---
title: Cable ladder
publisher: Test Daily
published: 2020-11-03
url: https://example.invalid/cable
language: en
---
One tonne of aluminium drawn into rod adds about 600 yuan; made into cable, 4,800 yuan.
Its overhead conductor holds more than 35 percent of the provincial market.
"""


def test_jsonl_has_exactly_the_sixteen_fields(tmp_path):
    path = tmp_path / "cable.md"
    path.write_text(ARTICLE, encoding="utf-8")
    stream = io.StringIO()
    assert run_extract(str(path), "jsonl", stream) == 0
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert OUTPUT_FIELDS == (
        "value", "unit", "surface", "start", "end", "sentence_start", "sentence_end", "bound",
        "subject", "metric", "period", "period_rule", "value_low", "value_high", "change",
        "subject_rule",
    )  # fmt: skip
    assert [list(record) for record in records] == [list(OUTPUT_FIELDS)] * 3
    assert [(r["value"], r["unit"], r["bound"], r["period"]) for r in records] == [
        (600.0, "CNY/t", "approx", "2020"),
        (4800.0, "CNY/t", "exact", "2020"),
        (35.0, "percent", "at_least", "2020"),
    ]
    text = path.read_text(encoding="utf-8")
    assert all(text[r["start"] : r["end"]] == r["surface"] for r in records)


def test_table_is_readable(tmp_path):
    path = tmp_path / "cable.md"
    path.write_text(ARTICLE, encoding="utf-8")
    stream = io.StringIO()
    assert run_extract(str(path), stream=stream) == 0
    lines = stream.getvalue().splitlines()
    assert lines[0] == f"{path}: Cable ladder, 2020-11-03: 3 candidates"
    assert lines[1].split() == [
        "span", "value", "unit", "bound", "subject", "metric", "period", "surface",
    ]  # fmt: skip
    assert "4,800  CNY/t" in lines[4]
    assert lines[4].endswith("4,800 yuan")


def test_bad_input_exits_non_zero_with_one_line_naming_the_file(tmp_path, capsys):
    path = tmp_path / "latin.md"
    path.write_bytes("Caf\u00e9 5 tons".encode("latin-1"))
    stream = io.StringIO()
    assert run_extract(str(path), "jsonl", stream) == 2
    assert stream.getvalue() == ""
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"error: {path}: not UTF-8")
    assert run_extract(str(tmp_path / "missing.md"), "table", io.StringIO()) == 2
    assert run_extract(str(path), "xml", io.StringIO()) == 2


def test_warnings_go_to_stderr(tmp_path, capsys):
    path = tmp_path / "plain.txt"
    path.write_text("No figures here, only words.\n", encoding="utf-8")
    assert alcap_main(["extract", str(path), "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"warning: {path}: no front-matter header" in captured.err
    assert f"warning: {path}: no figures found" in captured.err


def test_the_alcap_executable_prints_all_and_exits_with_the_commands_code(tmp_path):
    """`alcap` exits without tearing the interpreter down (cli.run): its output is complete,
    piped or not, and its exit code is the command's."""
    path = tmp_path / "cable.md"
    path.write_text(ARTICLE * 200, encoding="utf-8")  # more output than a pipe's buffer
    stream = io.StringIO()
    assert run_extract(str(path), "jsonl", stream) == 0
    expected = stream.getvalue()
    executable = Path(sys.executable).parent / "alcap"
    done = subprocess.run(
        [str(executable), "extract", str(path), "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, expected)
    assert len(done.stdout.splitlines()) == 600
    missing = subprocess.run(
        [str(executable), "extract", str(tmp_path / "no-such.md")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode != 0 and missing.stderr
