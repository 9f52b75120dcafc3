"""The source registry, raw/sources.yml: every source and the files it supplies."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import yaml

from dagster_project.ingest.csv_file import Rejection, chinese_hint, utf16_name
from dagster_project.ingest.paths import PathError, normalise

KINDS = {"article", "statistic"}
DATASETS = {
    "articles": {"article_text"},
    "article_claims": {"claims_csv"},
    "point_statistics": {"claims_csv"},
    "production_series": {"owid_csv"},
    "price_series": {"imf_csv", "fred_csv"},
    "exchange_rates": {"fred_csv"},
}
REQUIRED_FIELDS = [
    "id", "kind", "publisher", "title", "url", "published", "retrieved", "licence",
    "trust", "dataset", "format", "files",
]  # fmt: skip
_TRUST = re.compile(r"^([ABCD])([+-]?)$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# How often a source publishes new figures; dbt (macros/source_stale_reason.sql) decides from it
# when a source is stale. `once`: a one-off article or report, never stale by age.
CADENCES = {"monthly", "quarterly", "annual", "irregular", "once"}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Files under raw/ that are not data: the registry itself and any folder's README.md.
REGISTRY_FILE = "sources.yml"
# PyYAML's libyaml binding, in its wheels for this platform; the pure-Python loader otherwise.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DOCUMENTATION_NAME = "README.md"
# An article source may list its own text (`text:`): those files load as dataset `articles`.
TEXT_DATASET, TEXT_FORMAT = "articles", "article_text"

SCHEMA = {
    "source_id": pl.String,
    "kind": pl.String,
    "publisher": pl.String,
    "title": pl.String,
    "url": pl.String,
    "published": pl.String,
    "retrieved": pl.String,
    "licence": pl.String,
    "trust": pl.String,
    "trust_rank": pl.Int64,
    "language": pl.String,
    "dataset": pl.String,
    "format": pl.String,
    "files": pl.List(pl.String),
    "text_files": pl.List(pl.String),
    "series_entity": pl.String,
    "series_metric": pl.String,
    "series_unit": pl.String,
    "series_frequency": pl.String,
    "note": pl.String,
    "cadence": pl.String,
    "next_release": pl.String,
    "line": pl.Int64,
}


class RegistryError(Exception):
    pass


def trust_rank(grade: str) -> int:
    """A+ = 12 ... D- = 1, so that grades sort as numbers."""
    match = _TRUST.match(grade)
    if not match:
        raise ValueError(f"trust {grade!r} is not A, B, C or D with optional + or -")
    letter, sign = match.groups()
    return (4 - "ABCD".index(letter)) * 3 - 1 + {"+": 1, "": 0, "-": -1}[sign]


@dataclass
class Registry:
    sources: pl.DataFrame
    rejections: list[Rejection] = field(default_factory=list)

    def files_of(self, dataset: str) -> dict[str, list[str]]:
        """file → ids of the sources that list it, for one dataset."""
        files: dict[str, list[str]] = {}
        for row in self.sources.iter_rows(named=True):
            listed = row["files"] if row["dataset"] == dataset else []
            if dataset == TEXT_DATASET:
                listed = [*listed, *row["text_files"]]
            for file in listed:
                files.setdefault(file, []).append(row["source_id"])
        return files

    def datasets_of_files(self) -> dict[str, str]:
        """file → the dataset that loads it (of a file two datasets list, the later in DATASETS)."""
        return {file: dataset for dataset in DATASETS for file in self.files_of(dataset)}

    def listed_files(self) -> set[str]:
        return {
            file
            for column in ("files", "text_files")
            for files in self.sources[column]
            for file in files
        }


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip()


def load_registry(path: Path) -> Registry:
    """Parse sources.yml; a bad entry is rejected (with its line), the others load."""
    if not path.exists():
        raise RegistryError(f"{path}: source registry not found")
    data = path.read_bytes()
    if not data.strip():
        raise RegistryError(f"{path}: cannot read the registry: the file is empty")
    if utf16_name(data):
        raise RegistryError(f"{path}: cannot read the registry: UTF-16-encoded; save it as UTF-8")
    if b"\x00" in data:
        raise RegistryError(f"{path}: cannot read the registry: looks binary (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
        node, document = _parse_yaml(text)
    except UnicodeDecodeError as error:
        raise RegistryError(
            f"{path}: cannot read the registry: not UTF-8 (byte"
            f" 0x{error.object[error.start]:02x} at offset {error.start}){chinese_hint(data)};"
            " save it as UTF-8"
        ) from None
    except yaml.YAMLError as error:
        raise RegistryError(
            f"{path}: cannot read the registry: not valid YAML: {_one_line(error)}"
        ) from None
    except RecursionError:
        raise RegistryError(f"{path}: the registry is nested too deeply to read") from None
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise RegistryError(f"{path}: expected a mapping with a `sources:` list")
    lines = _entry_lines(node)
    rows, rejections, seen = [], [], {}
    file_datasets: dict[str, tuple[str, str, str]] = {}
    for index, entry in enumerate(document["sources"]):
        line = lines[index] if index < len(lines) else 0
        try:
            row = _validate_entry(entry, line)
            if row["source_id"] in seen:
                first = seen[row["source_id"]]
                raise ValueError(
                    f"duplicate source id {row['source_id']!r} (first at line {first})"
                )
            for file, dataset, file_format in _listings(row):
                earlier = file_datasets.get(file)
                if earlier and earlier[:2] != (dataset, file_format):
                    raise ValueError(
                        f"file {file} is listed by {earlier[2]} as {earlier[0]}/{earlier[1]} "
                        f"and here as {dataset}/{file_format}"
                    )
        except ValueError as error:
            source_id = entry.get("id") if isinstance(entry, dict) else None
            rejections.append(Rejection(line, None, _text(source_id), str(error), _text(source_id)))
            continue
        seen[row["source_id"]] = line
        for file, dataset, file_format in _listings(row):
            file_datasets.setdefault(file, (dataset, file_format, row["source_id"]))
        rows.append(row)
    return Registry(pl.DataFrame(rows, schema=SCHEMA), rejections)


def _one_line(error: yaml.YAMLError) -> str:
    """A YAML error as one line: what is wrong and where (PyYAML's own text spans lines)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem:
        where = error.problem_mark or error.context_mark
        line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        return f"{' '.join(error.problem.split())}{line}"
    return " ".join(str(error).split())


def _listings(row: dict) -> list[tuple[str, str, str]]:
    """(file, dataset, format) for every file a registry row lists."""
    listed = [(file, row["dataset"], row["format"]) for file in row["files"]]
    return listed + [(file, TEXT_DATASET, TEXT_FORMAT) for file in row["text_files"]]


def _parse_yaml(text: str) -> tuple[yaml.Node | None, object]:
    """The document's nodes (for the entries' lines) and its data. libyaml when PyYAML has it:
    the pure-Python parser took 3 s over the 22,000 entries of benchmark scale 100. A file
    libyaml rejects is parsed again by the pure-Python parser, whose error messages say more."""
    try:
        return _compose_and_construct(text, FAST_LOADER)
    except yaml.YAMLError:
        return _compose_and_construct(text, yaml.SafeLoader)


def _compose_and_construct(text: str, loader_class: type) -> tuple[yaml.Node | None, object]:
    """One parse for both: the data is constructed from the composed nodes (what yaml.load
    does after composing), so the text is not parsed a second time."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _entry_lines(node: yaml.Node | None) -> list[int]:
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "sources" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _validate_entry(entry: object, line: int) -> dict:
    if not isinstance(entry, dict):
        raise ValueError("registry entry is not a mapping")
    missing = [name for name in REQUIRED_FIELDS if name not in entry]
    if missing:
        raise ValueError(f"source {entry.get('id')!r} lacks fields: {', '.join(missing)}")
    source_id = _text(entry["id"])
    if not source_id or not re.fullmatch(r"[a-z0-9_]+", source_id):
        raise ValueError(f"source id {source_id!r} must be lower_snake_case")
    for name in ("kind", "dataset", "format"):
        if not isinstance(entry[name], str):
            raise ValueError(f"source {source_id}: {name} must be a word, not {entry[name]!r}")
    if entry["kind"] not in KINDS:
        raise ValueError(f"source {source_id}: kind {entry['kind']!r} is not article or statistic")
    dataset, file_format = entry["dataset"], entry["format"]
    if dataset not in DATASETS:
        raise ValueError(f"source {source_id}: unknown dataset {dataset!r}")
    if file_format not in DATASETS[dataset]:
        raise ValueError(f"source {source_id}: format {file_format!r} does not load {dataset}")
    for name in ("published", "retrieved"):
        # A page that shows no date at all may say `published: null`; a wrong date may not.
        if (entry[name] is not None or name == "retrieved") and not _DATE.match(str(entry[name])):
            raise ValueError(f"source {source_id}: {name} {entry[name]!r} is not YYYY[-MM[-DD]]")
    grade = _text(entry["trust"]) or ""
    try:
        rank = trust_rank(grade)
    except ValueError as error:
        raise ValueError(f"source {source_id}: {error}") from None
    files = _paths(entry["files"], source_id, "files")
    text_files = _paths(entry.get("text") or [], source_id, "text")
    if text_files and entry["kind"] != "article":
        raise ValueError(f"source {source_id}: only article sources have a text")
    if not files and not text_files:
        raise ValueError(f"source {source_id}: files must be a non-empty list of paths")
    cadence, next_release = _freshness(entry, source_id)
    series = entry.get("series") or {}
    if not isinstance(series, dict):
        raise ValueError(f"source {source_id}: series must be a mapping (entity, metric, unit)")
    if file_format in {"owid_csv", "imf_csv", "fred_csv"} and not series.get("unit"):
        raise ValueError(f"source {source_id}: series sources need series.unit")
    return {
        "source_id": source_id,
        "kind": entry["kind"],
        "publisher": _text(entry["publisher"]),
        "title": _text(entry["title"]),
        "url": _text(entry["url"]),
        "published": _text(entry["published"]),
        "retrieved": str(entry["retrieved"]),
        "licence": _text(entry["licence"]),
        "trust": grade,
        "trust_rank": rank,
        "language": _text(entry.get("language")),
        "dataset": dataset,
        "format": file_format,
        "files": files,
        "text_files": text_files,
        "series_entity": _text(series.get("entity")),
        "series_metric": _text(series.get("metric")),
        "series_unit": _text(series.get("unit")),
        "series_frequency": _text(series.get("frequency")),
        "note": _text(entry.get("note")),
        "cadence": cadence,
        "next_release": next_release,
        "line": line,
    }


def _freshness(entry: dict, source_id: str) -> tuple[str | None, str | None]:
    """The optional `cadence` and `next_release` (a day, YYYY-MM-DD) of an entry."""
    cadence = _text(entry.get("cadence"))
    if cadence is not None and cadence not in CADENCES:
        raise ValueError(
            f"source {source_id}: cadence {cadence!r} is not one of {', '.join(sorted(CADENCES))}"
        )
    next_release = entry.get("next_release")
    if next_release is not None:
        next_release = str(next_release)
        valid = _DAY.match(next_release)
        try:
            valid = valid and date.fromisoformat(next_release)
        except ValueError:
            valid = None
        if not valid:
            raise ValueError(f"source {source_id}: next_release {next_release!r} is not YYYY-MM-DD")
        if cadence == "once":
            raise ValueError(f"source {source_id}: a source published once has no next_release")
    return cadence, next_release


def _paths(value: object, source_id: str, name: str) -> list[str]:
    """The entry's paths in their canonical spelling; an unsafe one rejects the entry."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"source {source_id}: {name} must be a list of paths under raw/")
    paths: list[str] = []
    for item in value:
        try:
            path = normalise(item)
        except PathError as error:
            raise ValueError(f"source {source_id}: {name} entry {item!r} {error}") from None
        if path == REGISTRY_FILE:
            raise ValueError(f"source {source_id}: {name} entry {item!r} is the registry itself")
        if path not in paths:
            paths.append(path)
    return paths


def data_files_on_disk(raw_dir: Path) -> list[str]:
    """Every data file under raw/, relative to it: not hidden, not the registry, not a README.
    A symbolic link to a file counts (reading it checks where it leads); one to a folder is not
    followed. Sorted by path parts, folder by folder."""
    found: list[str] = []
    # os.scandir with strings: rglob's Path objects cost about a second per 20,000 files, and
    # an entry knows its own type without a stat (os.walk and isfile took one per file:
    # 0.2 s at 22,000 files, of every refresh's plan).
    folders = [(os.fspath(raw_dir), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, f"{prefix}{name}/"))
                    continue
                is_file = entry.is_file()  # follows a link, as reading would
            except OSError:
                continue
            relative = prefix + name
            if is_file and name != DOCUMENTATION_NAME and relative != REGISTRY_FILE:
                found.append(relative)
    return sorted(found, key=lambda relative: relative.split("/"))
