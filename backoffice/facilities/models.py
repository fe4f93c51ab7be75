"""The equipment ledger (设备台账): suppliers, equipment and its documents, maintenance plans and records.

A maintenance record is the equipment's history together with its work orders (`backoffice.repairs`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.choices import STAFF_ROLES, Role
from backoffice.core.models import TimeStampedModel

from .choices import AttachmentKind, EquipmentCategory, EquipmentStatus
from .intervals import validate_interval

MONEY = {"max_digits": 12, "decimal_places": 2}
non_negative = MinValueValidator(Decimal("0"), message=_("Must not be negative."))

# Attachments: documents (manuals, contracts, certificates) and photos; anything else is refused.
ATTACHMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "webp", "docx", "xlsx")
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_CHECKLIST_ITEMS = 50
MAX_CHECKLIST_ITEM_LENGTH = 200
MAX_RESULTS = 100
RESPONSIBLE_GROUPS = [(role.value, role.label) for role in Role if role.value in STAFF_ROLES]


def validate_checklist(value: Any) -> None:
    """A list of 0–50 non-empty strings of at most 200 characters."""
    if not isinstance(value, list):
        raise ValidationError(_("The checklist is a list of texts."), code="invalid_checklist")
    if len(value) > MAX_CHECKLIST_ITEMS:
        raise ValidationError(
            _("A checklist has at most %(max)s items.") % {"max": MAX_CHECKLIST_ITEMS}, code="too_many_items"
        )
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_CHECKLIST_ITEM_LENGTH:
            raise ValidationError(
                _("Every checklist item is a non-empty text of at most %(max)s characters.")
                % {"max": MAX_CHECKLIST_ITEM_LENGTH},
                code="invalid_checklist",
            )


def validate_results(value: Any) -> None:
    """A list of `{"item": text, "ok": true|false, "note": text}` (note optional), at most 100 entries."""
    message = _('Results are a list of {"item": text, "ok": true or false, "note": text}.')
    if not isinstance(value, list) or len(value) > MAX_RESULTS:
        raise ValidationError(message, code="invalid_results")
    for entry in value:
        if (
            not isinstance(entry, dict)
            or set(entry) - {"item", "ok", "note"}
            or not isinstance(entry.get("item"), str)
            or not entry["item"].strip()
            or len(entry["item"]) > MAX_CHECKLIST_ITEM_LENGTH
            or not isinstance(entry.get("ok"), bool)
            or not isinstance(entry.get("note", ""), str)
            or len(entry.get("note", "")) > 1000
        ):
            raise ValidationError(message, code="invalid_results")


def validate_attachment_size(file: Any) -> None:
    if file is not None and getattr(file, "size", 0) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), code="file_too_large")


class Supplier(TimeStampedModel):
    """A supplier or maintenance contractor (供应商/维保单位) an estate buys equipment or service from."""

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact person"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["estate_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "name"],
                name="supplier_unique_name_per_estate",
                violation_error_message=_("This estate already has a supplier with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Equipment(TimeStampedModel):
    """One item of the ledger: an elevator, a pump, a fire panel. Where it stands is a building, a unit or
    a common area described in `location` (地下室水泵房)."""

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(
        _("category"), max_length=16, choices=EquipmentCategory.choices, default=EquipmentCategory.OTHER
    )
    name = models.CharField(_("name"), max_length=100)
    brand = models.CharField(_("brand"), max_length=64, blank=True)
    model = models.CharField(_("model"), max_length=64, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    building = models.ForeignKey(
        "estates.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "estates.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("Where it stands, e.g. a common area.")
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="equipment",
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_price = models.DecimalField(
        _("purchase price"), null=True, blank=True, validators=[non_negative], **MONEY
    )
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=EquipmentStatus.choices, default=EquipmentStatus.IN_SERVICE
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        ordering = ["estate_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "serial_number"],
                condition=~models.Q(serial_number=""),
                name="equipment_unique_serial_per_estate",
                violation_error_message=_("This estate already has equipment with this serial number."),
            )
        ]
        indexes = [
            models.Index(fields=["estate", "category", "status"], name="equipment_estate_category_idx"),
            models.Index(fields=["estate", "warranty_until"], name="equipment_estate_warranty_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.model}".strip()


class EquipmentAttachment(models.Model):
    """A document (manual, contract, inspection certificate) or a photo of one item of equipment."""

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(
        _("file"),
        upload_to="equipment/%Y/%m/",  # under MEDIA_ROOT; served only through the API
        max_length=255,
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS), validate_attachment_size],
    )
    title = models.CharField(_("title"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("equipment attachment")
        verbose_name_plural = _("equipment attachments")
        ordering = ["equipment_id", "-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def file_name(self) -> str:
        return PurePath(self.file.name).name if self.file else ""


class MaintenancePlan(TimeStampedModel):
    """A maintenance plan (保养计划): what to check on one item, or on every in-service item of a category
    in the estate, how often, by which group, and when it is next due."""

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    equipment = models.ForeignKey(
        Equipment,
        verbose_name=_("equipment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="maintenance_plans",
    )
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=EquipmentCategory.choices,
        blank=True,
        help_text=_("A plan for a category applies to all in-service equipment of that category."),
    )
    title = models.CharField(_("title"), max_length=200)
    interval = models.CharField(
        _("interval"),
        max_length=32,
        validators=[validate_interval],
        help_text=_("monthly, quarterly, semiannual, annual or an ISO-8601 duration such as P2W."),
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True, validators=[validate_checklist])
    responsible_group = models.CharField(
        _("responsible group"), max_length=32, choices=RESPONSIBLE_GROUPS, default=Role.TECHNICIAN
    )
    next_due = models.DateField(_("next due"))
    anchor_day = models.PositiveSmallIntegerField(
        _("day of month"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The day of month a monthly schedule keeps after short months."),
    )
    active = models.BooleanField(_("active"), default=True)
    last_done = models.DateField(_("last done"), null=True, blank=True)

    class Meta:
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        ordering = ["estate_id", "next_due", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(equipment__isnull=False, category="")
                | models.Q(equipment__isnull=True) & ~models.Q(category=""),
                name="maintenance_plan_equipment_or_category",
                violation_error_message=_("A plan names either one item of equipment or a category."),
            )
        ]
        indexes = [models.Index(fields=["active", "next_due"], name="maintenance_plan_due_idx")]

    def __str__(self) -> str:
        return self.title


class MaintenanceRecord(models.Model):
    """One maintenance done (保养记录): the checklist results, defects, who and when.

    A record of a plan names the due date it fulfils; (plan, equipment, due date) is unique, so the process
    recording it twice keeps one record and advances the plan once.
    """

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        MaintenancePlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.PROTECT, related_name="maintenance_records"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    performed_on = models.DateField(_("performed on"))
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    results = models.JSONField(
        _("checklist results"), default=list, blank=True, validators=[validate_results]
    )
    defects_found = models.BooleanField(_("defects found"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    process_instance_id = models.BigIntegerField(_("process instance"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("maintenance record")
        verbose_name_plural = _("maintenance records")
        ordering = ["-performed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "equipment", "due_date"],
                name="maintenance_record_unique_due",
                violation_error_message=_("This maintenance is already recorded for this due date."),
            )
        ]
        indexes = [
            models.Index(fields=["equipment", "-performed_on"], name="maintenance_record_equip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.equipment} {self.performed_on}"


class MaintenanceStart(models.Model):
    """One started maintenance (plan, equipment, due date): the flow that starts processes finds it here
    and never starts the same due maintenance twice, however often it runs."""

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="starts")
    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField(_("due date"))
    process_instance_id = models.BigIntegerField(_("process instance"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)

    class Meta:
        verbose_name = _("started maintenance")
        verbose_name_plural = _("started maintenance")
        constraints = [
            models.UniqueConstraint(fields=["plan", "equipment", "due_date"], name="maintenance_start_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.equipment} · {self.due_date}"
