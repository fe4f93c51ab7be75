"""A task's form (from the diagram's `camunda:formData`) as HTML fields, and the posted values back as the
data the engine validates. The engine's own validation (`workflows.forms`) decides; the page only shows its
per-field errors next to the fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .labels import diagram_text

RADIO_RANGE = 10  # a whole number with min and max this close is offered as radio buttons (a 1-5 rating)


@dataclass
class FormField:
    id: str
    label: str
    type: str
    widget: str
    value: Any
    required: bool = False
    readonly: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _widget(spec: dict) -> tuple[str, list[tuple[str, str]]]:
    kind = spec.get("type") or "string"
    constraints = spec.get("constraints") or {}
    if kind == "boolean":
        return "checkbox", []
    if kind == "enum":
        return "select", [(o["id"], diagram_text(o["name"] or o["id"])) for o in spec.get("options") or []]
    if kind == "date":
        return "date", []
    if kind == "long":
        low, high = constraints.get("min"), constraints.get("max")
        numeric = all(str(n).lstrip("-").isdigit() for n in (low, high) if n is not None)
        if low is not None and high is not None and numeric and 0 <= int(high) - int(low) <= RADIO_RANGE:
            return "radio", [(str(n), str(n)) for n in range(int(low), int(high) + 1)]
        return "number", []
    if int((constraints.get("maxlength") or 0) or 0) > 200:
        return "textarea", []
    return "text", []


def _attrs(spec: dict) -> dict[str, Any]:
    constraints = spec.get("constraints") or {}
    attrs: dict[str, Any] = {}
    for name in ("min", "max", "minlength", "maxlength"):
        if constraints.get(name) not in (None, ""):
            attrs[name] = constraints[name]
    return attrs


def build_fields(
    form: dict | None, *, values: dict | None = None, errors: dict | None = None
) -> list[FormField]:
    """The fields to render: the diagram's defaults, or what was posted (after a refusal) with its errors."""
    fields = []
    for spec in (form or {}).get("fields") or []:
        widget, options = _widget(spec)
        posted = values is not None and spec["id"] in values
        value = values[spec["id"]] if posted else spec.get("default")
        if widget == "checkbox":
            value = value is True or str(value).lower() == "true"
        fields.append(
            FormField(
                id=spec["id"],
                label=diagram_text(spec.get("label") or spec["id"]),
                type=spec.get("type") or "string",
                widget=widget,
                value="" if value is None else value,
                required=bool(spec.get("required")),
                readonly=bool(spec.get("readonly")),
                options=options,
                attrs=_attrs(spec),
                errors=[e["message"] for e in (errors or {}).get(spec["id"], [])],
            )
        )
    return fields


def posted_data(form: dict | None, post) -> dict[str, Any]:
    """The submitted values as the engine takes them: a checkbox is true or false, an empty optional field
    is left out (the engine then applies the diagram's rule for a missing value)."""
    data: dict[str, Any] = {}
    for spec in (form or {}).get("fields") or []:
        name, kind = spec["id"], spec.get("type") or "string"
        if spec.get("readonly"):
            continue
        if kind == "boolean":
            data[name] = post.get(name) in ("on", "true", "1")
            continue
        raw = post.get(name)
        if raw is None or (raw.strip() == "" and kind != "string"):
            continue
        if raw == "" and not spec.get("required"):
            continue
        data[name] = raw.strip() if kind != "string" else raw
    return data


def other_errors(errors: dict | None, form: dict | None) -> list[str]:
    """Errors not about one of the form's fields (shown above the form)."""
    ids = {spec["id"] for spec in (form or {}).get("fields") or []}
    messages = []
    for key, items in (errors or {}).items():
        if key not in ids:
            messages += [item["message"] for item in items]
    return messages or ([_("Correct the marked fields.")] if errors else [])
