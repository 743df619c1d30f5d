"""A step's DuckDB SQL as Spark SQL, from the one definition the DuckDB engine runs.

The stages are written once, in DuckDB's dialect. For Spark each statement is rewritten by
sqlglot (the way Splink serves several engines from one SQL text), after three things sqlglot
cannot know:

- **Parameters.** Steps pass values as ``?`` or ``$name`` parameters, never in the SQL text.
  Spark SQL's own parameter markers do not go everywhere DuckDB's do (inside list literals and
  casts), so the values are written into the statement as literals, on the token stream — a
  ``?`` inside a string literal stays text.
- **Macros.** A DuckDB temporary macro (``keyed_hash``) is expanded into its body where it is
  called (:func:`expand_macros`), so both engines compute the same expression.
- **What sqlglot leaves different.** :func:`spark_sql` fixes the few constructs whose meaning
  sqlglot does not carry over (listed where they are fixed), each with the reason.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

Params = Sequence[Any] | Mapping[str, Any] | None


class DialectError(RuntimeError):
    """A statement the Spark engine cannot express: a bug in aidmatch, not in the input."""


def literal(value: Any) -> str:
    """A Python value as a DuckDB SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | decimal.Decimal):
        text = repr(float(value))
        return f"CAST({text} AS DOUBLE)"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise DialectError(f"无法写成 SQL 常量的参数类型：{type(value).__name__}")


def bind(sql: str, params: Params) -> str:
    """``sql`` with its ``?`` and ``$name`` parameters replaced by literals."""
    if not params:
        return sql
    tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql)
    positional = list(params) if not isinstance(params, Mapping) else []
    named = params if isinstance(params, Mapping) else {}
    pieces: list[str] = []
    at = 0
    used = 0
    skip_next = False
    for number, token in enumerate(tokens):
        if skip_next:
            skip_next = False
            pieces.append(literal(named[token.text]))
            at = token.end + 1
            continue
        if token.token_type in (TokenType.PLACEHOLDER, TokenType.QDCOLON) and token.text.startswith("?"):
            pieces.append(sql[at:token.start])
            pieces.append(literal(positional[used]) + token.text[1:])
            used += 1
            at = token.end + 1
        elif token.token_type == TokenType.PARAMETER and number + 1 < len(tokens):
            pieces.append(sql[at:token.start])
            skip_next = True
    pieces.append(sql[at:])
    if used != len(positional):
        raise DialectError(f"参数个数不符：SQL 用了 {used} 个，给了 {len(positional)} 个")
    return "".join(pieces)


@dataclass(frozen=True)
class Macro:
    """A scalar macro: ``name(params) AS body``, in DuckDB SQL."""

    name: str
    params: tuple[str, ...]
    body: str


def expand_macros(tree: exp.Expression, macros: Mapping[str, Macro]) -> exp.Expression:
    """Calls of ``macros`` replaced by their bodies, arguments put in place of parameters."""
    if not macros:
        return tree

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() in macros:
            macro = macros[node.name.lower()]
            args = dict(zip(macro.params, node.expressions, strict=True))
            body = sqlglot.parse_one(macro.body, read="duckdb")

            def put(inner: exp.Expression) -> exp.Expression:
                if isinstance(inner, exp.Column) and not inner.table and inner.name in args:
                    return exp.paren(args[inner.name].copy())
                return inner

            return body.transform(put)
        return node

    return tree.transform(replace)


def spark_sql(sql: str, params: Params = None, macros: Mapping[str, Macro] | None = None
              ) -> str:
    """One DuckDB statement (a SELECT) as Spark SQL."""
    bound = bind(sql, params)
    try:
        tree = sqlglot.parse_one(bound, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise DialectError(f"sqlglot 无法解析步骤 SQL：{exc}") from exc
    tree = expand_macros(tree, macros or {})
    return tree.sql(dialect="spark")
