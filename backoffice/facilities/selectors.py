"""Read-only queries on the equipment ledger: scoped lists, warranties running out, due maintenance, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet

from .choices import EquipmentStatus
from .models import Equipment, EquipmentAttachment, MaintenancePlan, MaintenanceRecord, Supplier


def _scoped(queryset: QuerySet, estate_ids: Iterable[int] | None) -> QuerySet:
    if estate_ids is None:
        return queryset
    return queryset.filter(estate_id__in=list(estate_ids))


def supplier_list(*, estate_ids: Iterable[int] | None) -> QuerySet[Supplier]:
    return _scoped(Supplier.objects.all(), estate_ids)


def equipment_list(*, estate_ids: Iterable[int] | None) -> QuerySet[Equipment]:
    return _scoped(Equipment.objects.select_related("supplier", "building", "unit"), estate_ids)


def equipment_attachment_list(*, equipment: Equipment) -> QuerySet[EquipmentAttachment]:
    return EquipmentAttachment.objects.filter(equipment=equipment).select_related("uploaded_by")


def maintenance_plan_list(*, estate_ids: Iterable[int] | None) -> QuerySet[MaintenancePlan]:
    return _scoped(MaintenancePlan.objects.select_related("equipment"), estate_ids)


def maintenance_record_list(*, estate_ids: Iterable[int] | None) -> QuerySet[MaintenanceRecord]:
    return _scoped(MaintenanceRecord.objects.select_related("equipment", "plan", "performed_by"), estate_ids)


# --- warranties ---------------------------------------------------------------------------------------------


def warranty_ends_within(*, today: dt.date, within_days: int) -> Q:
    """Condition on Equipment: its warranty ends between today and `within_days` days from today (both
    included), and it is not retired (a retired item's warranty interests nobody)."""
    return Q(warranty_until__gte=today, warranty_until__lte=today + dt.timedelta(days=within_days)) & ~Q(
        status=EquipmentStatus.RETIRED
    )


def equipment_warranty_ending(
    *, estate_ids: Iterable[int] | None, within_days: int, today: dt.date
) -> QuerySet[Equipment]:
    """Equipment whose warranty (保修) ends within `within_days` days, soonest first."""
    return (
        equipment_list(estate_ids=estate_ids)
        .filter(warranty_ends_within(today=today, within_days=within_days))
        .order_by("warranty_until", "id")
    )


# --- maintenance --------------------------------------------------------------------------------------------


class DueMaintenance(NamedTuple):
    """One maintenance to start: the plan, the due date it fulfils, the equipment."""

    plan_id: int
    due_date: dt.date
    equipment_id: int


def maintenance_plans_due(*, on: dt.date, estate_ids: Iterable[int] | None = None) -> list[DueMaintenance]:
    """Maintenance due on or before `on`: one entry per active plan whose `next_due` has come, and for a
    plan per category one entry per in-service item of that category in the plan's estate.

    Only equipment in service is maintained: an item under repair, out of service or retired waits (its
    plan stays due and comes up again when it is back). Items already recorded for the due date are left
    out, so a category plan shows only what is still to do. Four queries whatever the number of plans.
    """
    plans = _scoped(MaintenancePlan.objects.filter(active=True, next_due__lte=on), estate_ids)
    recorded = MaintenanceRecord.objects.filter(
        plan_id=OuterRef("pk"), equipment_id=OuterRef("equipment_id"), due_date=OuterRef("next_due")
    )
    due = [
        DueMaintenance(plan_id, next_due, equipment_id)
        for plan_id, next_due, equipment_id in plans.filter(
            equipment__isnull=False, equipment__status=EquipmentStatus.IN_SERVICE
        )
        .exclude(Exists(recorded))
        .values_list("pk", "next_due", "equipment_id")
    ]

    by_category = list(
        plans.filter(equipment__isnull=True).values_list("pk", "next_due", "estate_id", "category")
    )
    if by_category:
        items: dict[tuple[int, str], list[int]] = {}
        for pk, estate_id, category in Equipment.objects.filter(
            estate_id__in={row[2] for row in by_category},
            category__in={row[3] for row in by_category},
            status=EquipmentStatus.IN_SERVICE,
        ).values_list("pk", "estate_id", "category"):
            items.setdefault((estate_id, category), []).append(pk)
        done = set(
            MaintenanceRecord.objects.filter(plan_id__in=[row[0] for row in by_category]).values_list(
                "plan_id", "equipment_id", "due_date"
            )
        )
        for plan_id, next_due, estate_id, category in by_category:
            due.extend(
                DueMaintenance(plan_id, next_due, equipment_id)
                for equipment_id in items.get((estate_id, category), [])
                if (plan_id, equipment_id, next_due) not in done
            )
    return sorted(due, key=lambda entry: (entry.due_date, entry.plan_id, entry.equipment_id))


def maintenance_plan_pending_equipment_ids(*, plan: MaintenancePlan, due_date: dt.date) -> list[int]:
    """The in-service equipment a plan still has to record for `due_date` (one item, or its category's)."""
    items = Equipment.objects.filter(status=EquipmentStatus.IN_SERVICE)
    if plan.equipment_id:
        items = items.filter(pk=plan.equipment_id)
    else:
        items = items.filter(estate_id=plan.estate_id, category=plan.category)
    recorded = MaintenanceRecord.objects.filter(plan=plan, due_date=due_date).values("equipment_id")
    return list(items.exclude(pk__in=recorded).values_list("pk", flat=True))


def equipment_history(*, equipment: Equipment) -> QuerySet[MaintenanceRecord]:
    """The maintenance and repair history (维保记录) of one item, newest first.

    Today that is its maintenance records. Repairs join here once work orders name their equipment
    (`backoffice.repairs` has no equipment reference yet): this selector then merges the item's work orders
    into one date-ordered history, and `GET /api/v1/equipment/{id}/history/` shows both, told apart by `kind`.
    """
    return MaintenanceRecord.objects.filter(equipment=equipment).select_related("plan", "performed_by")
