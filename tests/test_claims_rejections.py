"""A claims file's rejected rows of every kind at once, through the reader and the checks."""

from __future__ import annotations

from conftest import CLAIMS_HEADER

from dagster_project.ingest import claims_csv
from dagster_project.ingest.csv_reader import read_csv_records


def row(claim_id: str, unit: str = "billion yuan") -> str:
    return f"{claim_id},Binzhou,,,output_value,2018,330,{unit},exact,test_article,note"


def parse(data: str, file: str) -> tuple[int, list[str]]:
    records = read_csv_records(data.encode(), claims_csv.COLUMNS)
    loaded, reasons = 0, [rejection.reason for rejection in records.rejections]
    for frame, rejections in claims_csv.parse(records, file, ["test_article"]):
        loaded += frame.height
        reasons += [rejection.reason for rejection in rejections]
    return loaded, reasons


def test_repeated_ids_are_rejected_beside_other_rejections_in_a_large_file():
    # polars reads a file of a few thousand rows in several chunks; wording the duplicates over
    # such rows, beside rows rejected for other reasons, once crashed polars (and with it the
    # whole claims dataset). (Ids of earlier files: repeated_ids.py, after the files load.)
    lines = [CLAIMS_HEADER, *(row(f"b{number}") for number in range(3000))]
    lines += [row("c1", unit="万吨/年"), row("c2") + ",extra", row("b7"), row("b9"), row("c3")]
    loaded, reasons = parse("\n".join(lines) + "\n", "second.csv")
    assert loaded == 3001  # b0 ... b2999 and c3
    assert sorted(reasons) == sorted(
        [
            "unknown unit '万吨/年'",
            "expected 11 fields, found 12",
            "duplicate claim_id b7 (earlier in this file)",
            "duplicate claim_id b9 (earlier in this file)",
        ]
    )
