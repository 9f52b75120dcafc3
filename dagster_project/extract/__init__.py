"""Article text → candidate claims with character offsets (pure Python, no network).

Public API: `extract_text`, `extract_file`, `Candidate`, `Extraction`, `ArticleError`,
`load_aliases`. The command-line front is `cli.run_extract`.
"""

from dagster_project.extract.articles import ArticleError
from dagster_project.extract.extractor import (
    OUTPUT_FIELDS,
    Candidate,
    Extraction,
    candidate_id,
    extract_file,
    extract_text,
)
from dagster_project.extract.subjects import AliasTable, load_aliases

__all__ = [
    "OUTPUT_FIELDS",
    "AliasTable",
    "ArticleError",
    "Candidate",
    "Extraction",
    "candidate_id",
    "extract_file",
    "extract_text",
    "load_aliases",
]
