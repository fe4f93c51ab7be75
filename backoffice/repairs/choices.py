from django.db import models
from django.utils.translation import gettext_lazy as _


class RepairCategory(models.TextChoices):
    PLUMBING = "plumbing", _("Plumbing")
    ELECTRICAL = "electrical", _("Electrical")
    DOOR_WINDOW = "door_window", _("Doors and windows")
    ELEVATOR = "elevator", _("Elevator")
    HVAC = "hvac", _("Heating and air conditioning")
    PUBLIC_FACILITY = "public_facility", _("Public facility")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    APP = "app", _("Owner app")
    PHONE = "phone", _("Phone")
    TERMINAL = "terminal", _("Terminal")
    STAFF = "staff", _("Staff on behalf")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class DispatchMode(models.TextChoices):
    ASSIGN = "assign", _("Dispatcher assigns a technician")
    POOL = "pool", _("Technicians' pool: first to claim")
    AUTO = "auto", _("Automatic round-robin")


class WorkOrderStatus(models.TextChoices):
    NEW = "new", _("New")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    RESOLVED = "resolved", _("Work done")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting confirmation")
    REWORK = "rework", _("Rework")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class ChargeStatus(models.TextChoices):
    NONE = "none", _("No charge")
    PENDING = "pending", _("Awaiting the owner's approval")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
