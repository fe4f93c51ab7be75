"""Work-order actions. The order of the work lives in `bpmn/repair.bpmn`; these functions are the steps it
calls (through `operations.py`) and the report that starts it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.accounts.choices import Role
from backoffice.accounts.models import EstateMembership
from backoffice.accounts.selectors import has_any_role, has_role_in
from backoffice.core.errors import Conflict, Forbidden, ValidationFailed
from backoffice.core.money import to_decimal
from backoffice.core.processes import process_start
from backoffice.core.services import instance_save
from backoffice.people.models import Ownership
from backoffice.people.selectors import current_period, unit_ids_of_person

from . import notify
from .choices import Channel, ChargeStatus, DispatchMode, RepairCategory, WorkOrderStatus
from .models import RepairCharge, RepairSettings, TechnicianSkill, WorkOrder, WorkOrderPhoto

PROCESS_KEY = "repair"
# Staff who may report on an owner's behalf (phone, counter); the order's channel says so.
REPORTERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVICE_DESK, Role.DISPATCHER})
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic"})


def _next_number(estate, now: dt.datetime) -> str:
    """`WO-<estate>-<yyyymmdd>-<n>`: readable on the phone, unique by the database."""
    day = timezone.localtime(now).strftime("%Y%m%d")
    prefix = f"WO-{estate.code}-{day}-"
    last = (
        WorkOrder.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _owner_username(order: WorkOrder) -> str:
    """Who confirms: the reporting owner, else the unit's current owner with an account."""
    if order.reporter_id and order.reporter.person_id:
        return order.reporter.username
    if order.unit_id:
        ownership = (
            Ownership.objects.filter(current_period(), unit_id=order.unit_id, person__user__isnull=False)
            .select_related("person__user")
            .order_by("start_date")
            .first()
        )
        if ownership is not None:
            return ownership.person.user.username
    return ""


def work_order_create(*, actor: Any, data: dict[str, Any], now: dt.datetime | None = None) -> WorkOrder:
    """Record a repair request and start its `repair` process in the same transaction."""
    now = now or timezone.now()
    data = dict(data)
    unit = data.get("unit")
    if unit is None and not data.get("location"):
        raise ValidationFailed.for_field(
            "unit", _("Give the unit, or the location of a common area."), code="required"
        )
    estate = data.get("estate") or (unit.estate if unit is not None else None)
    if estate is None:
        raise ValidationFailed.for_field("estate", _("Say which estate."), code="required")
    if unit is not None and unit.estate_id != estate.pk:
        raise ValidationFailed.for_field(
            "unit", _("The unit belongs to another estate."), code="other_estate"
        )
    equipment = data.get("equipment")
    if equipment is not None and equipment.estate_id != estate.pk:
        raise ValidationFailed.for_field(
            "equipment", _("The equipment belongs to another estate."), code="other_estate"
        )
    data["estate"] = estate
    if getattr(actor, "pk", None):
        data.setdefault("reporter", actor)
        if getattr(actor, "person_id", None):
            data.setdefault("requester", actor.person)
    for attempt in range(5):
        try:
            with transaction.atomic():
                order = WorkOrder(**data, number=_next_number(estate, now))
                instance_save(actor=actor, instance=order)
                break
        except (IntegrityError, ValidationFailed) as exc:  # two reports in the same instant took one number
            if attempt == 4 or (isinstance(exc, ValidationFailed) and "number" not in exc.fields):
                raise
    settings_row = RepairSettings.objects.filter(estate=estate).first()
    variables = {
        "work_order": order.pk,
        "number": order.number,
        "category": order.category,
        "priority": order.priority,
        "dispatch_mode": settings_row.dispatch_mode if settings_row else DispatchMode.ASSIGN,
        "owner_username": _owner_username(order),
        "technician": "",
    }
    order.process_instance_id = process_start(
        process_key=PROCESS_KEY,
        estate_id=estate.pk,
        business_key=order.number,
        variables=variables,
        actor=actor,
    )
    WorkOrder.objects.filter(pk=order.pk).update(process_instance_id=order.process_instance_id)
    return order


