"""Malformed raw files at scale, through the loader functions on a small raw/.

For every case (tests/fuzz_cases.py): the load finishes; every other source's rows and audit
rows are exactly those of a load without the case; the case's file has rows_read =
rows_loaded + rows_rejected; every record is loaded or rejected (none lost), and a loaded
value is what the row says; no exception other than a one-line RegistryError leaves the
loader; every message is one line naming the file, and names the real cause for files that
are UTF-16, not UTF-8, binary or empty.

`pytest tests/test_fuzz.py` runs a fixed-seed subset; `make fuzz` runs FUZZ_EXAMPLES cases
(1,000 by default) and prints the table of families.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from conftest import list_article_text, run_alcap, write
from fuzz_cases import CASE_SOURCE, ENTRY, FAMILIES, FORMATS, PAIRS, Case, cases, known_cases
from hypothesis import HealthCheck, Phase, given, settings

from dagster_project.ingest.loader import DATASET_TABLES, load_dataset, load_source_registry
from dagster_project.ingest.registry import DATASETS, RegistryError
from dagster_project.ingest.series import parse_year
from dagster_project.ingest.units import parse_number, parse_period
from dagster_project.settings import PROJECT_ROOT

FAST_EXAMPLES_PER_FAMILY = 1
ARTICLE = "Binzhou's aluminium output value reached 330 billion yuan in 2018.\n"
IMF_SOURCE = """
- id: test_imf
  kind: statistic
  publisher: Test Fund
  title: Aluminium price
  url: http://example.invalid/imf
  published: 2020
  retrieved: 2026-11-29
  licence: public
  trust: A
  dataset: price_series
  format: imf_csv
  files: [statistics/imf_aluminium.csv]
  series: {entity: World, metric: aluminium_price, unit: USD/t}
"""
FRED_CASE_FILE = "observation_date,FUZZ\n2019-01-01,6.7863\n"
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)


def make_template(raw: Path) -> None:
    """The conftest raw/ plus an IMF series and an article text, so every format is present."""
    registry = raw / "sources.yml"
    registry.write_text(registry.read_text("utf-8") + IMF_SOURCE, "utf-8")
    write(raw / "statistics/imf_aluminium.csv", "Date,Price\n2019-01-01,1850.5\n2019-02-01,1870\n")
    write(raw / "articles/test_article.md", ARTICLE)
    list_article_text(raw, "test_article", "articles/test_article.md")


def case_entry(file_format: str) -> str:
    file, dataset, kind, series = FORMATS[file_format]
    lines = [
        f"- id: {CASE_SOURCE}", f"  kind: {kind}", "  publisher: Fuzz", "  title: Fuzz",
        "  url: http://x.invalid", "  published: 2020", "  retrieved: 2026-11-29",
        "  licence: test", "  trust: B",
    ]  # fmt: skip
    if file_format == "article_text":
        lines += ["  dataset: article_claims", "  format: claims_csv", "  files: []"]
        lines += [f"  text: [{file}]"]
    else:
        lines += [f"  dataset: {dataset}", f"  format: {file_format}", f"  files: [{file}]"]
    if series:
        lines.append(f"  series: {{unit: {series['unit']}}}")
    return "\n".join(lines) + "\n"


def load_all(connection, raw: Path) -> None:
    load_source_registry(connection, raw)
    for dataset in sorted(DATASETS):
        load_dataset(connection, dataset, raw)


def snapshot(connection, skip: set[str]) -> dict[str, list]:
    """Every raw row not about the case's files, without load times."""
    tables = [table for tables in DATASET_TABLES.values() for table in tables]
    rows = {
        table: connection.execute(
            f"select * exclude (loaded_at) from raw.{table} where file not in (select unnest(?))"
            " order by all",
            [sorted(skip)],
        ).fetchall()
        for table in tables
    }
    rows["file_loads"] = connection.execute(
        "select * exclude (loaded_at) from raw.file_loads where file not in (select unnest(?))"
        " order by all",
        [sorted(skip | {"sources.yml"})],
    ).fetchall()
    rows["rejected_rows"] = connection.execute(
        "select * exclude (rejected_at) from raw.rejected_rows"
        " where file not in (select unnest(?)) order by all",
        [sorted(skip | {"sources.yml"})],
    ).fetchall()
    rows["source_registry"] = connection.execute(
        "select * from raw.source_registry where source_id not in ('fuzz_case', 'fuzz_entry')"
        " order by source_id"
    ).fetchall()
    return rows


