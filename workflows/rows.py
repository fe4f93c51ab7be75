"""The engine's per-step reads and writes of its own tables, with their SQL built once per model.

A task completion reads two locked rows and writes five or six statements (bench/README.md,
`bench_engine.py`). Through the ORM each statement spent more time being built in Python than running in
PostgreSQL, and each was a round trip of its own (~0.1 ms each on the bench machine, most of it the
client's and the server's fixed cost per message). So:

- the SQL is built once per model (and shape) and cached;
- `get_locked_many` reads several locked rows in one round trip, `Writes` sends a step's writes in one:
  Django's psycopg 3 backend binds parameters client-side (unless `server_side_binding`), so one
  `execute()` can carry several `;`-separated statements, which PostgreSQL runs one after the other in one
  simple-protocol message, each with its own snapshot, exactly as if they had been sent one by one; a
  completion is BEGIN, one locked read, one batch of writes, COMMIT;
- new rows that refer to a new row (a task's candidates and its history event) name it with a subquery
  on a unique key (`Ref`), so no round trip waits for the new task's id. (Data-modifying CTEs returning the
  new id cost more to plan than the subqueries; psycopg's pipeline mode more Python per statement.)

Elsewhere (SQLite, psycopg 2, server-side binding) the same statements run one by one.

These helpers keep the ORM's semantics — the fields' own `get_db_prep_save` on write (and `pre_save` for
model objects), the backend's and the fields' converters on read, `update_fields` failing when no row
matched — for the models the engine writes on every step. RETURNING needs SQLite >= 3.35 (without it
`update_returning` takes a slower path). No signals are sent: the engine listens to none, and
no business rule may hang on one (ARCHITECTURE.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django.db import DatabaseError, NotSupportedError, connections, router
from django.db.models import JSONField, Model
from django.db.transaction import TransactionManagementError

from backoffice.core.rowreader import RowReader, row_reader


def _connection(model: type[Model], *, write: bool):
    alias = router.db_for_write(model) if write else router.db_for_read(model)
    return alias, connections[alias]


def one_round_trip(connection) -> bool:
    """Whether several statements can go in one `execute()` with their results read one after the other:
    PostgreSQL through psycopg 3 with client-side binding (Django's default)."""
    if connection.vendor != "postgresql" or not _psycopg3():
        return False
    return connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is not True


@lru_cache(maxsize=1)
def _psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3  # psycopg 2 has no nextset()

    return is_psycopg3


def _json_as_text(field, connection) -> bool:
    """Whether a JSON value goes to the database as JSON text with a cast (`%s::jsonb`): on PostgreSQL with
    client-side binding, psycopg's Jsonb wrapper that the ORM uses costs about twice json.dumps per value, and
    the state of every step is one (a few kilobytes)."""
    return isinstance(field, JSONField) and one_round_trip(connection)


def _mark(field, connection) -> str:
    return "%s::jsonb" if _json_as_text(field, connection) else "%s"


def _prep_save(field, value, connection):
    """As `field.get_db_prep_save(value)`, a JSON value as text where `_json_as_text` (None stays NULL)."""
    if value is not None and not hasattr(value, "as_sql") and _json_as_text(field, connection):
        return json.dumps(field.get_prep_value(value), cls=field.encoder)
    return field.get_db_prep_save(value, connection)


@lru_cache(maxsize=64)
def _update_sql(model: type[Model], names: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = tuple(model._meta.get_field(name) for name in names)
    assignments = ", ".join(f"{quote(f.column)} = {_mark(f, connection)}" for f in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from _meta
    return sql, fields


def _update_statement(obj: Model, fields: Iterable[str], connection) -> tuple[str, list]:
    sql, prepared = _update_sql(type(obj), tuple(fields), connection.vendor)
    params = [_prep_save(field, field.pre_save(obj, False), connection) for field in prepared]
    params.append(obj.pk)
    return sql, params


def prep(model: type[Model], field_name: str, value: Any) -> Any:
    """A value as the database wants it for comparisons with the field (dates and times above all)."""
    _alias, connection = _connection(model, write=True)
    return model._meta.get_field(field_name).get_db_prep_value(value, connection, prepared=False)


def _delete_statement(model: type[Model], field_name: str, values: Sequence, connection) -> tuple[str, list]:
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(field_name).column)
    marks = ", ".join(["%s"] * len(values))
    sql = f"DELETE FROM {quote(model._meta.db_table)} WHERE {column} IN ({marks})"  # noqa: S608 - _meta names
    return sql, list(values)


def update_returning(
    model: type[Model], values: dict[str, Any], where: str, params: Sequence, returning: Sequence[str]
) -> list[tuple]:
    """UPDATE the rows matching `where` (SQL over the model's columns) with `values` and return the named
    columns of each row it changed, in one statement where the database has UPDATE ... RETURNING."""
    _alias, connection = _connection(model, write=True)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    prepared = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in returning)
    with connection.cursor() as cursor:
        if connection.features.can_return_rows_from_bulk_insert:  # RETURNING: PostgreSQL, SQLite >= 3.35
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE {where} RETURNING {columns}",  # noqa: S608
                [*prepared, *params],
            )
            return [tuple(r) for r in cursor.fetchall()]
        pk = quote(model._meta.pk.column)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        cursor.execute(f"SELECT {pk}, {columns} FROM {table} WHERE {where}{lock}", list(params))  # noqa: S608
        found = cursor.fetchall()
        if found:
            marks = ", ".join(["%s"] * len(found))
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE {pk} IN ({marks})",  # noqa: S608
                [*prepared, *(r[0] for r in found)],
            )
        return [tuple(r[1:]) for r in found]


