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
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp, transforms
from sqlglot.dialects.spark import Spark
from sqlglot.generators.spark import SparkGenerator
from sqlglot.tokenizer_core import TokenType

from aidmatch.steps import Macro

Params = Sequence[Any] | Mapping[str, Any] | None
# The output column names of a DuckDB SELECT (the engine asks its DuckDB catalog, which holds a
# view of every table a step has made): what ``* REPLACE`` and ``UNION BY NAME`` expand to.
Describe = Callable[[str], list[str]]


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
            value = (positional[int(token.text) - 1] if token.text.isdigit()
                     else named[token.text])
            pieces.append(literal(value))
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
    if used and used != len(positional):
        raise DialectError(f"参数个数不符：SQL 用了 {used} 个，给了 {len(positional)} 个")
    return "".join(pieces)


def expand_macros(tree: exp.Expr, macros: Mapping[str, Macro]) -> exp.Expr:
    """Calls of ``macros`` replaced by their bodies, arguments put in place of parameters."""
    if not macros:
        return tree

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Anonymous) and node.name.lower() in macros:
            macro = macros[node.name.lower()]
            args = dict(zip(macro.params, node.expressions, strict=True))
            body = sqlglot.parse_one(macro.body, read="duckdb")

            def put(inner: exp.Expr) -> exp.Expr:
                if isinstance(inner, exp.Column) and not inner.table and inner.name in args:
                    return exp.paren(args[inner.name].copy())
                return inner

            return body.transform(put)
        return node

    return tree.transform(replace)


class Spark4(Spark):
    """Spark SQL as Spark 4 reads it: ``QUALIFY`` stays (Spark 4 has it; sqlglot's rewrite into
    a subquery would add its ``_w`` column to ``SELECT *``)."""

    class Generator(SparkGenerator):
        TRANSFORMS = {  # noqa: RUF012  (sqlglot declares it so)
            **SparkGenerator.TRANSFORMS,
            exp.Select: transforms.preprocess([
                transforms.eliminate_distinct_on,
                transforms.unnest_to_explode,
                transforms.any_to_exists,
            ]),
        }


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _column(name: str) -> exp.Expr:
    return exp.column(name)


def _ordered_list(agg: exp.ArrayAgg, order: exp.Order) -> exp.Expr:
    """``list(x ORDER BY k1 [DESC], …)``: Spark's ``collect_list`` keeps no order, so the value
    is collected with its sort keys in a struct, the structs sorted by a comparator that follows
    DuckDB's order (nulls last unless said), and the values taken back out."""
    value = order.this
    keys = list(order.expressions)
    fields = [exp.PropertyEQ(this=exp.to_identifier(f"k{i}"), expression=k.this.copy())
              for i, k in enumerate(keys)]
    fields.append(exp.PropertyEQ(this=exp.to_identifier("v"), expression=value.copy()))
    collected = _call("COLLECT_LIST", exp.Struct(expressions=fields))
    compare: exp.Expr = exp.Literal.number(0)
    for i, key in reversed(list(enumerate(keys))):
        desc = bool(key.args.get("desc"))
        nulls_first = bool(key.args.get("nulls_first"))
        left = exp.Dot(this=_column("l"), expression=exp.to_identifier(f"k{i}"))
        right = exp.Dot(this=_column("r"), expression=exp.to_identifier(f"k{i}"))
        lower, higher = (exp.Literal.number(1), exp.Literal.number(-1)) if desc else (
            exp.Literal.number(-1), exp.Literal.number(1))
        null_left = exp.Literal.number(-1) if nulls_first else exp.Literal.number(1)
        null_right = exp.Literal.number(1) if nulls_first else exp.Literal.number(-1)
        compare = exp.Case(ifs=[
            exp.If(this=exp.and_(left.is_(exp.null()), right.is_(exp.null())), true=compare),
            exp.If(this=left.is_(exp.null()), true=null_left),
            exp.If(this=right.is_(exp.null()), true=null_right),
            exp.If(this=exp.LT(this=left.copy(), expression=right.copy()), true=lower),
            exp.If(this=exp.GT(this=left.copy(), expression=right.copy()), true=higher),
        ], default=compare.copy())
    comparator = exp.Lambda(this=compare, expressions=[exp.to_identifier("l"),
                                                       exp.to_identifier("r")])
    element = exp.Lambda(this=exp.Dot(this=_column("e"), expression=exp.to_identifier("v")),
                         expressions=[exp.to_identifier("e")])
    return _call("TRANSFORM", _call("ARRAY_SORT", collected, comparator), element)


