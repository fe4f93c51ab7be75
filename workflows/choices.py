from django.db import models
from django.utils.translation import gettext_lazy as _


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    INCIDENT = "incident", _("Incident")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class EventType(models.TextChoices):
    DEPLOYED = "deployed", _("Deployed")
    STARTED = "started", _("Started")
    TASK_CREATED = "task_created", _("Task created")
    CLAIMED = "claimed", _("Claimed")
    UNCLAIMED = "unclaimed", _("Released")
    ASSIGNED = "assigned", _("Assigned")
    COMPLETED = "completed", _("Task completed")
    TIMER_FIRED = "timer_fired", _("Timer fired")
    MESSAGE = "message", _("Message delivered")
    ERROR = "error", _("Error")
    RETRIED = "retried", _("Retried")
    CANCELLED = "cancelled", _("Cancelled")
    MIGRATED = "migrated", _("Migrated")
    ENDED = "ended", _("Ended")
    COMMENT = "comment", _("Comment")
