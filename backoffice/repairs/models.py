"""Work orders (报修工单): what was reported, who did what and when, what it cost, what the owner said."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.core.models import TimeStampedModel

from .choices import Channel, ChargeStatus, DispatchMode, Priority, RepairCategory, WorkOrderStatus

MONEY = {"max_digits": 12, "decimal_places": 2}


class RepairSettings(models.Model):
    """How an estate dispatches repairs; the process reads it when an order starts."""

    estate = models.OneToOneField(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.CASCADE, related_name="repair_settings"
    )
    dispatch_mode = models.CharField(
        _("dispatch mode"), max_length=16, choices=DispatchMode.choices, default=DispatchMode.ASSIGN
    )

    class Meta:
        verbose_name = _("repair settings")
        verbose_name_plural = _("repair settings")

    def __str__(self) -> str:
        return f"{self.estate}: {self.get_dispatch_mode_display()}"


class TechnicianSkill(models.Model):
    """A technician who takes a repair category in an estate; `last_assigned_at` drives the round-robin."""

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(_("category"), max_length=32, choices=RepairCategory.choices)
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("technician skill")
        verbose_name_plural = _("technician skills")
        constraints = [models.UniqueConstraint(fields=["estate", "user", "category"], name="skill_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_category_display()}"


class WorkOrder(TimeStampedModel):
    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    unit = models.ForeignKey(
        "estates.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("Common area, when no unit.")
    )
    equipment = models.ForeignKey(
        "facilities.Equipment",
        verbose_name=_("equipment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_orders",
    )
    category = models.CharField(_("category"), max_length=32, choices=RepairCategory.choices)
    description = models.TextField(_("description"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.STAFF)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    preferred_time = models.CharField(_("preferred time"), max_length=100, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requester = models.ForeignKey(
        "people.Person",
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=WorkOrderStatus.choices, default=WorkOrderStatus.NEW
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    parts = models.TextField(_("parts used"), blank=True)
    parts_cost = models.DecimalField(
        _("parts cost"), default=Decimal("0.00"), validators=[MinValueValidator(0)], **MONEY
    )
    charge_status = models.CharField(
        _("charge"), max_length=16, choices=ChargeStatus.choices, default=ChargeStatus.NONE
    )
    charge_amount = models.DecimalField(_("charge amount"), default=Decimal("0.00"), **MONEY)
    rework_count = models.PositiveIntegerField(_("rework count"), default=0)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("owner's comment"), blank=True)
    auto_confirmed = models.BooleanField(_("confirmed automatically"), default=False)
    response_escalated = models.BooleanField(_("response escalated"), default=False)
    resolution_escalation = models.CharField(_("resolution escalation"), max_length=16, blank=True)
    process_instance_id = models.BigIntegerField(_("process instance"), null=True, blank=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["estate", "status"], name="work_order_estate_status_idx"),
            models.Index(fields=["estate", "closed_at"], name="work_order_estate_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class WorkOrderPhoto(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to="work_orders/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.file.name


class RepairCharge(models.Model):
    """What an owner agreed to pay for a repair: a billable item on the unit, recorded once per order."""

    work_order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="charge")
    estate = models.ForeignKey("estates.Estate", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "estates.Unit", null=True, on_delete=models.PROTECT, related_name="repair_charges"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    description = models.CharField(_("description"), max_length=200)
    billed = models.BooleanField(_("billed"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repair charge")
        verbose_name_plural = _("repair charges")

    def __str__(self) -> str:
        return f"{self.work_order} ¥{self.amount}"
