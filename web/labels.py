"""Texts that come from the diagrams (task names, form labels, options) shown in the user's language.

The diagrams in `bpmn/` are written in English (Chinese where the estate staff wrote them); their texts are
listed here so that the message catalogues carry them. A text a process owner adds later shows as written
until it is translated."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

DIAGRAM_TEXTS = [
    # repair.bpmn
    gettext_noop("Repair overdue: follow up"),
    gettext_noop("Follow-up note"),
    gettext_noop("Repair badly overdue"),
    gettext_noop("Decision"),
    gettext_noop("Dispatch the repair"),
    gettext_noop("Technician (username)"),
    gettext_noop("Accept the repair"),
    gettext_noop("Repair not accepted in time"),
    gettext_noop("Repair and record the work"),
    gettext_noop("Diagnosis"),
    gettext_noop("Work done"),
    gettext_noop("Parts used"),
    gettext_noop("Parts cost (CNY)"),
    gettext_noop("Charge the owner"),
    gettext_noop("Approve the repair charge"),
    gettext_noop("I approve the charge"),
    gettext_noop("Confirm the repair"),
    gettext_noop("Satisfied"),
    gettext_noop("Rating (1-5)"),
    gettext_noop("Comment"),
    # maintenance.bpmn
    gettext_noop("Do the maintenance"),
    gettext_noop("Maintenance overdue: follow up"),
    gettext_noop("Checklist results"),
    gettext_noop("Defect found"),
    gettext_noop("Describe the defect"),
    gettext_noop("Every checklist item done and in order"),
    gettext_noop("Notes"),
]


def diagram_text(text: str) -> str:
    """The text in the current language when the catalogue has it, else as the diagram says."""
    return _(text) if text else text
