"""Model objects from rows read with SQL written once, for the few reads made on every request or engine step
(the caller's token, an instance under its lock), where building an ORM query costs more CPU than running it.

A `RowReader` knows a model's columns and the converters the ORM would apply to them (the backend's and the
fields' own, e.g. SQLite's text -> datetime, JSON text -> dict), so a row it builds is the object the ORM would
have returned: `Model.from_db`, saved state, no signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from django.db import connections
from django.db.models import Model


class RowReader:
    """The concrete columns of `model` on the database `alias`, in field order."""

    def __init__(self, model: type[Model], alias: str):
        self.model = model
        self.alias = alias
        connection = connections[alias]
        fields = list(model._meta.concrete_fields)
        self.width = len(fields)
        self.columns = [connection.ops.quote_name(f.column) for f in fields]
        self.names = [f.attname for f in fields]
        self.converters = []
        for index, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((index, col, tuple(found)))

    def select_list(self, table: str = "") -> str:
        """The columns for a SELECT list, qualified with `table` (an alias in the query) when given."""
        prefix = f"{connections[self.alias].ops.quote_name(table)}." if table else ""
        return ", ".join(prefix + column for column in self.columns)

    def build(self, row: Sequence, offset: int = 0) -> Model | None:
        """The object from `row[offset : offset + width]`; None when there is no row."""
        if row is None:
            return None
        values = list(row[offset : offset + self.width])
        connection = connections[self.alias]
        for index, col, functions in self.converters:
            for function in functions:
                values[index] = function(values[index], col, connection)
        return self.model.from_db(self.alias, self.names, values)


@lru_cache(maxsize=128)
def row_reader(model: type[Model], alias: str = "default") -> RowReader:
    return RowReader(model, alias)
