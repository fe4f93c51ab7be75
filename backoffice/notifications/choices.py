from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    """Where a notification stands.

    `pending`: waiting for its first attempt. `sent`: delivered to the mail server or SMS provider (in-app
    notifications are sent when written). `failed`: the last attempt failed; it is tried again at
    `next_attempt_at`, or never if that is empty (the recipient has no address: retrying cannot help).
    `dead`: every allowed attempt failed; an operator looks at `last_error`.
    """

    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    DEAD = "dead", _("Dead")


# Statuses the dispatcher may still (re)try, when `next_attempt_at` has come.
RETRYABLE_STATUSES = (NotificationStatus.PENDING.value, NotificationStatus.FAILED.value)
