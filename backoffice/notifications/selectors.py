"""Read-only queries: a user's own in-app notifications and their unread count."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .choices import NotificationChannel
from .models import Notification


def notification_list_for(*, user: Any, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first; `unread=True` only the unread, False only the read."""
    queryset = Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)
    if unread is not None:
        queryset = queryset.filter(read_at__isnull=unread)
    return queryset.order_by("-created_at", "-id")


def notification_unread_count(*, user: Any) -> int:
    return Notification.objects.filter(
        recipient=user, channel=NotificationChannel.IN_APP, read_at__isnull=True
    ).count()
