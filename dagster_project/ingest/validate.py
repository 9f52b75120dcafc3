"""Row validation on string columns: each check names its column and says why a row fails."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from dagster_project.ingest.csv_file import Rejection

ERROR_SUFFIX = "__error"


def parse_column(
    rows: pl.DataFrame,
    column: str,
    parser: Callable[[str], tuple],
    outputs: dict[str, pl.DataType],
    fast: tuple[pl.Expr, list[pl.Expr]] | None = None,
) -> pl.DataFrame:
    """Add `outputs` and `<column>__error` parsed from `column`.

    `fast` is (which values it recognises, one expression per output): polars parses those; the
    Python `parser` runs once per distinct other value. Blank values are left null with no
    error: required-field checks report them.
    """
    recognised = fast[0] if fast else pl.lit(False)
    parsed: dict[str, tuple] = {}
    errors: dict[str, str] = {}
    others = rows.select(
        pl.col(column).filter(~recognised & (pl.col(column) != "")).unique().drop_nulls()
    ).to_series()
    for value in others.to_list():
        try:
            result = parser(value)
            parsed[value] = result if isinstance(result, tuple) else (result,)
        except ValueError as error:
            errors[value] = str(error)
    added = []
    for index, (name, dtype) in enumerate(outputs.items()):
        expression = _lookup(column, {key: result[index] for key, result in parsed.items()}, dtype)
        if fast:
            expression = pl.when(recognised).then(fast[1][index]).otherwise(expression)
        added.append(expression.alias(name))
    error = _lookup(column, errors, pl.String)
    if fast:
        error = pl.when(recognised).then(None).otherwise(error)
    return rows.with_columns(*added, error.alias(column + ERROR_SUFFIX))


def _lookup(column: str, mapping: dict, dtype: pl.DataType) -> pl.Expr:
    """`column` mapped through `mapping` (null where absent); a plain null when it is empty."""
    if not mapping:
        return pl.lit(None, dtype=dtype)
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=dtype)


def required(column: str) -> tuple[str, pl.Expr]:
    return column, pl.when(pl.col(column).fill_null("") == "").then(pl.lit(f"{column} is empty"))


def one_of(column: str, allowed: list[str]) -> tuple[str, pl.Expr]:
    shown = ", ".join(value or "(blank)" for value in allowed)
    return column, pl.when(~pl.col(column).fill_null("").is_in(allowed)).then(
        pl.format("{} {} is not one of: " + shown, pl.lit(column), pl.col(column))
    )


def parse_error(column: str) -> tuple[str, pl.Expr]:
    return column, pl.col(column + ERROR_SUFFIX)


def split_rejected(
    rows: pl.DataFrame,
    checks: list[tuple[str, pl.Expr]],
    source_column: str | None = None,
) -> tuple[pl.DataFrame, list[Rejection]]:
    """Apply checks; return (rows passing all, one rejection per failing check and row)."""
    if rows.height == 0:
        return rows, []
    reason_columns = [f"__check_{index}" for index in range(len(checks))]
    checked = rows.with_columns(
        expression.alias(name) for (_, expression), name in zip(checks, reason_columns, strict=True)
    )
    failing = pl.any_horizontal(pl.col(name).is_not_null() for name in reason_columns)
    if not checked.select(failing.any()).item():
        return checked.drop(reason_columns), []  # no copy of a clean file's rows
    rejections: list[Rejection] = []
    for row in checked.filter(failing).iter_rows(named=True):
        source_id = row.get(source_column) if source_column else None
        for (column, _), name in zip(checks, reason_columns, strict=True):
            if row[name] is not None:
                rejections.append(
                    Rejection(row["line"], column, row.get(column), row[name], source_id or None)
                )
    good = checked.filter(~failing).drop(reason_columns)
    return good, rejections
