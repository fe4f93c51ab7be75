"""Telling the owner how their repair goes: in-app always, SMS when they have a phone on file."""

from __future__ import annotations

from typing import Any

from backoffice.notifications.services import notification_queue

from .models import WorkOrder


def owner(order: WorkOrder, template: str, **context: Any) -> None:
    recipient = order.reporter if order.reporter_id and order.reporter.person_id else None
    if recipient is None and order.requester_id:
        recipient = getattr(order.requester, "user", None)
    if recipient is None:
        return
    values = {"number": order.number, "unit": str(order.unit or order.location), **context}
    for channel in ("in_app", "sms"):
        notification_queue(
            recipient=recipient,
            channel=channel,
            template=template,
            context=values,
            estate_id=order.estate_id,
            dedup_key=f"wo:{order.pk}:{template}:{order.rework_count}:{channel}",
        )
