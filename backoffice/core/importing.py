"""All-or-nothing spreadsheet imports: every row is tried, every error collected, then commit or roll back.

A clerk fixes a sheet in one go only if the report names every bad cell, not just the first. So each row
runs the ordinary domain services (all validation and audit apply) in its own savepoint; a refused row is
rolled back to that savepoint and reported, and the run goes on. At the end, any error (or a dry run) rolls
the whole transaction back; otherwise it commits with one `import` audit entry summing the run up.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .errors import DomainError, ImportFailed
from .models import AuditAction
from .services import audit_record
from .tabular import CellError, Column, Sheet

COUNTED = ("buildings", "units", "persons", "ownerships")
MAX_REPORTED_ERRORS = 1000  # past this the file is plainly the wrong one; stop and say so


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    estate_id: int
    dry_run: bool
    rows: int
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)


class _TooManyErrors(Exception):
    pass


class ImportRun:
    """The state of one import: the sheet, the row errors so far and the counts."""

    def __init__(self, *, sheet: Sheet, columns: Sequence[Column]):
        self.sheet = sheet
        self.columns = columns
        self.errors: list[dict[str, Any]] = []
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self.unchanged: Counter[str] = Counter()

    def fail(self, row: int, key: str, code: str, message: str) -> None:
        """Record one error; `key` is a column key, or "" for the row as a whole."""
        self.errors.append(
            {
                "row": row,
                "column": self.sheet.column_name(key, self.columns) if key else "",
                "field": key,
                "code": code,
                "message": str(message),
            }
        )
        if len(self.errors) >= MAX_REPORTED_ERRORS:
            raise _TooManyErrors

    def cell(self, row: int, values: Mapping[str, Any], key: str, parse: Callable[[Any], Any]) -> Any:
        """Parse one cell; an empty required cell or a bad value is recorded and read as None."""
        value = values.get(key)
        if value is None:
            column = next((c for c in self.columns if c.key == key), None)
            if column is not None and column.required:
                self.fail(row, key, "required", _("This cell is required."))
            return None
        try:
            return parse(value)
        except CellError as exc:
            self.fail(row, key, exc.code, exc.message)
            return None

    def attempt(self, row: int, action: Callable[[], Any], *, columns: Mapping[str, str]) -> Any:
        """Run domain services for one row in a savepoint; a refusal is reported against the row's cells.

        `columns` maps the services' field names to sheet column keys; other fields are reported against
        the row as a whole, named in the message.
        """
        try:
            with transaction.atomic():
                return action()
        except DomainError as exc:
            reported = False
            for name, problems in (exc.fields or {}).items():
                key = columns.get(name, "")
                for problem in problems:
                    message = (
                        problem["message"]
                        if key or name == "non_field_errors"
                        else f"{name}: {problem['message']}"
                    )
                    self.fail(row, key, problem.get("code", "invalid"), message)
                    reported = True
            if not reported:
                self.fail(row, "", exc.code, exc.message)
            return None


def run_import(
    *,
    actor: Any,
    estate: models.Model,
    kind: str,
    file_name: str,
    sheet: Sheet,
    columns: Sequence[Column],
    dry_run: bool,
    body: Callable[[ImportRun], None],
) -> ImportResult:
    """Run `body` over the sheet in one transaction; raise ImportFailed (everything undone) on any error."""
    run = ImportRun(sheet=sheet, columns=columns)
    with transaction.atomic():
        with contextlib.suppress(_TooManyErrors):  # the report is long enough; the rest is not checked
            body(run)
        if run.errors:
            transaction.set_rollback(True)
        else:
            result = _result(run, kind=kind, estate=estate, dry_run=dry_run)
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                instance=estate,
                before=None,
                after={
                    "kind": kind,
                    "file": file_name[:200],
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                },
            )
            if dry_run:
                transaction.set_rollback(True)
    if run.errors:
        raise _failure(run)
    return result


def _result(run: ImportRun, *, kind: str, estate: models.Model, dry_run: bool) -> ImportResult:
    def counts(counter: Counter[str]) -> dict[str, int]:
        return {name: counter.get(name, 0) for name in COUNTED}

    return ImportResult(
        kind=kind,
        estate_id=estate.pk,
        dry_run=dry_run,
        rows=len(run.sheet.rows),
        created=counts(run.created),
        updated=counts(run.updated),
        unchanged=counts(run.unchanged),
    )


def _failure(run: ImportRun) -> ImportFailed:
    rows = sorted(run.errors, key=lambda e: e["row"])
    bad_rows = len({e["row"] for e in rows})
    message = ngettext(
        "%(count)s row has errors; nothing was imported.",
        "%(count)s rows have errors; nothing was imported.",
        bad_rows,
    ) % {"count": bad_rows}
    if len(rows) >= MAX_REPORTED_ERRORS:
        message += " " + _("Checking stopped after %(max)s errors.") % {"max": MAX_REPORTED_ERRORS}
    return ImportFailed(message, rows=rows)
