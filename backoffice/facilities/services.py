"""Write actions on the equipment ledger. Each runs in one transaction and is audited.

The estate rules: an item's building, unit and supplier belong to its estate; a plan's equipment belongs to
the plan's estate. A reference to another estate is a 400 on that field with code `other_estate`.

Maintenance: `maintenance_record_create` keeps the record and moves the plan on by its interval from the due
date, not from the day the work was done, so a schedule does not drift when work is done a few days late.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.errors import ValidationFailed
from backoffice.core.models import AuditAction
from backoffice.core.services import (
    apply_changes,
    audit_record,
    instance_delete_unless_used,
    instance_save,
    instance_snapshot,
)
from backoffice.core.validators import normalize_phone

from .choices import AttachmentKind
from .intervals import IntervalError, normalize_interval, parse_interval
from .models import (
    ATTACHMENT_EXTENSIONS,
    MAX_ATTACHMENT_BYTES,
    PHOTO_EXTENSIONS,
    Equipment,
    EquipmentAttachment,
    MaintenancePlan,
    MaintenanceRecord,
    Supplier,
)
from .selectors import maintenance_plan_pending_equipment_ids


def _other_estate(field: str) -> ValidationFailed:
    messages = {
        "building": _("The building belongs to another estate."),
        "unit": _("The unit belongs to another estate."),
        "supplier": _("The supplier belongs to another estate."),
        "equipment": _("The equipment belongs to another estate."),
    }
    return ValidationFailed.for_field(field, messages[field], code="other_estate")


def _immutable_estate(obj: Any, changes: dict[str, Any], message: str) -> None:
    if "estate" in changes and changes["estate"].pk != obj.estate_id:
        raise ValidationFailed.for_field("estate", message, code="immutable")


# --- suppliers ----------------------------------------------------------------------------------------------


def _prepare_supplier(supplier: Supplier, data: dict[str, Any]) -> Supplier:
    data = dict(data)
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    if data.get("phone"):
        try:
            data["phone"] = normalize_phone(data["phone"])
        except DjangoValidationError as exc:
            raise ValidationFailed.for_field(
                "phone", " ".join(exc.messages), code=exc.code or "invalid"
            ) from None
    apply_changes(supplier, data)
    duplicate = (
        supplier.estate_id
        and Supplier.objects.filter(estate_id=supplier.estate_id, name=supplier.name)
        .exclude(pk=supplier.pk)
        .exists()
    )
    if duplicate:
        raise ValidationFailed.for_field(
            "name", _("This estate already has a supplier with this name."), code="unique"
        )
    return supplier


def supplier_create(*, actor: Any, data: dict[str, Any]) -> Supplier:
    return instance_save(actor=actor, instance=_prepare_supplier(Supplier(), data))


def supplier_update(*, actor: Any, supplier: Supplier, changes: dict[str, Any]) -> Supplier:
    _immutable_estate(supplier, changes, _("A supplier cannot move to another estate."))
    return instance_save(actor=actor, instance=_prepare_supplier(supplier, changes))


def supplier_delete(*, actor: Any, supplier: Supplier) -> None:
    """A supplier still named on equipment is a 409 `in_use`."""
    instance_delete_unless_used(actor=actor, instance=supplier)


def supplier_for_name(*, actor: Any, estate_id: int, name: str) -> Supplier:
    """The estate's supplier of that name, registered on the spot when it is new (equipment forms take a
    supplier's name as typed)."""
    name = name.strip()
    existing = Supplier.objects.filter(estate_id=estate_id, name=name).first()
    if existing is not None:
        return existing
    try:
        return supplier_create(actor=actor, data={"estate_id": estate_id, "name": name})
    except ValidationFailed:
        existing = Supplier.objects.filter(estate_id=estate_id, name=name).first()  # created meanwhile
        if existing is None:
            raise
        return existing


# --- equipment ----------------------------------------------------------------------------------------------


