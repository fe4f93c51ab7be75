"""The steps `bpmn/maintenance.bpmn` may call (external service tasks)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from workflows.registry import register_operation

from .models import Equipment, MaintenancePlan
from .services import maintenance_record_create


def _record(*, context, plan, equipment, due_date, all_ok=False, results="", defects_found=False, notes=""):
    """The checklist answer from the task form becomes the record: every item marked as the technician said."""
    plan_row = MaintenancePlan.objects.get(pk=int(plan))
    equipment_row = Equipment.objects.get(pk=int(equipment))
    actor = get_user_model().objects.filter(pk=context.actor_user_id).first()
    checked = [{"item": item, "ok": bool(all_ok), "note": ""} for item in plan_row.checklist]
    record = maintenance_record_create(
        actor=actor,
        plan=plan_row,
        equipment=equipment_row,
        performed_on=timezone.localdate(context.now),
        results=checked,
        defects_found=bool(defects_found),
        notes="\n".join(part for part in (results or "", notes or "") if part),
        due_date=dt.date.fromisoformat(str(due_date)),
        process_instance_id=context.instance_id,
    )
    return {"record": record.pk}


def register() -> None:
    register_operation(
        "maintenance_record",
        _record,
        inputs={
            "plan": int,
            "equipment": int,
            "due_date": str,
            "all_ok": bool,
            "results": str,
            "defects_found": bool,
            "notes": str,
        },
        required={"plan", "equipment", "due_date"},
        description="Keep the maintenance record and advance the plan",
    )