# --- locked reads ------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _select(model: type[Model], where: str, vendor: str, skip_locked: bool) -> tuple[str, RowReader]:
    """SQL and the reader that turns its rows into objects (with the ORM's converters)."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    reader = row_reader(model, alias)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT {reader.select_list()} FROM {table} WHERE {where}"  # noqa: S608 - callers' SQL
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
        if skip_locked and connection.features.has_select_for_update_skip_locked:
            sql += " SKIP LOCKED"
    return sql, reader


def get_locked(
    model: type[Model], where: str, params: Sequence, *, skip_locked: bool = False
) -> Model | None:
    """The one row matching `where` (SQL over the model's own columns, `%s` placeholders), locked for the
    transaction (`SELECT ... FOR UPDATE` where the database has row locks), or None. `skip_locked`: a row
    another transaction holds counts as not found."""
    return get_locked_many([(model, where, params)], skip_locked=skip_locked)[0]


def get_locked_many(
    queries: Sequence[tuple[type[Model], str, Sequence]], *, skip_locked: bool = False
) -> list[Model | None]:
    """For each (model, where, params), as `get_locked`: the one matching row, locked, or None. The rows are
    locked in the order given — each SELECT waits for its lock before the next one starts and reads with a
    snapshot of its own, as separate queries would — in one round trip where `one_round_trip` allows."""
    _alias, connection = _connection(queries[0][0], write=True)
    if connection.features.has_select_for_update and not connection.in_atomic_block:
        raise TransactionManagementError("get_locked cannot be used outside of a transaction.")
    built = [_select(model, where, connection.vendor, skip_locked) for model, where, _params in queries]
    found: list[Model | None] = []
    with connection.cursor() as cursor:
        if len(queries) > 1 and one_round_trip(connection):
            cursor.execute("; ".join(sql for sql, _reader in built), [p for q in queries for p in q[2]])
            for index, (_sql, reader) in enumerate(built):
                if index:
                    cursor.nextset()
                found.append(reader.build(cursor.fetchone()))
            return found
        for (_model, _where, params), (sql, reader) in zip(queries, built, strict=True):
            cursor.execute(sql, params)
            found.append(reader.build(cursor.fetchone()))
    return found


# --- a step's writes ---------------------------------------------------------------------------------------

_UNSET = object()


class Ref:
    """The primary key of a row that an earlier statement of the same transaction inserted, found by a
    unique lookup (a new task: its instance and engine task id). Written as a subquery, so a row can name
    a new row in the same round trip without waiting for its id."""

    __slots__ = ("model", "lookup")

    def __init__(self, model: type[Model], **lookup: Any):
        self.model = model
        self.lookup = lookup

    def __repr__(self) -> str:
        return f"Ref({self.model.__name__}, {self.lookup!r})"

    def sql(self, connection) -> tuple[str, list]:
        names = tuple(self.lookup)
        sql, fields = _ref_sql(self.model, names, connection.vendor)
        return sql, [
            f.get_db_prep_value(self.lookup[n], connection) for f, n in zip(fields, names, strict=True)
        ]


@lru_cache(maxsize=64)
def _ref_sql(model: type[Model], names: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = tuple(model._meta.get_field(name) for name in names)
    where = " AND ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = quote(model._meta.pk.column)
    return f"(SELECT {pk} FROM {quote(model._meta.db_table)} WHERE {where})", fields  # noqa: S608


@lru_cache(maxsize=64)
def _row_fields(model: type[Model], vendor: str) -> tuple[str, tuple, tuple, dict]:
    """INSERT head, fields written, their defaults and name -> position, for inserts from dicts."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if f is not model._meta.pk)
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise NotSupportedError(f"{model.__name__}.{field.name}: rows from dicts have no pre_save")
    defaults = tuple(f.get_default for f in fields)  # as the model's constructor: "" for blank text, ...
    index = {}
    for position, field in enumerate(fields):
        index[field.name] = index[field.attname] = position
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names from _meta
    return head, fields, defaults, index


def _insert_statement(model: type[Model], rows: Sequence[dict[str, Any]], connection) -> tuple[str, list]:
    """One INSERT of rows given as {field name: value}; fields not named take their default (made per row,
    as the model's constructor does); a `Ref` value becomes its subquery."""
    head, fields, defaults, index = _row_fields(model, connection.vendor)
    tuples, params = [], []
    for row in rows:
        values: list[Any] = [_UNSET] * len(fields)
        for name, value in row.items():
            values[index[name]] = value
        marks = []
        for position, value in enumerate(values):
            if value is _UNSET:
                value = defaults[position]()
            if isinstance(value, Ref):
                sql, ref_params = value.sql(connection)
                marks.append(sql)
                params += ref_params
            else:
                marks.append(_mark(fields[position], connection))
                params.append(_prep_save(fields[position], value, connection))
        tuples.append(f"({', '.join(marks)})")
    return head + ", ".join(tuples), params


class Writes:
    """The writes of one engine step, in the order they were added, sent together by `send()`: in one
    round trip where `one_round_trip` allows, one statement after the other elsewhere.

    An UPDATE of one row (`update`) fails when no row matched, as `save(update_fields=...)` does."""

    def __init__(self, model: type[Model]):
        self.alias, self.connection = _connection(model, write=True)
        self.statements: list[tuple[str, list, bool]] = []  # sql, params, must change a row

    def __bool__(self) -> bool:
        return bool(self.statements)

    def update(self, obj: Model, fields: Iterable[str]) -> None:
        sql, params = _update_statement(obj, fields, self.connection)
        self.statements.append((sql, params, True))

    def delete_in(self, model: type[Model], field_name: str, values: Sequence) -> None:
        if values:
            sql, params = _delete_statement(model, field_name, values, self.connection)
            self.statements.append((sql, params, False))

    def insert(self, model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
        """INSERT rows given as {field name: value} (others take their defaults; no `pre_save`, so no
        auto_now fields). A foreign key may hold a `Ref` to a row inserted before."""
        if rows:
            self.statements.append((*_insert_statement(model, rows, self.connection), False))

    def send(self) -> None:
        statements, self.statements = self.statements, []
        if not statements:
            return
        with self.connection.cursor() as cursor:
            if len(statements) > 1 and one_round_trip(self.connection):
                # Each statement bound on its own (psycopg caches the parse of a statement up to 50
                # parameters; the batch as a whole would have more), sent as one text.
                with self.connection.wrap_database_errors:
                    text = "; ".join(cursor.cursor.mogrify(sql, params) for sql, params, _m in statements)
                cursor.execute(text)
                for index, (_sql, _params, must_change) in enumerate(statements):
                    if index:
                        cursor.nextset()
                    if must_change and cursor.rowcount == 0:
                        raise DatabaseError("Save with update_fields did not affect any rows.")
                return
            for sql, params, must_change in statements:
                cursor.execute(sql, params)
                if must_change and cursor.rowcount == 0:
                    raise DatabaseError("Save with update_fields did not affect any rows.")