def _for_spark(node: exp.Expr) -> exp.Expr:
    """The DuckDB constructs whose Spark spelling sqlglot does not produce (or produces with
    another meaning), rewritten node by node."""
    if isinstance(node, exp.RegexpFullMatch):
        # DuckDB matches the whole string; Spark's RLIKE finds the pattern anywhere
        pattern = node.expression
        anchored = (exp.Literal.string(f"^(?:{pattern.this})$") if isinstance(
            pattern, exp.Literal) else exp.DPipe(this=exp.DPipe(
                this=exp.Literal.string("^(?:"), expression=pattern.copy()),
                expression=exp.Literal.string(")$")))
        return exp.RegexpLike(this=node.this.copy(), expression=anchored)
    if isinstance(node, exp.Split) and isinstance(node.expression, exp.Literal):
        # Spark splits by a regular expression: a literal separator is written as one (sqlglot's
        # \\Q…\\E leaves an empty string after the last character when the separator is '')

        separator = node.expression.this
        return _call("SPLIT", node.this.copy(),
                     exp.Literal.string(re.escape(separator) if separator else ""))
    if isinstance(node, exp.ArrayOverlaps):
        return _call("ARRAYS_OVERLAP", node.this.copy(), node.expression.copy())
    if isinstance(node, exp.Anonymous):
        name = node.name.upper()
        args = [a.copy() for a in node.expressions]
        if name == "LIST_INTERSECT":
            return _call("ARRAY_INTERSECT", *args)
        if name == "LIST_POSITION":  # DuckDB: NULL when absent; Spark: 0
            return exp.Nullif(this=_call("ARRAY_POSITION", *args),
                              expression=exp.Literal.number(0))
        if name == "LIST_BOOL_OR" and len(args) == 1:
            inner = args[0]
            if isinstance(inner, exp.Transform):  # list_bool_or(list_transform(l, f))
                return _call("EXISTS", inner.this.copy(), inner.expression.copy())
            item = exp.to_identifier("x")
            return _call("EXISTS", inner, exp.Lambda(this=exp.column("x"), expressions=[item]))
    if (isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Order)
            and isinstance(node.this.this, exp.Distinct)):
        # string_agg(DISTINCT x, sep ORDER BY x): Spark 4's listagg(DISTINCT …) WITHIN GROUP
        # fails in its planner (a ClassCastException), so the sorted set is joined; no rows
        # give NULL, as in DuckDB
        distinct = node.this.this.expressions[0].copy()
        values = _call("ARRAY_SORT", _call("COLLECT_SET", distinct))
        joined = _call("ARRAY_JOIN", values, (node.args.get("separator")
                                              or exp.Literal.string(",")).copy())
        return exp.Case(ifs=[exp.If(this=exp.EQ(this=_call("SIZE", values.copy()),
                                                expression=exp.Literal.number(0)),
                                    true=exp.null())], default=joined)
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        order = node.this
        if isinstance(order.this, exp.Distinct):
            # DISTINCT x ORDER BY x: the set, sorted (nulls last, as DuckDB)
            distinct = order.this.expressions[0].copy()
            return _call("ARRAY_SORT", _call("COLLECT_SET", distinct))
        return _ordered_list(node, order)
    if isinstance(node, exp.In) and isinstance(node.this, exp.Tuple):
        query = node.args.get("query")
        select = query.this if isinstance(query, exp.Subquery) else query
        if isinstance(select, exp.Select) and len(select.expressions) == 1 and isinstance(
                select.expressions[0], exp.Tuple):
            # (a, b) IN (SELECT (a, b) …): Spark compares a row with the subquery's columns
            select.set("expressions", [e.copy() for e in select.expressions[0].expressions])
    return node


def _quoted(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _tables_by_alias(select: exp.Select) -> dict[str, str]:
    found: dict[str, str] = {}
    for table in select.find_all(exp.Table):
        if table.parent_select is select:
            found[table.alias_or_name] = table.name
    return found


def expand_by_name(tree: exp.Expr, describe: Describe) -> exp.Expr:
    """Spark SQL has no ``* REPLACE (…)`` and no ``UNION ALL BY NAME``: both become explicit
    column lists, in DuckDB's order, from the columns DuckDB says the tables have."""
    def replace_star(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Select):
            return node
        expressions: list[exp.Expr] = []
        for item in node.expressions:
            star = item.this if isinstance(item, exp.Column) else item
            replaced = star.args.get("replace") if isinstance(star, exp.Star) else None
            if not replaced:
                expressions.append(item)
                continue
            alias = item.table if isinstance(item, exp.Column) else ""
            tables = _tables_by_alias(node)
            if alias not in tables:
                raise DialectError(f"* REPLACE 只能用于表的别名（{alias or '*'}）")
            by_name = {r.alias: r for r in replaced}
            for column in describe(f"SELECT * FROM {tables[alias]}"):
                if column in by_name:
                    expressions.append(exp.alias_(by_name[column].this.copy(), _quoted(column)))
                else:
                    expressions.append(exp.Column(this=_quoted(column),
                                                  table=exp.to_identifier(alias)))
        node.set("expressions", expressions)
        return node

    def union_by_name(node: exp.Expr) -> exp.Expr:
        if not (isinstance(node, exp.Union) and node.args.get("by_name")):
            return node
        left, right = node.this, node.expression
        left_columns = describe(left.sql(dialect="duckdb"))
        right_columns = describe(right.sql(dialect="duckdb"))
        columns = left_columns + [c for c in right_columns if c not in left_columns]

        def side(query: exp.Expr, has: list[str]) -> exp.Select:
            items = [exp.column(_quoted(c)) if c in has else exp.alias_(exp.null(), _quoted(c))
                     for c in columns]
            return exp.select(*items).from_(exp.paren(query.copy()).as_(
                exp.to_identifier(f"by_name_{id(query) % 10_000}")))

        return exp.Union(this=side(left, left_columns), expression=side(right, right_columns),
                         distinct=node.args.get("distinct"))

    return tree.transform(replace_star).transform(union_by_name)


def spark_sql(sql: str, params: Params = None, macros: Mapping[str, Macro] | None = None,
              describe: Describe | None = None) -> str:
    """One DuckDB statement (a SELECT) as Spark SQL. ``describe`` is needed only by a statement
    with ``* REPLACE`` or ``UNION BY NAME``."""
    bound = bind(sql, params)
    try:
        tree = sqlglot.parse_one(bound, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise DialectError(f"sqlglot 无法解析步骤 SQL：{exc}") from exc
    if describe is not None:
        tree = expand_by_name(tree, describe)
    tree = expand_macros(tree, macros or {})
    # twice: a rewritten node (an ordered list's sort keys) is not visited again in one pass
    tree = tree.transform(_for_spark).transform(_for_spark)
    return tree.sql(dialect=Spark4)