@dataclass
class Outcome:
    lost: int = 0
    traceback: str | None = None
    unclear: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def handled(self) -> bool:
        return not (self.lost or self.traceback or self.unclear)


def oracle_number(text: str) -> float | None:
    """What a value cell says, by the documented rule (a number, thousands separators allowed)."""
    value = text.strip()
    if GROUPED.match(value):
        value = value.replace(",", "")
    return float(value) if NUMBER.match(value) and abs(float(value)) != float("inf") else None


def record_at(data: bytes, line: int) -> list[str]:
    """The CSV record that starts on physical line `line`, read independently of the loader."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = b"".join(data.splitlines(keepends=True)[line - 1 :]).decode("utf-8", "replace")
    return next(csv.reader(io.StringIO(text, newline="")), [])


def expected_cause(data: bytes, whole_file: bool) -> list[str]:
    """The words a message must hold, from what the bytes plainly are. When the whole file
    failed, only its first line (the header) has to be UTF-8 for the failure to be about
    something else."""
    halves = (data[0:64:2].count(0), data[1:64:2].count(0))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (
        len(data) >= 8 and max(halves) > 0.4 * len(data[:64])
    ):
        return ["utf-16"]
    if not data.strip():
        return ["empty"] if not data else ["empty|white space"]
    if b"\x00" in data[:4096]:
        return ["binary"]
    try:
        (data.splitlines()[0] if whole_file else data).decode("utf-8")
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
            return ["utf-8", "gbk"]
        except UnicodeDecodeError:
            return ["utf-8"]
    return []


def check_message(outcome: Outcome, message: str | None, file: str, name_file: bool) -> None:
    if message is None:
        return
    if "\n" in message or "\r" in message or not message.strip():
        outcome.unclear.append(f"not one line: {message[:200]!r}")
    if "Traceback" in message:
        outcome.unclear.append("a traceback in the message")
    if name_file and file not in message:
        outcome.unclear.append(f"does not name {file}: {message[:200]!r}")


def check_cause(outcome: Outcome, data: bytes, messages: list[str], whole_file: bool) -> None:
    for words in expected_cause(data, whole_file):
        if not any(
            any(word in message.lower() for word in words.split("|")) for message in messages
        ):
            outcome.unclear.append(f"no {words!r} in {[m[:120] for m in messages]}")


def check_case_file(outcome: Outcome, connection, case: Case) -> None:
    file = case.file
    loads = connection.execute(
        "select status, rows_read, rows_loaded, rows_rejected, error from raw.file_loads"
        " where file = ?",
        [file],
    ).fetchall()
    if len(loads) != 1:
        outcome.lost += 1
        outcome.notes.append(f"{len(loads)} file_loads rows for {file}")
        return
    status, read, loaded, rejected, error = loads[0]
    if read != loaded + rejected:
        outcome.lost += abs(read - loaded - rejected)
        outcome.notes.append(f"rows_read {read} != {loaded} + {rejected}")
    check_message(outcome, error, file, name_file=True)
    reasons = connection.execute(
        "select line, reason from raw.rejected_rows where file = ?", [file]
    ).fetchall()
    for _, reason in reasons:
        check_message(outcome, reason, file, name_file=False)
    if status == "failed" or rejected:
        messages = [error] if error else []
        whole_file = status == "failed" and case.file_format != "article_text"
        check_cause(outcome, case.data, messages + [r for _, r in reasons], whole_file)
    rejected_lines = {line for line, _ in reasons}
    if case.file_format == "article_text":
        check_article(outcome, connection, case, loaded)
        return
    dataset = FORMATS[case.file_format][1]
    rows = connection.sql(f"select * from raw.{dataset} where file = '{file}'").pl()
    loaded_lines = set(rows["line"].to_list())
    if case.file_format == "owid_csv":
        if len(loaded_lines) > loaded:
            outcome.lost += 1
            outcome.notes.append("more lines in the table than rows_loaded")
    elif rows.height != loaded:
        outcome.lost += abs(rows.height - loaded)
        outcome.notes.append(f"{rows.height} rows in raw.{dataset}, rows_loaded {loaded}")
    if loaded_lines & rejected_lines:
        outcome.lost += 1
        outcome.notes.append(f"lines both loaded and rejected: {loaded_lines & rejected_lines}")
    if status != "failed" and case.record_lines is not None:
        header = [name.strip() for name in record_at(case.data, 1)]
        for line in sorted(case.record_lines - loaded_lines - rejected_lines):
            cells = record_at(case.data, line)
            if case.file_format == "owid_csv" and all(not cell.strip() for cell in cells[3:]):
                continue  # no observation on the line: nothing to load
            outcome.lost += 1
            outcome.notes.append(f"line {line} neither loaded nor rejected")
        if status != "failed" and read != len(case.record_lines):
            outcome.notes.append(f"rows_read {read}, records {len(case.record_lines)}")
            outcome.lost += abs(read - len(case.record_lines))
    header = [name.strip() for name in record_at(case.data, 1)]
    for row in rows.iter_rows(named=True):
        cells = dict(zip(header, record_at(case.data, row["line"]), strict=False))
        check_row(outcome, case.file_format, row, cells)


def check_row(outcome: Outcome, file_format: str, row: dict, cells: dict[str, str]) -> None:
    """A loaded row holds what its line says."""
    if file_format == "claims_csv":
        expected = {
            "claim_id": cells.get("claim_id", "").strip(),
            "value": oracle_number(cells.get("value", "")),
            "unit_as_written": cells.get("unit", "").strip(),
            "period": cells.get("period", "").strip(),
        }
    elif file_format == "owid_csv":
        measure = row["metric"].removesuffix("_production")
        column = next((name for name in cells if name.lower() == measure), "")
        expected = {
            "value": oracle_number(cells.get(column, "")),
            "period_date": cells.get("Year", "").strip(),
        }
        row = {**row, "period_date": str(row["period_date"].year)}
    else:
        date_column, value_column = list(cells)[:2] if len(cells) >= 2 else ("", "")
        expected = {
            "value": oracle_number(cells.get(value_column, "")),
            "period_date": cells.get(date_column, "").strip(),
        }
        row = {**row, "period_date": row["period_date"].isoformat()}
    for name, value in expected.items():
        if value is None or row[name] != value:
            outcome.lost += 1
            outcome.notes.append(f"line {row['line']}: {name} {row[name]!r}, line says {value!r}")


def check_article(outcome: Outcome, connection, case: Case, loaded: int) -> None:
    articles = connection.execute(
        "select text_length from raw.articles where file = ?", [case.file]
    ).fetchall()
    if len(articles) != loaded:
        outcome.lost += 1
        outcome.notes.append(f"{len(articles)} article rows, rows_loaded {loaded}")
    if not articles:
        return
    text = case.data.decode("utf-8").removeprefix("\ufeff")
    if articles[0][0] != len(text):
        outcome.notes.append(f"text_length {articles[0][0]} != {len(text)}")
        outcome.lost += 1
    spans = connection.execute(
        "select surface, span_start, span_end from raw.claim_candidates where file = ?",
        [case.file],
    ).fetchall()
    for surface, start, end in spans:
        if text[start:end] != surface:
            outcome.lost += 1
            outcome.notes.append(f"candidate {surface!r} is not the text at {start}-{end}")


def check_registry(outcome: Outcome, connection, case: Case, error: str | None) -> None:
    if error is not None:
        check_message(outcome, error, "sources.yml", name_file=True)
        check_cause(outcome, case.data, [error], whole_file=False)
        return
    read, loaded, rejected = connection.execute(
        "select rows_read, rows_loaded, rows_rejected from raw.file_loads where file = 'sources.yml'"
    ).fetchall()[0]
    if read != loaded + rejected:
        outcome.lost += 1
        outcome.notes.append(f"registry rows_read {read} != {loaded} + {rejected}")
    reasons = connection.execute(
        "select line, reason from raw.rejected_rows where file = 'sources.yml'"
    ).fetchall()
    for _, reason in reasons:
        check_message(outcome, reason, "sources.yml", name_file=False)
        if not re.search(r"\bsource\b|entry", reason):
            outcome.unclear.append(f"reason names no entry: {reason!r}")
    entry = connection.execute(
        "select files from raw.source_registry where source_id = 'fuzz_entry'"
    ).fetchall()
    for path in entry[0][0] if entry else []:
        parts = path.split("/")
        if (
            path.startswith("/")
            or "\\" in path
            or {"..", ".", ""} & set(parts)
            or path != path.strip()
        ):
            outcome.lost += 1
            outcome.notes.append(f"fuzz_entry loaded with a path not in canonical form: {path!r}")
    if not entry and not reasons and b"fuzz_entry" in case.data and rejected == 0:
        outcome.notes.append("fuzz_entry neither loaded nor rejected")
        outcome.lost += 1


def run_case(case: Case, template: Path, baseline: Path, expected: dict) -> Outcome:
    outcome = Outcome()
    with tempfile.TemporaryDirectory() as work:
        raw = shutil.copytree(template, Path(work) / "raw")
        database = Path(work) / "warehouse.duckdb"
        shutil.copyfile(baseline, database)
        skip = {case.file}
        if case.file_format == "registry":
            (raw / "sources.yml").write_bytes(case.data)
            write(raw / "statistics/fred_FUZZ.csv", FRED_CASE_FILE)
            skip.add("statistics/fred_FUZZ.csv")
        else:
            registry = raw / "sources.yml"
            registry.write_text(registry.read_text("utf-8") + case_entry(case.file_format))
            write(raw / case.file, case.data)
        registry_error = None
        with duckdb.connect(str(database)) as connection:
            try:
                load_all(connection, raw)
            except RegistryError as error:
                registry_error = str(error)
            except Exception as error:  # noqa: BLE001 - counted: the point of the harness
                outcome.traceback = "".join(traceback.format_exception_only(error)).strip()
                return outcome
            if case.file_format == "registry":
                # The new entry may list any path: only the files the others list are compared.
                theirs = {row[1] for row in expected["file_loads"]}
                others = connection.execute(
                    "select distinct file from raw.file_loads union select distinct file"
                    " from raw.rejected_rows"
                ).fetchall()
                skip |= {file for (file,) in others if file not in theirs}
            if snapshot(connection, skip) != expected:
                outcome.lost += 1
                outcome.notes.append("other sources changed")
            if case.file_format == "registry":
                check_registry(outcome, connection, case, registry_error)
            elif registry_error:
                outcome.traceback = f"registry failed: {registry_error}"
            else:
                check_case_file(outcome, connection, case)
    return outcome


@pytest.fixture
def harness(raw_dir, tmp_path):
    """The template raw/, a warehouse loaded from it (twice, so articles are `unchanged`), and
    what every other source's rows look like then."""
    make_template(raw_dir)
    baseline = tmp_path / "baseline.duckdb"
    with duckdb.connect(str(baseline)) as connection:
        load_all(connection, raw_dir)
        load_all(connection, raw_dir)
    expected = {}
    for skip in {frozenset({file}) for file, *_ in FORMATS.values()}:
        with duckdb.connect(str(baseline)) as connection:
            expected[skip] = snapshot(connection, set(skip))
    with duckdb.connect(str(baseline)) as connection:
        expected["registry"] = snapshot(connection, {"sources.yml", "statistics/fred_FUZZ.csv"})
    registry = (raw_dir / "sources.yml").read_text("utf-8")
    return raw_dir, baseline, expected, registry


