"""Starting the `maintenance` process for every plan that falls due, once per plan, equipment and due date."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.core.processes import process_start

from .models import Equipment, MaintenancePlan, MaintenanceStart
from .selectors import maintenance_plans_due

PROCESS_KEY = "maintenance"


def _overdue_at(equipment: Equipment, due_date: dt.date) -> str:
    """The end of the due day in the estate's zone: after that the work is overdue."""
    zone = zoneinfo.ZoneInfo(equipment.estate.time_zone)
    end = dt.datetime.combine(due_date + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return end.astimezone(dt.UTC).isoformat()


def maintenance_start_due(*, on: dt.date | None = None) -> list[int]:
    """Start a `maintenance` instance for each due (plan, equipment, date) not started yet; return their ids.

    Each start is its own transaction; the unique (plan, equipment, due date) row makes a second run, or a
    second worker, start nothing twice."""
    on = on or timezone.localdate()
    started = []
    for due in maintenance_plans_due(on=on):
        try:
            with transaction.atomic():
                start = MaintenanceStart.objects.create(
                    plan_id=due.plan_id, equipment_id=due.equipment_id, due_date=due.due_date
                )
                plan = MaintenancePlan.objects.get(pk=due.plan_id)
                equipment = Equipment.objects.select_related("estate").get(pk=due.equipment_id)
                variables: dict[str, Any] = {
                    "plan": plan.pk,
                    "equipment": equipment.pk,
                    "equipment_name": equipment.name,
                    "title": plan.title,
                    "checklist": list(plan.checklist),
                    "due_date": due.due_date.isoformat(),
                    "overdue_at": _overdue_at(equipment, due.due_date),
                    "responsible_group": plan.responsible_group,
                }
                start.process_instance_id = process_start(
                    process_key=PROCESS_KEY,
                    estate_id=equipment.estate_id,
                    business_key=f"MP-{plan.pk}-{equipment.pk}-{due.due_date:%Y%m%d}",
                    variables=variables,
                )
                start.save(update_fields=["process_instance_id"])
                started.append(start.process_instance_id)
        except IntegrityError:
            continue  # already started by an earlier run
    return started
