"""Stand-ins for dbt's Jinja context, so sqlfluff's jinja templater can lint without dbt.

sqlfluff (the `.sqlfluff` at the repository root) loads this package as its `library_path`:
every public name here becomes a Jinja global. `apply_dbt_builtins` already supplies ref,
source, config and return; this adds what our SQL also uses: `var` (read from
dbt_project.yml), the `dbt.*` cross-database macros (rendered as DuckDB SQL) and
`adapter.dispatch` (which picks the duckdb__ or default__ variant of one of our macros).
Nothing here is used by dbt itself.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import jinja2
import yaml

_PROJECT_FILE = Path(__file__).resolve().parent.parent / "dbt_project.yml"
_VARS = (yaml.safe_load(_PROJECT_FILE.read_text(encoding="utf-8")) or {}).get("vars", {})


def var(name, default=None):
    """dbt's var(): the project's value, else the default."""
    return _VARS.get(name, default)


def _concat(fields):
    return "concat(" + ", ".join(fields) + ")"


def _listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order_by = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order_by})"


dbt = SimpleNamespace(
    concat=_concat,
    listagg=_listagg,
    safe_cast=lambda field, type_name: f"try_cast({field} as {type_name})",
    length=lambda expression: f"length({expression})",
    type_string=lambda: "varchar",
    type_int=lambda: "integer",
    type_bigint=lambda: "bigint",
    type_numeric=lambda: "numeric(28,6)",
)


@jinja2.pass_context
def _dispatch(context, macro_name, macro_namespace=None):
    """adapter.dispatch(): the duckdb__ variant of a macro if it has one, else default__."""
    for prefix in ("duckdb__", "default__"):
        candidate = context.resolve(prefix + macro_name)
        if not isinstance(candidate, jinja2.Undefined):
            return candidate
    raise KeyError(f"no duckdb__ or default__ variant of macro {macro_name!r}")


adapter = SimpleNamespace(dispatch=_dispatch)
