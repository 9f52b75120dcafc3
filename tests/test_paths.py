"""Paths under raw/: equal spellings match, and nothing outside raw/ is opened or written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write

from dagster_project.ingest.loader import load_dataset, load_source_registry
from dagster_project.ingest.paths import PathError, RawDir, normalise
from dagster_project.ingest.registry import RegistryError
from dagster_project.review.accept import AcceptError, claims_file_for

SECRET = "root:x:0:0:SECRET-LINE-FROM-OUTSIDE"


def everything_stored(connection) -> str:
    """All the text the audit tables hold: what the serving snapshot would publish."""
    rows = connection.execute(
        "select * from raw.file_loads union all by name select * from raw.rejected_rows"
    ).fetchall()
    return repr(rows)


@pytest.mark.parametrize(
    "spelling",
    [
        "claims/x.csv",
        "./claims/x.csv",
        "claims//x.csv",
        "claims/../claims/x.csv",
        " claims/x.csv ",
        "claims\\x.csv",
        ".\\claims\\x.csv",
        "claims/./x.csv",
        "claims/x.csv /",  # normalises to `claims/x.csv `: found by the fuzz harness
        "\tclaims/x.csv\t/ ",
    ],
)
def test_equivalent_spellings_normalise_to_one(spelling):
    assert normalise(spelling) == "claims/x.csv"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("/etc/hostname", "absolute"),
        ("C:\\raw\\x.csv", "absolute"),
        ("\\\\server\\share\\x.csv", "absolute"),
        ("../../../../etc/passwd", "leaves raw/"),
        ("claims/../../x.csv", "leaves raw/"),
        ("..", "leaves raw/"),
        ("claims/x\x00.csv", "NUL"),
        ("   ", "empty"),
        (".", "raw/ itself"),
        ("claims/x.csv\nother", "line break"),
    ],
)
def test_unsafe_entries_are_refused(entry, problem):
    with pytest.raises(PathError, match=problem):
        normalise(entry)


def replace_listing(raw_dir, old: str, new: str) -> None:
    registry = raw_dir / "sources.yml"
    registry.write_text(registry.read_text("utf-8").replace(old, new), "utf-8")


@pytest.mark.parametrize(
    "spelling",
    ["./claims/test_article.csv", "claims//test_article.csv", "'claims\\\\test_article.csv '"],
)
def test_registry_spelling_variants_load_the_file(connection, raw_dir, spelling):
    replace_listing(raw_dir, "[claims/test_article.csv]", f"[{spelling}]")
    registry = load_source_registry(connection, raw_dir)
    assert registry.failed_files == [], registry.failed_files
    result = load_dataset(connection, "article_claims", raw_dir)
    loaded = {load.file: load.rows_loaded for load in result.files}
    assert loaded["claims/test_article.csv"] == 3
    listed = connection.execute(
        "select files from raw.source_registry where source_id = 'test_article'"
    ).fetchall()[0][0]
    assert listed == ["claims/test_article.csv"]


@pytest.mark.parametrize(
    ("entry", "problem"), [("../../../../etc/passwd", "leaves raw/"), ("/etc/hostname", "absolute")]
)
def test_registry_entry_outside_raw_is_refused_with_its_line(connection, raw_dir, entry, problem):
    replace_listing(raw_dir, "[claims/test_second_article.csv]", f"[{entry}]")
    result = load_source_registry(connection, raw_dir)
    line, source_id, reason = connection.execute(
        "select line, source_id, reason from raw.rejected_rows where file = 'sources.yml'"
    ).fetchall()[0]
    assert source_id == "test_second_article" and line == 14
    assert problem in reason and entry in reason and "\n" not in reason
    assert result.files[0].rows_rejected == 1
    # The other sources still load.
    assert load_dataset(connection, "article_claims", raw_dir).rows_loaded == 3
    assert "root:" not in everything_stored(connection)


def test_listed_symlink_out_of_raw_is_not_read(connection, raw_dir, tmp_path):
    secret = write(tmp_path / "outside" / "secret.csv", SECRET + "\n")
    (raw_dir / "claims/test_article.csv").unlink()
    (raw_dir / "claims/test_article.csv").symlink_to(secret)
    load_source_registry(connection, raw_dir)
    result = load_dataset(connection, "article_claims", raw_dir)
    failed = {load.file: load for load in result.failed_files}
    load = failed["claims/test_article.csv"]
    assert load.sha256 is None and load.rows_loaded == 0
    assert "sources.yml line 2 (source test_article)" in load.error
    assert "outside raw/" in load.error and "\n" not in load.error
    assert "SECRET" not in everything_stored(connection)
    assert result.rows_loaded == 1  # the second article still loads


def test_symlinked_folder_out_of_raw_is_not_read(connection, raw_dir, tmp_path):
    write(tmp_path / "outside" / "test_article.csv", SECRET + "\n")
    (raw_dir / "linked").symlink_to(tmp_path / "outside")
    replace_listing(raw_dir, "[claims/test_article.csv]", "[linked/test_article.csv]")
    load_source_registry(connection, raw_dir)
    result = load_dataset(connection, "article_claims", raw_dir)
    assert [load.file for load in result.failed_files] == ["linked/test_article.csv"]
    assert "SECRET" not in everything_stored(connection)


def test_unlisted_symlink_out_of_raw_is_reported_but_not_read(connection, raw_dir, tmp_path):
    secret = write(tmp_path / "outside" / "secret.csv", SECRET + "\n")
    (raw_dir / "claims/stray.csv").symlink_to(secret)
    result = load_source_registry(connection, raw_dir)
    stray = next(load for load in result.files if load.file == "claims/stray.csv")
    assert stray.status == "unlisted" and stray.sha256 is None and stray.rows_read == 0
    assert "outside raw/" in stray.error
    assert "SECRET" not in everything_stored(connection)


def test_symlink_inside_raw_is_followed(connection, raw_dir):
    (raw_dir / "claims/alias.csv").symlink_to(raw_dir / "claims/test_article.csv")
    replace_listing(raw_dir, "[claims/test_article.csv]", "[claims/alias.csv]")
    load_source_registry(connection, raw_dir)
    result = load_dataset(connection, "article_claims", raw_dir)
    assert {load.file: load.rows_loaded for load in result.files}["claims/alias.csv"] == 3


def test_registry_symlinked_out_of_raw_is_refused(connection, raw_dir, tmp_path):
    outside = write(tmp_path / "outside" / "sources.yml", (raw_dir / "sources.yml").read_bytes())
    (raw_dir / "sources.yml").unlink()
    (raw_dir / "sources.yml").symlink_to(outside)
    with pytest.raises(RegistryError, match="outside raw/"):
        load_source_registry(connection, raw_dir)


def test_claims_accept_never_writes_through_a_symlink_out_of_raw(connection, raw_dir, tmp_path):
    secret = write(tmp_path / "outside" / "secret.csv", SECRET + "\n")
    load_source_registry(connection, raw_dir)
    (raw_dir / "claims/test_article.csv").unlink()
    (raw_dir / "claims/test_article.csv").symlink_to(secret)
    with pytest.raises(AcceptError, match="outside raw/"):
        claims_file_for(connection, raw_dir, "test_article")
    assert secret.read_text("utf-8") == SECRET + "\n"
    # A claims file inside raw/ is still found, in its canonical spelling.
    assert claims_file_for(connection, raw_dir, "test_second_article") == (
        raw_dir / "claims/test_second_article.csv"
    )


def resolved_outside(raw_dir: Path, relative: str) -> bool | None:
    """The check by resolving the whole path (None for a link loop): what RawDir must agree
    with while it looks at each folder once."""
    root = raw_dir.resolve()
    try:
        target = (root / relative).resolve()
    except (OSError, RuntimeError):
        return None
    return target != root and root not in target.parents


def test_raw_dir_checks_agree_with_resolving_every_path(tmp_path):
    outside = write(tmp_path / "outside" / "secret.csv", SECRET + "\n").parent
    real = tmp_path / "real_raw"
    write(real / "a" / "b" / "plain.csv", "x\n")
    write(real / "c" / "other.csv", "x\n")
    (real / "a" / "to_file_inside.csv").symlink_to(real / "c" / "other.csv")
    (real / "a" / "to_file_outside.csv").symlink_to(outside / "secret.csv")
    (real / "a" / "broken.csv").symlink_to(real / "nowhere.csv")
    (real / "a" / "loop.csv").symlink_to(real / "a" / "loop.csv")
    (real / "a" / "dir_inside").symlink_to(real / "c")
    (real / "a" / "dir_outside").symlink_to(outside)
    (real / "c" / "up").symlink_to(real / "a")  # a link back to a folder already seen
    (real / "fifo").mkdir()
    os.mkfifo(real / "fifo" / "pipe.csv")
    raw_dir = tmp_path / "raw"  # raw/ itself may be a link
    raw_dir.symlink_to(real)
    paths = [
        "a/b/plain.csv", "c/other.csv", "a/to_file_inside.csv", "a/to_file_outside.csv",
        "a/broken.csv", "a/loop.csv", "a/dir_inside/other.csv", "a/dir_outside/secret.csv",
        "c/up/b/plain.csv", "c/up/to_file_outside.csv", "c/up/dir_outside/secret.csv",
        "fifo/pipe.csv", "missing.csv", "missing/x.csv", "a/b", "a/b/plain.csv/x",
    ]  # fmt: skip
    checks = RawDir(raw_dir)
    for relative in paths * 2:  # twice: the second time with every plain folder remembered
        expected = resolved_outside(raw_dir, relative)
        reason = checks.outside_reason(relative)
        assert (reason is not None) == (expected is not False), relative
        if expected is None:
            assert "loop" in reason
    assert checks.read_and_hash("a/b/plain.csv")[0] == b"x\n"
    assert checks.read("missing.csv") is None and checks.read("fifo/pipe.csv") is None
    with pytest.raises(PathError, match="outside raw/"):
        checks.read("c/up/dir_outside/secret.csv")
