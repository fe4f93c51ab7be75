"""The notification outbox (通知): one row per message to one recipient on one channel.

The row is written in the same transaction as the change it reports, so a change that rolls back leaves
no notification behind, and a committed change always has its notification. Subject and body are rendered
when the row is written, in the recipient's language, so what was sent is what the row shows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import RETRYABLE_STATUSES, NotificationChannel, NotificationStatus


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    estate = models.ForeignKey(
        "estates.Estate",
        verbose_name=_("estate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=NotificationChannel.choices)
    template = models.CharField(_("template"), max_length=64)
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=16)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("The e-mail address or phone it went to.")
    )
    last_error = models.TextField(_("last error"), blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedup_key = models.CharField(
        _("deduplication key"),
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The same event gives the same key, so it never creates a second notification."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The recipient's in-app list, newest first, and their unread count.
            models.Index(fields=["recipient", "channel", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(channel=NotificationChannel.IN_APP.value, read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The dispatcher's sweep: only rows still to send are in it, so it stays small.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=RETRYABLE_STATUSES),
                name="notification_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient_id}: {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