def work_order_report(*, user: Any, data: dict[str, Any], now: dt.datetime | None = None) -> WorkOrder:
    """A repair reported by a person (报修): staff for an estate they serve, an owner or resident for one of
    their own units (channel `app`). The API and the portal both come here."""
    data = dict(data)
    unit = data.get("unit")
    estate = data.get("estate") or (unit.estate if unit else None)
    if estate is not None and has_role_in(user, estate.pk, REPORTERS):
        data.setdefault("channel", Channel.STAFF)
    elif user.person_id and unit is not None and unit.pk in unit_ids_of_person(person_id=user.person_id):
        data["channel"] = Channel.APP
    elif user.person_id and unit is None and has_any_role(user, {Role.OWNER}):
        raise ValidationFailed.for_field("unit", _("Choose one of your units."), code="required")
    else:
        raise Forbidden(_("You may not report repairs here."))
    return work_order_create(actor=user, data=data, now=now)


def work_order_photo_check(*, upload: Any) -> None:
    """A photo the order may take: JPG, PNG, WebP or HEIC, at most 10 MB (checked before anything is saved
    when a report comes with photos)."""
    if upload is None:
        raise ValidationFailed.for_field("file", _("Attach a file."), code="required")
    name = getattr(upload, "name", "") or ""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in PHOTO_TYPES:
        raise ValidationFailed.for_field(
            "file", _("Photos must be JPG, PNG, WebP or HEIC."), code="unsupported_file"
        )
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationFailed.for_field("file", _("The photo is larger than 10 MB."), code="file_too_large")


def work_order_photo_add(*, user: Any, order: WorkOrder, upload: Any) -> WorkOrderPhoto:
    """Attach a photo to an order the caller may see."""
    work_order_photo_check(upload=upload)
    return WorkOrderPhoto.objects.create(work_order=order, file=upload, uploaded_by=user)


def _lock(order_id: int) -> WorkOrder:
    return WorkOrder.objects.select_for_update().select_related("estate").get(pk=order_id)


def _technician(order: WorkOrder, username: str):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    holds_role = (
        user is not None
        and EstateMembership.objects.filter(
            user=user, estate_id=order.estate_id, role=Role.TECHNICIAN
        ).exists()
    )
    if not holds_role:
        raise ValidationFailed.for_field(
            "technician",
            _("%(name)s is not a technician of this estate.") % {"name": username},
            code="not_technician",
        )
    return user


