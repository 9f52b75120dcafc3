"""Article files: the front-matter header, offsets into the file, and bad input."""

from __future__ import annotations

import hashlib
import time

import pytest

from dagster_project.extract import ArticleError, candidate_id, extract_file

HEADER = """---
title: "Foil: thinner every year"
publisher: Test Daily
published: 2021-06-15
url: https://example.invalid/foil   # a comment
language: en
source_id: test_foil_2021
---
"""
BODY = "Hongtai Foil rolls 15万吨 a year and holds more than 18% of the market.\n"


def write(tmp_path, name, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_header_fields_and_offsets_into_the_file(tmp_path, aliases):
    path = write(tmp_path, "foil.md", HEADER + BODY)
    extraction = extract_file(path, aliases=aliases)
    assert extraction.header == {
        "title": "Foil: thinner every year",
        "publisher": "Test Daily",
        "published": "2021-06-15",
        "url": "https://example.invalid/foil",
        "language": "en",
        "source_id": "test_foil_2021",
    }
    assert extraction.warnings == []
    assert extraction.source_id == "test_foil_2021"
    assert extraction.body_start == len(HEADER)
    text = path.read_text(encoding="utf-8")
    assert [(c.surface, c.unit, c.bound, c.subject, c.period) for c in extraction.candidates] == [
        ("15万吨 a year", "t/yr", "exact", "hongtai_foil", "2021"),
        ("18%", "percent", "at_least", "hongtai_foil", "2021"),
    ]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert extraction.sha256 == digest
    for candidate in extraction.candidates:
        assert text[candidate.start : candidate.end] == candidate.surface
        assert candidate.candidate_id == candidate_id(digest, candidate.start, candidate.end)
        expected = hashlib.sha1(f"{digest}:{candidate.start}:{candidate.end}".encode())
        assert candidate.candidate_id == expected.hexdigest()
    # An unchanged article gives the same ids; any edit gives new ones.
    assert [c.candidate_id for c in extract_file(path, aliases=aliases).candidates] == [
        c.candidate_id for c in extraction.candidates
    ]


def test_file_without_header_loads_with_missing_fields_reported(tmp_path, aliases):
    path = write(tmp_path, "bare.md", BODY)
    extraction = extract_file(path, aliases=aliases)
    assert len(extraction.candidates) == 2
    assert extraction.header["title"] is None
    assert extraction.warnings == [
        "no front-matter header; missing title, publisher, published, url, language"
    ]
    assert {c.period_rule for c in extraction.candidates} == {"unknown"}


def test_partial_header_and_bad_date_are_warnings(tmp_path, aliases):
    path = write(tmp_path, "partial.md", "---\ntitle: Foil\npublished: 22 April 2019\n---\n" + BODY)
    extraction = extract_file(path, aliases=aliases)
    assert extraction.warnings == [
        "missing header field(s): publisher, url, language",
        "published '22 April 2019' is not YYYY, YYYY-MM or YYYY-MM-DD; ignored",
    ]
    assert extraction.published is None


def test_crlf_and_byte_order_mark_keep_offsets_exact(tmp_path, aliases):
    content = ("\ufeff" + HEADER + BODY).replace("\n", "\r\n")
    path = write(tmp_path, "windows.md", content.encode("utf-8"))
    extraction = extract_file(path, aliases=aliases)
    assert extraction.header["title"] == "Foil: thinner every year"
    text = path.read_bytes().decode("utf-8-sig")
    assert [text[c.start : c.end] for c in extraction.candidates] == ["15万吨 a year", "18%"]


def test_article_without_figures(tmp_path, aliases):
    path = write(tmp_path, "words.md", HEADER + "The forum talked about talent and trust.\n")
    extraction = extract_file(path, aliases=aliases)
    assert extraction.candidates == []
    assert extraction.warnings == ["no figures found"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty"),
        (b"  \n\t\n", "file holds only white space"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (contains NUL bytes)"),
        ("Caf\u00e9 output 5 tons".encode("latin-1"), "not UTF-8: byte 0xe9 at offset 3"),
        (b"---\ntitle: Foil\npublished: 2021\n", "front matter opened with '---' on line 1"),
        (b"---\ntitle: Foil\nthis line has no colon\n---\nBody 5 tons.", "line 3 is not 'key: va"),
        (b"---\ntitle: A\ntitle: B\n---\nBody 5 tons.", "line 3 repeats the key 'title'"),
    ],
)
def test_bad_files_raise_one_line_naming_the_file(tmp_path, content, reason):
    path = write(tmp_path, "bad.md", content)
    with pytest.raises(ArticleError) as raised:
        extract_file(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert reason in message
    assert "\n" not in message


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ArticleError, match="file not found"):
        extract_file(tmp_path / "nowhere.md")
    with pytest.raises(ArticleError, match="not a regular file"):
        extract_file(tmp_path)


def test_fifty_megabyte_article_is_refused_quickly(tmp_path):
    path = tmp_path / "huge.md"
    line = "Hongtai Foil rolls 15万吨 a year and holds more than 18% of the market. " * 20 + "\n"
    with path.open("w", encoding="utf-8") as handle:
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(line * 100)
    started = time.perf_counter()
    with pytest.raises(ArticleError) as raised:
        extract_file(path)
    assert time.perf_counter() - started < 1.0
    assert str(raised.value).startswith(f"{path}: 5")
    assert "larger than the 10.0 MB limit for one article" in str(raised.value)


def test_large_article_within_a_raised_limit_completes(tmp_path, aliases):
    path = tmp_path / "long.md"
    paragraph = "Hongtai Foil rolls 15万吨 a year and holds more than 18% of the market.\n\n"
    path.write_text(HEADER + paragraph * 20_000, encoding="utf-8")  # about 1.5 MB
    started = time.perf_counter()
    extraction = extract_file(path, aliases=aliases, max_bytes=None)
    assert time.perf_counter() - started < 20
    assert len(extraction.candidates) == 40_000
    assert {c.subject for c in extraction.candidates} == {"hongtai_foil"}
