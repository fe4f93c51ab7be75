"""Message templates: a code names a subject and a body, translated with gettext (zh-Hans and English).

Placeholders are `{name}` and are filled with `str.format_map` from the notification's context. A missing
name renders as empty text rather than failing (and `({name})` disappears whole), and values are inserted as they are, never interpreted, so
text typed by a user (a complaint, a diagram's `body`) cannot run anything. The Django template engine is
deliberately not used on user data.

Other apps add their own templates with `template_register` (in their `AppConfig.ready()`).

Context names the templates here use: `number` (work order number; a process's business key),
`unit`, `technician`, `equipment`, `title`, `location`, `due`; `generic` prints `subject` and `body`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX_LENGTH = 200


@dataclass(frozen=True)
class Template:
    code: str
    subject: str | Promise
    body: str | Promise


_templates: dict[str, Template] = {}


def template_register(code: str, *, subject: str | Promise, body: str | Promise) -> Template:
    template = Template(code=code, subject=subject, body=body)
    _templates[code] = template
    return template


def template_get(code: str) -> Template | None:
    return _templates.get(code)


def template_codes() -> list[str]:
    return sorted(_templates)


class _Values(dict):
    """The context as format_map sees it: a missing name is empty text, None is empty text."""

    def __missing__(self, key: str) -> str:
        return ""


# "({unit})" or "（{unit}）" in a template, to leave out whole when the value is empty.
_BRACKETED = re.compile(r"\s?[(（]\{(\w+)\}[)）]")


def _fill(text: str, values: _Values) -> str:
    text = _BRACKETED.sub(lambda m: m.group(0) if values.get(m.group(1)) not in (None, "") else "", text)
    try:
        return text.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError, TypeError):
        # A malformed translation must not stop a notification; show the text without its values.
        return text


def render(template: Template, context: Mapping[str, Any], *, language: str) -> tuple[str, str]:
    """(subject, body) of `template` in `language`, filled from `context`."""
    values = _Values({key: "" if value is None else value for key, value in context.items()})
    with translation.override(language):
        subject = _fill(str(template.subject), values)
        body = _fill(str(template.body), values)
    return " ".join(subject.split())[:SUBJECT_MAX_LENGTH], body


# --- the built-in templates -------------------------------------------------------------------------------

# `generic` carries its own text (a diagram's `subject` and `body` inputs); there is nothing to translate.
template_register("generic", subject="{subject}", body="{body}")

# 报修: what the owner hears at each step of their repair.
template_register(
    "work_order.accepted",
    subject=_("Repair request {number} accepted"),
    body=_("Your repair request {number} ({unit}) has been accepted. We will send a technician soon."),
)
template_register(
    "work_order.assigned",
    subject=_("Technician assigned to repair {number}"),
    body=_("Technician {technician} will handle your repair request {number} ({unit})."),
)
template_register(
    "work_order.done",
    subject=_("Repair {number} completed"),
    body=_("The repair {number} ({unit}) has been completed."),
)
template_register(
    "work_order.confirm_request",
    subject=_("Please confirm repair {number}"),
    body=_(
        "Please confirm in the app that the repair {number} ({unit}) is done and rate the service. "
        "Without an answer it is confirmed automatically."
    ),
)
# For the supervisor or manager a late repair is escalated to.
template_register(
    "work_order.escalated",
    subject=_("Repair {number} escalated"),
    body=_("The repair request {number} ({unit}) was not handled in time and has been escalated to you."),
)
# 设备保养: for the staff who look after the equipment.
template_register(
    "maintenance.due",
    subject=_("Maintenance due: {equipment}"),
    body=_('Maintenance "{title}" of {equipment} ({location}) is due on {due}.'),
)
