"""Queue, send, retry and read notifications (通知).

The outbox: a domain service calls `notification_queue` inside its own transaction. If that transaction
rolls back, the notification never existed; if it commits, the notification is there. E-mail and SMS are
handed to `notification_send` by `transaction.on_commit`; should the process die before that, the sweep
`notifications_dispatch_due` (a Prefect flow every minute) finds the row, since a pending row is due from
the moment it is written. In-app notifications are delivered by being written: they are `sent` at once.

Never twice. The same event gives the same `dedup_key`, and the key is unique, so it makes one row. A row
is sent only by the transaction that claims it: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED` (a second
worker skips a row being sent and moves on), on SQLite a conditional UPDATE as the transaction's first
statement, which takes the database's write lock (a second sender waits, then finds the row no longer
due). The outcome is written by the same transaction. The one gap no outbox closes: a process killed
after the provider accepted a message and before its commit leaves the row unsent, and it is sent again.

Failures: a failed attempt is retried after `NOTIFICATION_RETRY_MINUTES` (1, 5, 30, 120 by default: the
n-th failure waits the n-th value, the last one repeating); after `NOTIFICATION_MAX_ATTEMPTS` attempts the
row is `dead`. A recipient without an address fails at once and is not retried.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.errors import NotFound, ValidationFailed

from . import channels, templates
from .choices import RETRYABLE_STATUSES, NotificationChannel, NotificationStatus
from .models import Notification

logger = logging.getLogger(__name__)

DEDUP_KEY_MAX_LENGTH = 255
ERROR_MAX_LENGTH = 2000


def _json_safe(context: dict[str, Any] | None) -> dict[str, Any]:
    """The context as it will be stored: decimals, dates and ids become JSON values once, here."""
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise ValidationFailed.for_field("context", _("The context must be an object."))
    return json.loads(json.dumps(context, cls=DjangoJSONEncoder))


def _dedup_key(key: str | None) -> str | None:
    if not key:
        return None
    if len(key) <= DEDUP_KEY_MAX_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _send_after_commit(notification_id: int) -> None:
    notification_send(notification_id=notification_id)


@transaction.atomic
def notification_queue(
    *,
    recipient: Any,
    channel: str,
    template: str,
    context: dict[str, Any] | None = None,
    estate_id: int | None = None,
    dedup_key: str | None = None,
    language: str | None = None,
) -> Notification:
    """Write a notification for `recipient` in the caller's transaction; e-mail and SMS go after commit.

    With a `dedup_key` the same event queued twice (a retried step, a redelivered message) gives back the
    first notification and sends nothing more. `language` defaults to the site's (zh-hans).
    """
    if channel not in NotificationChannel.values:
        raise ValidationFailed.for_field(
            "channel", _("Unknown channel %(channel)s.") % {"channel": channel}, code="unknown_channel"
        )
    found = templates.template_get(template)
    if found is None:
        raise ValidationFailed.for_field(
            "template", _("Unknown template %(code)s.") % {"code": template}, code="unknown_template"
        )
    language = language or settings.LANGUAGE_CODE
    context = _json_safe(context)
    subject, body = templates.render(found, context, language=language)
    now = timezone.now()
    in_app = channel == NotificationChannel.IN_APP
    fields = {
        "recipient": recipient,
        "estate_id": estate_id,
        "channel": channel,
        "template": template,
        "context": context,
        "language": language,
        "subject": subject,
        "body": body,
        "status": NotificationStatus.SENT if in_app else NotificationStatus.PENDING,
        "sent_at": now if in_app else None,
        "next_attempt_at": None if in_app else now,
        "created_at": now,
    }
    key = _dedup_key(dedup_key)
    if key is None:
        notification, created = Notification.objects.create(**fields), True
    else:
        # get_or_create inserts in a savepoint and, losing a race on the unique key, reads the winner's row.
        notification, created = Notification.objects.get_or_create(dedup_key=key, defaults=fields)
    if created and not in_app and getattr(settings, "NOTIFICATION_SEND_ON_COMMIT", True):
        # robust: a failure here is logged, never raised into the request that already committed.
        transaction.on_commit(partial(_send_after_commit, notification.pk), robust=True)
    return notification


def _claim(notification_id: int, now: dt.datetime) -> Notification | None:
    """Lock the row if it is due and nobody else is sending it; None otherwise (see the module docstring)."""
    due = Notification.objects.filter(
        pk=notification_id, status__in=RETRYABLE_STATUSES, next_attempt_at__lte=now
    )
    if connection.features.has_select_for_update_skip_locked:
        return due.select_for_update(skip_locked=True).first()
    if not due.update(attempts=F("attempts")):
        return None
    return Notification.objects.get(pk=notification_id)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failure."""
    minutes = list(getattr(settings, "NOTIFICATION_RETRY_MINUTES", None) or [1, 5, 30, 120])
    return dt.timedelta(minutes=minutes[min(attempts, len(minutes)) - 1])