def _prepare_equipment(equipment: Equipment, data: dict[str, Any], *, actor: Any) -> Equipment:
    data = dict(data)
    supplier = data.pop("supplier", equipment.supplier if equipment.supplier_id else None)
    for name in ("serial_number", "name", "brand", "model", "location"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    apply_changes(equipment, data)
    estate_id = equipment.estate_id
    if isinstance(supplier, str):
        supplier = (
            supplier_for_name(actor=actor, estate_id=estate_id, name=supplier)
            if supplier.strip() and estate_id
            else None
        )
    equipment.supplier = supplier
    for field in ("building", "unit", "supplier"):
        ref = getattr(equipment, field)
        if ref is not None and estate_id and ref.estate_id != estate_id:
            raise _other_estate(field)
    if equipment.unit_id:
        if equipment.building_id and equipment.unit.building_id != equipment.building_id:
            raise ValidationFailed.for_field(
                "unit", _("The unit is in another building."), code="other_building"
            )
        equipment.building_id = equipment.unit.building_id
    if (
        equipment.purchase_date
        and equipment.warranty_until
        and equipment.warranty_until < equipment.purchase_date
    ):
        raise ValidationFailed.for_field(
            "warranty_until",
            _("The warranty cannot end before the purchase date."),
            code="before_purchase",
        )
    if equipment.serial_number and estate_id:
        duplicate = (
            Equipment.objects.filter(estate_id=estate_id, serial_number=equipment.serial_number)
            .exclude(pk=equipment.pk)
            .exists()
        )
        if duplicate:
            raise ValidationFailed.for_field(
                "serial_number",
                _("This estate already has equipment with this serial number."),
                code="unique",
            )
    return equipment


@transaction.atomic
def equipment_create(*, actor: Any, data: dict[str, Any]) -> Equipment:
    """Register an item. `supplier` is a Supplier or a supplier's name (registered when new)."""
    return instance_save(actor=actor, instance=_prepare_equipment(Equipment(), data, actor=actor))


@transaction.atomic
def equipment_update(*, actor: Any, equipment: Equipment, changes: dict[str, Any]) -> Equipment:
    _immutable_estate(equipment, changes, _("Equipment cannot move to another estate."))
    return instance_save(actor=actor, instance=_prepare_equipment(equipment, changes, actor=actor))


def _remove_files_on_commit(names: list[str]) -> None:
    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove)


@transaction.atomic
def equipment_delete(*, actor: Any, equipment: Equipment) -> None:
    """Delete an item with no plans or records (else 409 `in_use`: retire it instead); its files go too."""
    files = list(EquipmentAttachment.objects.filter(equipment=equipment).values_list("file", flat=True))
    instance_delete_unless_used(actor=actor, instance=equipment)
    _remove_files_on_commit(files)


# --- attachments --------------------------------------------------------------------------------------------

_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}


def _content_matches(extension: str, head: bytes) -> bool:
    """The first bytes are what a file of that type starts with, so a renamed page or script is refused."""
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    return head.startswith(_SIGNATURES[extension])


