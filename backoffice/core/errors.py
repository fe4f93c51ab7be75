"""Domain errors with stable codes.

Services raise these; the interfaces (API, web, bridge) translate them into their own shapes. The `code`
is part of the public contract and never changes; the message is translated and may.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError


class DomainError(Exception):
    """A request the domain refuses. Subclasses fix the kind (and so the HTTP status)."""

    default_code = "business_rule_violation"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[dict]] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code or self.default_code
        self.fields = fields or {}


class ValidationFailed(DomainError):
    """Input that breaks a rule of one or more fields (400)."""

    default_code = "validation_error"

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str = "invalid") -> ValidationFailed:
        return cls(message, fields={field: [{"code": code, "message": str(message)}]})

    @classmethod
    def from_django(cls, error: DjangoValidationError) -> ValidationFailed:
        fields: dict[str, list[dict[str, Any]]] = {}
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                key = "non_field_errors" if field == NON_FIELD_ERRORS else field
                fields[key] = [
                    {"code": e.code or "invalid", "message": " ".join(str(m) for m in e.messages)}
                    for e in errors
                ]
        else:
            fields["non_field_errors"] = [
                {"code": e.code or "invalid", "message": " ".join(str(m) for m in e.messages)}
                for e in error.error_list
            ]
        first = next(iter(fields.values()))[0]["message"]
        return cls(first, fields=fields)


class Unauthenticated(DomainError):
    """Credentials missing, wrong or expired (401)."""

    default_code = "not_authenticated"


class NotFound(DomainError):
    """The object does not exist or the caller may not see it (404)."""

    default_code = "not_found"


class Forbidden(DomainError):
    """The caller may see the object but not do this to it (403)."""

    default_code = "permission_denied"


class Conflict(DomainError):
    """The object's current state does not allow this (409): already done, taken, duplicate."""

    default_code = "conflict"


class RuleRefused(DomainError):
    """A business rule refuses an otherwise well-formed request (422)."""

    default_code = "business_rule_violation"


class TooManyAttempts(DomainError):
    """Repeated failures; the caller must wait (429)."""

    default_code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class ImportFailed(ValidationFailed):
    """A spreadsheet import refused as a whole (400): nothing was saved, `rows` says what to fix where.

    Each row error is `{"row", "column", "field", "code", "message"}`; `row` counts as the sheet does (the
    header is row 1), `column` is the header as typed in the file, `field` the canonical column name.
    """

    default_code = "import_failed"

    def __init__(self, message: str, *, rows: list[dict[str, Any]], code: str | None = None):
        super().__init__(
            message,
            code=code,
            fields={"file": [{"code": code or self.default_code, "message": str(message)}]},
        )
        self.rows = rows