def _failed(notification: Notification, error: str, *, now: dt.datetime, retry: bool) -> None:
    notification.last_error = error[:ERROR_MAX_LENGTH]
    max_attempts = int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 5))
    if not retry:
        notification.status, notification.next_attempt_at = NotificationStatus.FAILED, None
    elif notification.attempts >= max_attempts:
        notification.status, notification.next_attempt_at = NotificationStatus.DEAD, None
    else:
        notification.status = NotificationStatus.FAILED
        notification.next_attempt_at = now + retry_delay(notification.attempts)
    logger.warning(
        "notification %s (%s) attempt %s failed, now %s: %s",
        notification.pk,
        notification.channel,
        notification.attempts,
        notification.status,
        notification.last_error,
    )


@transaction.atomic
def notification_send(*, notification_id: int, now: dt.datetime | None = None) -> Notification | None:
    """Send one e-mail or SMS notification if it is due; None when there is nothing to do (already sent,
    dead, not yet due, or being sent by another worker right now)."""
    now = now or timezone.now()
    notification = _claim(notification_id, now)
    if notification is None:
        return None
    channel = channels.channel_for(notification.channel)
    recipient = notification.recipient
    notification.attempts += 1
    # The address is read (from the database) before delivering, so `deliver` is free to fail anyhow.
    address = channel.address_for(recipient) if recipient.is_active else ""
    if not recipient.is_active:
        _failed(notification, "The recipient's account is inactive.", now=now, retry=False)
    elif not address:
        what = "e-mail address" if notification.channel == NotificationChannel.EMAIL else "mobile phone"
        _failed(notification, f"The recipient has no {what} on file.", now=now, retry=False)
    else:
        try:
            channel.deliver(address=address, subject=notification.subject, body=notification.body)
        except Exception as exc:  # noqa: BLE001 - any delivery failure is retried, never lost
            _failed(notification, f"{type(exc).__name__}: {exc}", now=now, retry=True)
        else:
            notification.status = NotificationStatus.SENT
            notification.sent_at = now
            notification.next_attempt_at = None
            notification.last_error = ""
    notification.address = address
    notification.save(
        update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error", "address"]
    )
    return notification


def notifications_dispatch_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send every e-mail and SMS notification that is due (new, or failed and waiting for its retry);
    returns how many were sent. Each one is its own transaction, so one failure never undoes the others,
    and sweeps running at once on several workers share the rows instead of sending any twice."""
    now = now or timezone.now()
    due = (
        Notification.objects.filter(status__in=RETRYABLE_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for notification_id in list(due):
        notification = notification_send(notification_id=notification_id, now=now)
        if notification is not None and notification.status == NotificationStatus.SENT:
            sent += 1
    return sent


@transaction.atomic
def notification_mark_read(
    *, user: Any, notification_id: int, now: dt.datetime | None = None
) -> Notification:
    """Mark one of the user's in-app notifications read (again is a no-op); another user's is not found."""
    mine = Notification.objects.filter(pk=notification_id, recipient=user, channel=NotificationChannel.IN_APP)
    mine.filter(read_at__isnull=True).update(read_at=now or timezone.now())
    notification = mine.first()
    if notification is None:
        raise NotFound(_("No such notification."))
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: Any, now: dt.datetime | None = None) -> int:
    """Mark every unread in-app notification of the user read; returns how many were unread."""
    return Notification.objects.filter(
        recipient=user, channel=NotificationChannel.IN_APP, read_at__isnull=True
    ).update(read_at=now or timezone.now())