def _check_upload(*, kind: str, file: Any) -> str:
    if file is None:
        raise ValidationFailed.for_field("file", _("Attach a file."), code="required")
    if kind not in AttachmentKind.values:
        raise ValidationFailed.for_field("kind", _("Choose document or photo."), code="invalid_choice")
    name = PurePath(getattr(file, "name", "") or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = PHOTO_EXTENSIONS if kind == AttachmentKind.PHOTO else ATTACHMENT_EXTENSIONS
    if extension not in allowed:
        raise ValidationFailed.for_field(
            "file",
            _("Files of this kind must be one of: %(types)s.") % {"types": ", ".join(allowed)},
            code="unsupported_file",
        )
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed.for_field("file", _("The file is larger than 20 MB."), code="file_too_large")
    file.seek(0)
    head = file.read(12)
    file.seek(0)
    if not _content_matches(extension, head):
        raise ValidationFailed.for_field(
            "file",
            _("The file's content is not a .%(ext)s file.") % {"ext": extension},
            code="unsupported_file",
        )
    return name


def _attachment_snapshot(attachment: EquipmentAttachment) -> dict[str, Any]:
    """The audit snapshot with the file as its stored name (the generic snapshot cannot hold a file)."""
    return {**instance_snapshot(attachment), "file": attachment.file.name}


@transaction.atomic
def equipment_attachment_add(
    *, actor: Any, equipment: Equipment, kind: str, file: Any, title: str = ""
) -> EquipmentAttachment:
    """Attach a document (pdf, jpg, jpeg, png, webp, docx, xlsx) or a photo (jpg, jpeg, png, webp) of at most
    20 MB to an item. The type is judged by the name's extension and checked against the file's first bytes.
    """
    name = _check_upload(kind=kind, file=file)
    attachment = EquipmentAttachment(
        estate_id=equipment.estate_id,
        equipment=equipment,
        kind=kind,
        file=file,
        title=(title or "").strip()[:200] or name[:200],
        size=file.size,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        attachment.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    attachment.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=attachment,
        before=None,
        after=_attachment_snapshot(attachment),
    )
    return attachment


@transaction.atomic
def equipment_attachment_delete(*, actor: Any, attachment: EquipmentAttachment) -> None:
    """Remove an attachment; its file leaves storage once the transaction commits."""
    before = _attachment_snapshot(attachment)
    audit_record(actor=actor, action=AuditAction.DELETE, instance=attachment, before=before, after=None)
    name = attachment.file.name
    attachment.delete()
    _remove_files_on_commit([name])


# --- maintenance plans --------------------------------------------------------------------------------------


def _prepare_plan(plan: MaintenancePlan, data: dict[str, Any]) -> MaintenancePlan:
    data = dict(data)
    if isinstance(data.get("interval"), str):
        with contextlib.suppress(IntervalError):  # the model's validator reports it on the field
            data["interval"] = normalize_interval(data["interval"])
    if isinstance(data.get("checklist"), list):
        data["checklist"] = [item.strip() if isinstance(item, str) else item for item in data["checklist"]]
    if "next_due" in data and data["next_due"] is not None:
        plan.anchor_day = data["next_due"].day  # a person set the day the schedule keeps
    if data.get("category") is None and "category" in data:
        data["category"] = ""
    apply_changes(plan, data)
    if plan.equipment_id and plan.category:
        raise ValidationFailed.for_field(
            "category",
            _("A plan names either one item of equipment or a category, not both."),
            code="equipment_and_category",
        )
    if not plan.equipment_id and not plan.category:
        raise ValidationFailed.for_field(
            "equipment", _("Name the equipment or a category the plan is for."), code="required"
        )
    if plan.equipment_id:
        if plan.estate_id is None:
            plan.estate_id = plan.equipment.estate_id
        elif plan.equipment.estate_id != plan.estate_id:
            raise _other_estate("equipment")
    elif plan.estate_id is None:
        raise ValidationFailed.for_field(
            "estate", _("Say which estate a plan per category is for."), code="required"
        )
    return plan


def maintenance_plan_create(*, actor: Any, data: dict[str, Any]) -> MaintenancePlan:
    """A plan for one item (`equipment`) or for every in-service item of a `category` in an `estate`."""
    return instance_save(actor=actor, instance=_prepare_plan(MaintenancePlan(), data))


def maintenance_plan_update(*, actor: Any, plan: MaintenancePlan, changes: dict[str, Any]) -> MaintenancePlan:
    _immutable_estate(plan, changes, _("A plan cannot move to another estate."))
    return instance_save(actor=actor, instance=_prepare_plan(plan, changes))


def maintenance_plan_delete(*, actor: Any, plan: MaintenancePlan) -> None:
    """A plan with records is a 409 `in_use` (the records are history): deactivate it instead."""
    instance_delete_unless_used(actor=actor, instance=plan)


def maintenance_plan_next_due(*, plan: MaintenancePlan, due_date: dt.date, done_on: dt.date) -> dt.date:
    """The due date after `due_date`: one interval on, and further on by whole intervals past `done_on`.

    Counting from the due date keeps the schedule on its days; skipping the dates already behind when the
    work was done keeps months-late work from starting a burst of catch-up maintenance.
    """
    interval = parse_interval(plan.interval)
    following = interval.after(due_date, anchor_day=plan.anchor_day)
    while following <= done_on:
        following = interval.after(following, anchor_day=plan.anchor_day)
    return following


# --- maintenance records ------------------------------------------------------------------------------------


@transaction.atomic
def maintenance_record_create(
    *,
    actor: Any,
    plan: MaintenancePlan | None,
    equipment: Equipment,
    performed_on: dt.date,
    results: list[dict[str, Any]],
    defects_found: bool,
    notes: str = "",
    due_date: dt.date | None = None,
    process_instance_id: int | None = None,
) -> MaintenanceRecord:
    """Record one maintenance done (保养记录); for a plan, advance it once its due date is done.

    `due_date` is the plan's due date the work fulfils (default: the plan's `next_due` now). Callers that
    may repeat themselves, like the `maintenance` process, pass it: a second call for the same plan,
    equipment and due date returns the first record and changes nothing. The plan's `next_due` moves on
    (see `maintenance_plan_next_due`) when `due_date` is its current due date and, for a plan per category,
    every in-service item of the category has its record for that date. Without a plan, the record is
    ad-hoc maintenance and stands alone.
    """
    if plan is None:
        due_date = None
    else:
        plan = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)  # one advance at a time
        due_date = due_date or plan.next_due
        existing = MaintenanceRecord.objects.filter(plan=plan, equipment=equipment, due_date=due_date).first()
        if existing is not None:
            return existing
        in_plan = (
            plan.equipment_id == equipment.pk
            if plan.equipment_id
            else equipment.estate_id == plan.estate_id and equipment.category == plan.category
        )
        if not in_plan:
            raise ValidationFailed.for_field(
                "equipment", _("This equipment is not covered by the plan."), code="not_in_plan"
            )
    record = MaintenanceRecord(
        estate_id=equipment.estate_id,
        plan=plan,
        equipment=equipment,
        due_date=due_date,
        performed_on=performed_on,
        performed_by=actor if getattr(actor, "pk", None) else None,
        results=results,
        defects_found=bool(defects_found),
        notes=notes or "",
        process_instance_id=process_instance_id,
    )
    instance_save(actor=actor, instance=record)
    if plan is not None:
        plan.last_done = max(plan.last_done or performed_on, performed_on)
        if due_date == plan.next_due and not maintenance_plan_pending_equipment_ids(
            plan=plan, due_date=due_date
        ):
            plan.next_due = maintenance_plan_next_due(plan=plan, due_date=due_date, done_on=performed_on)
        instance_save(actor=actor, instance=plan)
    return record