def work_order_pick_technician(*, order_id: int, now: dt.datetime) -> str:
    """Round-robin among the technicians who take this category here (all technicians when none do)."""
    order = _lock(order_id)
    skills = TechnicianSkill.objects.select_for_update().filter(
        estate_id=order.estate_id, category=order.category, user__is_active=True
    )
    skill = skills.order_by(F("last_assigned_at").asc(nulls_first=True), "id").first()
    if skill is not None:
        TechnicianSkill.objects.filter(pk=skill.pk).update(last_assigned_at=now)
        return skill.user.username
    member = (
        EstateMembership.objects.filter(estate_id=order.estate_id, role=Role.TECHNICIAN, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    usernames = [m.user.username for m in member]
    if not usernames:
        raise Conflict(_("No technician works in this estate."), code="no_technician")
    previous = WorkOrder.objects.filter(estate_id=order.estate_id, technician__isnull=False).exclude(
        pk=order.pk
    )
    last = previous.order_by("-dispatched_at", "-id").values_list("technician__username", flat=True).first()
    index = (usernames.index(last) + 1) % len(usernames) if last in usernames else 0
    return usernames[index]


def work_order_dispatch(*, order_id: int, technician: str, now: dt.datetime) -> WorkOrder:
    order = _lock(order_id)
    order.technician = _technician(order, technician) if technician else None
    order.status = WorkOrderStatus.DISPATCHED
    order.dispatched_at = now
    order.save(update_fields=["technician", "status", "dispatched_at", "updated_at"])
    if order.technician is not None:
        notify.owner(
            order,
            "work_order.assigned",
            technician=order.technician.get_full_name() or order.technician.username,
        )
    return order


def work_order_accept(*, order_id: int, user_id: int | None, now: dt.datetime) -> WorkOrder:
    order = _lock(order_id)
    if user_id is not None:
        order.technician_id = user_id
    order.status = WorkOrderStatus.ACCEPTED
    order.accepted_at = now
    order.save(update_fields=["technician", "status", "accepted_at", "updated_at"])
    notify.owner(order, "work_order.accepted")
    return order


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = to_decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, TypeError):
        raise ValidationFailed.for_field(field, _("Enter an amount like 12.50."), code="invalid") from None
    if amount < 0:
        raise ValidationFailed.for_field(field, _("Must not be negative."), code="min_value")
    return amount


def work_order_record_work(
    *,
    order_id: int,
    diagnosis: str,
    work_done: str,
    parts: str,
    parts_cost: Any,
    charge_owner: bool,
    now: dt.datetime,
) -> WorkOrder:
    order = _lock(order_id)
    order.diagnosis, order.work_done, order.parts = diagnosis or "", work_done or "", parts or ""
    order.parts_cost = _money(parts_cost, "parts_cost")
    order.charge_amount = order.parts_cost if charge_owner else Decimal("0.00")
    order.charge_status = ChargeStatus.PENDING if order.charge_amount > 0 else ChargeStatus.NONE
    order.status = WorkOrderStatus.RESOLVED
    order.resolved_at = now
    order.save()
    return order


def work_order_charge(*, order_id: int, approved: bool) -> RepairCharge | None:
    """The owner's answer to the charge. An approved charge becomes one billable item, never two."""
    order = _lock(order_id)
    if not approved:
        order.charge_status = ChargeStatus.DECLINED
        order.save(update_fields=["charge_status", "updated_at"])
        return None
    order.charge_status = ChargeStatus.APPROVED
    order.save(update_fields=["charge_status", "updated_at"])
    charge, _created = RepairCharge.objects.get_or_create(
        work_order=order,
        defaults={
            "estate_id": order.estate_id,
            "unit_id": order.unit_id,
            "amount": order.charge_amount,
            "description": _("Repair %(number)s: parts") % {"number": order.number},
        },
    )
    return charge


def work_order_request_confirmation(*, order_id: int) -> WorkOrder:
    order = _lock(order_id)
    order.status = WorkOrderStatus.AWAITING_CONFIRMATION
    order.save(update_fields=["status", "updated_at"])
    notify.owner(order, "work_order.done")
    notify.owner(order, "work_order.confirm_request")
    return order


def work_order_close(
    *, order_id: int, rating: int | None, comment: str | None, auto_confirmed: bool, now: dt.datetime
) -> WorkOrder:
    order = _lock(order_id)
    if order.status == WorkOrderStatus.CLOSED:
        return order
    order.status = WorkOrderStatus.CLOSED
    order.closed_at = now
    order.rating = int(rating) if rating not in (None, "") else None
    order.comment = comment or ""
    order.auto_confirmed = bool(auto_confirmed)
    order.save()
    return order


def work_order_rework(*, order_id: int, rating: int | None, comment: str | None) -> WorkOrder:
    order = _lock(order_id)
    order.rework_count += 1
    order.status = WorkOrderStatus.REWORK
    order.rating = int(rating) if rating not in (None, "") else None
    order.comment = comment or ""
    order.save()
    return order


def work_order_escalate(*, order_id: int, level: str) -> WorkOrder:
    order = _lock(order_id)
    if level == "response":
        order.response_escalated = True
    else:
        order.resolution_escalation = level
    order.save(update_fields=["response_escalated", "resolution_escalation", "updated_at"])
    return order


def repair_settings_set(*, actor: Any, estate, dispatch_mode: str) -> RepairSettings:
    settings_row, _created = RepairSettings.objects.get_or_create(estate=estate)
    settings_row.dispatch_mode = dispatch_mode
    return instance_save(actor=actor, instance=settings_row)


EQUIPMENT_TO_REPAIR = {
    "elevator": RepairCategory.ELEVATOR,
    "hvac": RepairCategory.HVAC,
    "power": RepairCategory.ELECTRICAL,
    "water_pump": RepairCategory.PLUMBING,
}


def work_order_for_defect(*, equipment_id: int, description: str) -> WorkOrder:
    """A defect found in maintenance becomes a work order on that equipment (staff channel)."""
    from backoffice.facilities.models import Equipment

    equipment = Equipment.objects.select_related("estate").get(pk=equipment_id)
    return work_order_create(
        actor=None,
        data={
            "estate": equipment.estate,
            "equipment": equipment,
            "unit": equipment.unit,
            "location": equipment.location or equipment.name,
            "category": EQUIPMENT_TO_REPAIR.get(equipment.category, RepairCategory.PUBLIC_FACILITY),
            "description": description or _("Defect found in maintenance"),
            "channel": "staff",
        },
    )
