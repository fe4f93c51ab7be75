"""Task forms from `camunda:formData`: the schema clients render, and validation of submitted data.

Types: string, long, boolean, date (ISO `YYYY-MM-DD`), enum (values by id). Constraints: required,
readonly, min, max (numbers), minlength, maxlength (strings), regex/pattern (strings, full match).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext as _

from backoffice.core.errors import ValidationFailed

VARIABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_REGEX_INPUT = 2000


def form_schema(form) -> dict[str, Any]:
    """The JSON form of a task spec (empty `fields` when the task has no form)."""
    fields = []
    for field in getattr(form, "fields", None) or []:
        constraints = {v.name: v.config for v in field.validation}
        item: dict[str, Any] = {
            "id": field.id,
            "label": field.label or field.id,
            "type": field.type or "string",
            "required": "required" in constraints,
            "readonly": "readonly" in constraints,
            "default": field.default_value,
            "options": [{"id": o.id, "name": o.name} for o in getattr(field, "options", [])] or None,
            "constraints": {k: v for k, v in constraints.items() if k not in ("required", "readonly")},
        }
        fields.append(item)
    return {"fields": fields}


def _error(errors: dict, field: str, code: str, message: str) -> None:
    errors.setdefault(field, []).append({"code": code, "message": message})


def _coerce(field: dict, value: Any) -> Any:
    kind = field["type"]
    if kind == "long":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(_("Enter a whole number."))
        return int(str(value).strip())
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(_("Enter true or false."))
    if kind == "date":
        return dt.date.fromisoformat(str(value)).isoformat()
    if kind == "enum":
        options = {o["id"] for o in field["options"] or []}
        if str(value) not in options:
            raise ValueError(_("Choose one of: %(options)s.") % {"options": ", ".join(sorted(options))})
        return str(value)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(_("Enter text."))
    return str(value)


def _check_constraints(errors: dict, field: dict, value: Any) -> None:
    fid = field["id"]
    rules = field["constraints"]
    try:
        if "min" in rules and isinstance(value, int) and value < int(rules["min"]):
            _error(errors, fid, "min_value", _("Must be at least %(n)s.") % {"n": rules["min"]})
        if "max" in rules and isinstance(value, int) and value > int(rules["max"]):
            _error(errors, fid, "max_value", _("Must be at most %(n)s.") % {"n": rules["max"]})
        if "minlength" in rules and isinstance(value, str) and len(value) < int(rules["minlength"]):
            _error(
                errors,
                fid,
                "min_length",
                _("Must have at least %(n)s characters.") % {"n": rules["minlength"]},
            )
        if "maxlength" in rules and isinstance(value, str) and len(value) > int(rules["maxlength"]):
            _error(
                errors,
                fid,
                "max_length",
                _("Must have at most %(n)s characters.") % {"n": rules["maxlength"]},
            )
    except (TypeError, ValueError):
        _error(errors, fid, "bad_constraint", _("The form's constraint is not a number."))
    pattern = rules.get("regex") or rules.get("pattern")
    if pattern and isinstance(value, str):
        try:
            matched = len(value) <= MAX_REGEX_INPUT and re.fullmatch(pattern, value) is not None
        except re.error:
            matched = False
        if not matched:
            _error(errors, fid, "invalid_format", _("Does not have the expected format."))


def form_clean(form: dict[str, Any], data: Any) -> dict[str, Any]:
    """Validated, typed values of a submitted form; raises ValidationFailed listing every bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed.for_field("data", _("Send the form values as an object."), code="invalid")
    fields = {f["id"]: f for f in form.get("fields", [])}
    errors: dict[str, list[dict[str, str]]] = {}
    cleaned: dict[str, Any] = {}
    for key in data:
        if not isinstance(key, str) or not VARIABLE_NAME.match(key):
            _error(errors, str(key), "invalid_name", _("Field names are letters, digits and '_'."))
        elif fields and key not in fields:
            _error(errors, key, "unknown_field", _("This task's form has no such field."))
    for fid, field in fields.items():
        value = data.get(fid)
        if field["readonly"]:
            continue
        if value is None or value == "":
            if field["required"]:
                _error(errors, fid, "required", _("This field is required."))
            cleaned[fid] = None  # every form field becomes a variable, so `${comment}` never fails
            continue
        try:
            value = _coerce(field, value)
        except (ValueError, TypeError) as exc:
            _error(errors, fid, "invalid", str(exc) if str(exc) else _("Invalid value."))
            continue
        _check_constraints(errors, field, value)
        cleaned[fid] = value
    if not fields:
        cleaned = {k: v for k, v in data.items() if isinstance(k, str) and VARIABLE_NAME.match(k)}
    if errors:
        raise ValidationFailed(_("The form has errors."), code="validation_error", fields=errors)
    return cleaned
