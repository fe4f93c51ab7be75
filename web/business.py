"""What a task or an instance is about, for the page that shows it: the work order with its unit, owner,
contact, equipment and photos for a repair; the equipment and plan for a maintenance. Each process key has one
reader; a process without one shows its variables only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backoffice.facilities.models import Equipment, MaintenancePlan
from backoffice.repairs.selectors import work_order_by_number

Reader = Callable[[Any, set[int] | None], dict[str, Any] | None]


def _repair(instance_or_task, estate_ids: set[int] | None) -> dict[str, Any] | None:
    order = work_order_by_number(number=instance_or_task.business_key, estate_ids=estate_ids)
    if order is None:
        return None
    return {"template": "web/business/repair.html", "order": order, "photos": list(order.photos.all())}


def _maintenance(instance_or_task, estate_ids: set[int] | None) -> dict[str, Any] | None:
    variables = _variables(instance_or_task)
    equipment = plan = None
    if str(variables.get("equipment", "")).isdigit():
        equipment = (
            Equipment.objects.select_related("building", "unit", "supplier")
            .filter(pk=int(variables["equipment"]), estate_id=instance_or_task.estate_id)
            .first()
        )
    if str(variables.get("plan", "")).isdigit():
        plan = MaintenancePlan.objects.filter(
            pk=int(variables["plan"]), estate_id=instance_or_task.estate_id
        ).first()
    if equipment is None and plan is None:
        return None
    return {
        "template": "web/business/maintenance.html",
        "equipment": equipment,
        "plan": plan,
        "due_date": variables.get("due_date"),
    }


def _variables(instance_or_task) -> dict[str, Any]:
    instance = getattr(instance_or_task, "instance", instance_or_task)
    return instance.variables or {}


READERS: dict[str, Reader] = {"repair": _repair, "maintenance": _maintenance}


def business_context(instance_or_task, *, estate_ids: set[int] | None) -> dict[str, Any] | None:
    reader = READERS.get(instance_or_task.process_key)
    return reader(instance_or_task, estate_ids) if reader else None