def run_many(
    harness, examples: int, derandomize: bool, pairs=PAIRS, tally=None, failures=None
) -> dict:
    template, baseline, expected, registry = harness
    tally = defaultdict(Counter) if tally is None else tally
    failures = [] if failures is None else failures

    @settings(
        max_examples=examples,
        derandomize=derandomize,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # count every case; nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(registry, pairs))
    def one(case: Case) -> None:
        if case.file_format == "registry":
            skip = expected["registry"]
        else:
            skip = expected[frozenset({case.file})]
        outcome = run_case(case, template, baseline, skip)
        counts = tally[(case.family, case.file_format)]
        counts["tried"] += 1
        counts["handled"] += outcome.handled
        counts["lost rows"] += outcome.lost
        counts["traceback"] += outcome.traceback is not None
        counts["unclear message"] += bool(outcome.unclear)
        if not outcome.handled and len(failures) < 30:
            detail = outcome.traceback or "; ".join(outcome.unclear + outcome.notes)
            failures.append(f"{case.family}/{case.file_format} {case.data[:120]!r}: {detail}")

    one()
    return {"tally": tally, "failures": failures}


def table(tally: dict[tuple[str, str], Counter]) -> str:
    columns = ["tried", "handled", "lost rows", "traceback", "unclear message"]
    by_family: dict[str, Counter] = defaultdict(Counter)
    for (family, _), counts in tally.items():
        by_family[family].update(counts)
    total = sum(by_family.values(), Counter())
    lines = [f"{'family':<22}" + "".join(f"{name:>17}" for name in columns)]
    for family in [*FAMILIES, "total"]:
        counts = total if family == "total" else by_family.get(family, Counter())
        lines.append(f"{family:<22}" + "".join(f"{counts[name]:>17}" for name in columns))
    return "\n".join(lines)


def test_fuzz_fixed_seed_subset(harness):
    """A fixed-seed case of every family (formats drawn from the family's own)."""
    tally, failures = defaultdict(Counter), []
    for family in FAMILIES:
        pairs = [pair for pair in PAIRS if pair[0] == family]
        run_many(harness, FAST_EXAMPLES_PER_FAMILY, True, pairs, tally, failures)
    template, baseline, expected, registry = harness
    for case in known_cases(registry):
        key = "registry" if case.file_format == "registry" else frozenset({case.file})
        outcome = run_case(case, template, baseline, expected[key])
        tally[(case.family, case.file_format)].update(
            tried=1, handled=outcome.handled, traceback=outcome.traceback is not None
        )
        if not outcome.handled:
            failures.append(f"{case}: {outcome}")
    print("\n" + table(tally))
    assert all(counts["tried"] for counts in tally.values())
    assert not failures, "\n".join(failures)


@pytest.mark.skipif(not os.environ.get("FUZZ_EXAMPLES"), reason="make fuzz runs it")
def test_fuzz_many(harness):
    """FUZZ_EXAMPLES random cases, shared evenly by the families (hypothesis alone favours the
    first pairs it can sample)."""
    tally, failures = defaultdict(Counter), []
    per_family = -(-int(os.environ["FUZZ_EXAMPLES"]) // len(FAMILIES))
    for family in FAMILIES:
        pairs = [pair for pair in PAIRS if pair[0] == family]
        run_many(harness, per_family, False, pairs, tally, failures)
    print("\n" + table(tally))
    assert not failures, "\n".join(failures)


def test_every_family_and_format_is_generated():
    formats = {file_format for _, file_format in PAIRS}
    assert formats == {*FORMATS, "registry"}
    assert set(FAMILIES) == {family for family, _ in PAIRS}


def test_refresh_through_the_cli_survives_bad_files(refreshed, tmp_path):
    """One `alcap refresh` of the shipped raw/ with bad files of several kinds dropped in: it
    publishes, each bad file is reported with its real cause, nothing outside raw/ leaks, and a
    file that loaded before and now fails keeps its last rows in the marts."""
    home = tmp_path / "home"
    shutil.copytree(refreshed, home, ignore=shutil.ignore_patterns("dagster_home"))
    raw = shutil.copytree(PROJECT_ROOT / "raw", tmp_path / "raw")
    (raw / "claims" / "stdaily_2019_aluminium_city.csv").write_bytes(b"\x00\x01 not a csv")
    (raw / "claims" / "stray.csv").write_text("claim_id\n", encoding="utf-8")
    secret = write(tmp_path / "outside" / "secret.csv", "SECRET-OUTSIDE-RAW\n")
    claims = "claim_id,subject,product,market_scope,metric,period,value,unit,bound,source_id,location_note\n"
    write(
        raw / "claims/bad_utf16.csv",
        (claims + "a,b,,,output_value,2019,5,%,exact,bad_utf16,x\n").encode("utf-16"),
    )
    write(
        raw / "claims/bad_gbk.csv",
        (claims + "a,滨州,,,output_value,2019,5,%,exact,bad_gbk,x\n").encode("gbk"),
    )
    (raw / "claims/bad_link.csv").symlink_to(secret)
    entries = ""
    for source_id, files in [
        ("bad_utf16", "[claims/bad_utf16.csv]"),
        ("bad_gbk", "[claims/bad_gbk.csv]"),
        ("bad_link", "[claims/bad_link.csv]"),
        ("bad_escape", "[../../../../etc/passwd]"),
    ]:
        entries += (
            f"  - id: {source_id}\n    kind: article\n    publisher: x\n    title: x\n"
            "    url: http://x.invalid\n    published: 2020\n    retrieved: 2026-11-29\n"
            "    licence: x\n    trust: C\n    dataset: article_claims\n    format: claims_csv\n"
            f"    files: {files}\n"
        )
    registry = raw / "sources.yml"
    registry.write_text(registry.read_text("utf-8").rstrip("\n") + "\n" + entries, "utf-8")
    result = run_alcap(home, raw, "refresh")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    with duckdb.connect(str(home / "serving" / "alcap.duckdb"), read_only=True) as published:
        loads = dict(
            published.execute(
                "select file, status || ': ' || coalesce(error, '') from raw.file_loads"
            ).fetchall()
        )
        published_text = repr(
            published.execute(
                "select * from raw.file_loads union all by name select * from raw.rejected_rows"
            ).fetchall()
        )
        gbk_reasons = [
            reason
            for (reason,) in published.execute(
                "select reason from raw.rejected_rows where file = 'claims/bad_gbk.csv'"
            ).fetchall()
        ]
        registry_reasons = [
            reason
            for (reason,) in published.execute(
                "select reason from raw.rejected_rows where file = 'sources.yml'"
            ).fetchall()
        ]
    assert "UTF-16" in loads["claims/bad_utf16.csv"]
    assert loads["claims/bad_gbk.csv"] == "loaded_with_rejections: "  # its header is ASCII
    assert gbk_reasons == [
        "line is not valid UTF-8 (byte 0xb1 at position 2); it reads as GBK/GB 18030 (Chinese Windows)"
    ]
    assert "outside raw/" in loads["claims/bad_link.csv"]
    assert any("bad_escape" in reason and "leaves raw/" in reason for reason in registry_reasons)
    assert "SECRET" not in published_text and "root:" not in published_text
    assert loads["claims/dazhong_2019_aluminium_valley.csv"] == "loaded: "
    stdaily = loads["claims/stdaily_2019_aluminium_city.csv"]
    assert stdaily.startswith("failed: ") and "file looks binary" in stdaily
    assert "kept 25 rows from the previous load" in stdaily
    assert loads["claims/stray.csv"].startswith("unlisted: claims/stray.csv is not listed")
    with duckdb.connect(str(home / "serving" / "alcap.duckdb"), read_only=True) as published:
        ((kept,),) = published.execute(
            "select count(*) from marts.fct_claims where source_id = 'stdaily_2019_aluminium_city'"
        ).fetchall()
    assert kept == 25


# ---- the bugs the harness found, one focused test each ----------------------------------


@pytest.mark.parametrize("written", ["５０", "５,０００", "٥٠"])
def test_non_ascii_digits_are_rejected_not_read_as_numbers(written):
    """`\\d` and float() take full-width and other scripts' digits: ５０ loaded as 50."""
    with pytest.raises(ValueError, match="non-ASCII"):
        parse_number(written)
    with pytest.raises(ValueError):
        parse_period("２０１９")
    with pytest.raises(ValueError):
        parse_year("２０１４")


def test_number_too_large_for_a_double_is_rejected():
    with pytest.raises(ValueError, match="too large"):
        parse_number("1e309")
    assert parse_number("1e308") == 1e308


REGISTRY_ENTRY_BREAKS = [
    ("  kind: statistic\n", "  kind: [statistic]\n", "kind must be a word"),
    ("  dataset: exchange_rates\n", "  dataset: {a: 1}\n", "dataset must be a word"),
    ("  format: fred_csv\n", "  format: [fred_csv]\n", "format must be a word"),
    ("  series: {unit: CNY/USD}\n", "  series: [unit]\n", "series must be a mapping"),
    ("  trust: B\n", "  trust: !!int 3\n", "trust '3' is not A, B, C or D"),  # named no source
]


@pytest.mark.parametrize(("old", "new", "reason"), REGISTRY_ENTRY_BREAKS)
def test_registry_entry_of_wrong_type_is_rejected_not_a_crash(
    raw_dir, connection, old, new, reason
):
    """A list or mapping where a word was expected raised TypeError / AttributeError."""
    registry = raw_dir / "sources.yml"
    before = registry.read_text("utf-8")
    registry.write_text(before + ENTRY.replace(old, new), "utf-8")
    result = load_source_registry(connection, raw_dir)
    [(file, rejection)] = result.rejections
    assert file == "sources.yml" and rejection.reason.startswith(f"source fuzz_entry: {reason}")
    assert rejection.line == before.count("\n") + 1


@pytest.mark.parametrize(
    ("addition", "cause"),
    [
        ("- id: [unclosed\n", "not valid YAML: expected ',' or ']'"),
        (
            "  note: !!python/object/apply:os.system ['echo']\n",
            "not valid YAML: could not determine",
        ),
    ],
)
def test_registry_yaml_error_is_one_line(raw_dir, connection, addition, cause):
    """PyYAML's message spans several lines and quotes the file; ours is one line."""
    registry = raw_dir / "sources.yml"
    registry.write_text(registry.read_text("utf-8") + addition, "utf-8")
    with pytest.raises(RegistryError) as raised:
        load_source_registry(connection, raw_dir)
    message = str(raised.value)
    assert "\n" not in message and cause in message and "sources.yml" in message
    assert re.search(r"at line \d+, column \d+", message)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named_not_called_binary(raw_dir, connection, encoding):
    text = (raw_dir / "claims/test_article.csv").read_text("utf-8")
    (raw_dir / "claims/test_article.csv").write_bytes(text.encode(encoding))
    (raw_dir / "articles").mkdir()
    (raw_dir / "articles/a.md").write_bytes(ARTICLE.encode(encoding))
    list_article_text(raw_dir, "test_second_article", "articles/a.md")
    load_source_registry(connection, raw_dir)
    claims = load_dataset(connection, "article_claims", raw_dir).failed_files
    articles = load_dataset(connection, "articles", raw_dir).failed_files
    for failed in (claims, articles):
        assert "UTF-16-encoded, not UTF-8" in failed[0].error and "binary" not in failed[0].error
    registry = raw_dir / "sources.yml"
    registry.write_bytes(registry.read_text("utf-8").encode(encoding))
    with pytest.raises(RegistryError, match="UTF-16"):
        load_source_registry(connection, raw_dir)


def test_gbk_is_named_with_a_hint(raw_dir, connection):
    gbk = "claim_id,subject,product,market_scope,metric,period,value,unit,bound,source_id,location_note\n"
    gbk += "t1__01,滨州,,,output_value,2018,330,亿元,exact,test_article,x\n"
    (raw_dir / "claims/test_article.csv").write_bytes(gbk.encode("gbk"))
    load_source_registry(connection, raw_dir)
    load_dataset(connection, "article_claims", raw_dir)
    reasons = connection.execute(
        "select reason from raw.rejected_rows where file = 'claims/test_article.csv'"
    ).fetchall()
    assert reasons == [
        (
            "line is not valid UTF-8 (byte 0xb1 at position 7); it reads as GBK/GB 18030"
            " (Chinese Windows)",
        )
    ]


def test_a_new_file_reusing_claim_ids_does_not_take_them_from_another_source(raw_dir, connection):
    """Files were read in path order, so a new `claims/aa_*.csv` repeating `t1__01` took the
    id and the older source's row was rejected instead."""
    load_source_registry(connection, raw_dir)
    load_dataset(connection, "article_claims", raw_dir)
    registry = raw_dir / "sources.yml"
    registry.write_text(registry.read_text("utf-8") + case_entry("claims_csv"), "utf-8")
    claims = "claim_id,subject,product,market_scope,metric,period,value,unit,bound,source_id,location_note\n"
    write(
        raw_dir / FORMATS["claims_csv"][0],
        claims + "t1__01,a,,,output_value,2019,5,%,exact,fuzz_case,x\n",
    )
    load_source_registry(connection, raw_dir)
    load_dataset(connection, "article_claims", raw_dir)
    owner = connection.execute(
        "select file, value from raw.article_claims where claim_id = 't1__01'"
    ).fetchall()
    assert owner == [("claims/test_article.csv", 330.0)]
    reasons = connection.execute(
        "select reason from raw.rejected_rows where file = 'claims/aa_fuzz_case.csv'"
    ).fetchall()
    assert reasons == [("duplicate claim_id t1__01 (first at claims/test_article.csv:2)",)]
