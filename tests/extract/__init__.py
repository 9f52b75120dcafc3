"""Tests of the article extractor (dagster_project/extract)."""
