"""The engine's per-step reads and writes of its own tables, with their SQL built once per model.

A task completion locks two rows and writes six statements; a timer firing, a message or a start about
as many (bench/README.md, `bench_engine.py`). Through the ORM each of those statements spent more time
being built in Python than running in PostgreSQL (~0.3 ms against ~0.1-0.2 ms on the bench machine).
These helpers keep the ORM's semantics — the fields' own `pre_save`/`get_db_prep_save` on write, the
backend's and the fields' converters on read, primary keys set after an insert, `update_fields` failing
when no row matched — for the models the engine writes on every step. They run on PostgreSQL and SQLite
(RETURNING: SQLite >= 3.35; without it `insert` and `update_returning` take a slower path). No signals are
sent: the engine listens to none, and no business rule may hang on one (ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.models import Model
from django.db.transaction import TransactionManagementError


def _connection(model: type[Model], *, write: bool):
    alias = router.db_for_write(model) if write else router.db_for_read(model)
    return alias, connections[alias]


@lru_cache(maxsize=64)
def _insert_head(model: type[Model], vendor: str) -> tuple[str, str, tuple]:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if f is not model._meta.pk)
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names from _meta
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return head, row, fields


def insert(objs: Sequence[Model]) -> None:
    """INSERT the objects (one model) in one statement and set their primary keys, as `bulk_create`."""
    if not objs:
        return
    model = type(objs[0])
    alias, connection = _connection(model, write=True)
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(objs)
        return
    head, row, fields = _insert_head(model, connection.vendor)
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")  # as bulk_create: FK ids, unsaved
        params += [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    pk = model._meta.pk
    sql = f"{head}{', '.join([row] * len(objs))} RETURNING {connection.ops.quote_name(pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [r[0] for r in cursor.fetchall()]
    for obj, key in zip(objs, keys, strict=True):  # RETURNING gives the rows in VALUES order
        setattr(obj, pk.attname, key)
        obj._state.adding = False
        obj._state.db = alias


@lru_cache(maxsize=64)
def _update_sql(model: type[Model], names: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = tuple(model._meta.get_field(name) for name in names)
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from _meta
    return sql, fields


def update(obj: Model, fields: Iterable[str]) -> None:
    """UPDATE one saved row: only the named fields, as `save(update_fields=...)`."""
    model = type(obj)
    _alias, connection = _connection(model, write=True)
    sql, prepared = _update_sql(model, tuple(fields), connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in prepared]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def prep(model: type[Model], field_name: str, value: Any) -> Any:
    """A value as the database wants it for comparisons with the field (dates and times above all)."""
    _alias, connection = _connection(model, write=True)
    return model._meta.get_field(field_name).get_db_prep_value(value, connection, prepared=False)


def delete_in(model: type[Model], field_name: str, values: Sequence) -> None:
    """DELETE the rows whose field is one of `values`, in one statement (no cascade, no signals: for
    tables no other table refers to, such as TaskCandidate)."""
    if not values:
        return
    _alias, connection = _connection(model, write=True)
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(field_name).column)
    marks = ", ".join(["%s"] * len(values))
    sql = f"DELETE FROM {quote(model._meta.db_table)} WHERE {column} IN ({marks})"  # noqa: S608 - _meta names
    with connection.cursor() as cursor:
        cursor.execute(sql, list(values))


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


@lru_cache(maxsize=64)
def _select(model: type[Model], where: str, vendor: str, skip_locked: bool) -> tuple[str, list, list]:
    """SQL, field names and per-column converters (backend's and field's, as the ORM applies them)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {where}"  # noqa: S608 - callers' SQL
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
        if skip_locked and connection.features.has_select_for_update_skip_locked:
            sql += " SKIP LOCKED"
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((index, col, found))
    return sql, [f.attname for f in fields], converters


def get_locked(
    model: type[Model], where: str, params: Sequence, *, skip_locked: bool = False
) -> Model | None:
    """The one row matching `where` (SQL over the model's own columns, `%s` placeholders), locked for the
    transaction (`SELECT ... FOR UPDATE` where the database has row locks), or None. `skip_locked`: a row
    another transaction holds counts as not found."""
    alias, connection = _connection(model, write=True)
    if connection.features.has_select_for_update and not connection.in_atomic_block:
        raise TransactionManagementError("get_locked cannot be used outside of a transaction.")
    sql, names, converters = _select(model, where, connection.vendor, skip_locked)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, col, functions in converters:
        for function in functions:
            values[index] = function(values[index], col, connection)
    return model.from_db(alias, names, values)
