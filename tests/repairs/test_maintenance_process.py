"""The maintenance process with the real bpmn/maintenance.bpmn: started by the Prefect flow once per plan and
due date, worked by a technician, a defect opens a work order, the plan advances, overdue work escalates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.management import call_command

from backoffice.facilities.models import MaintenancePlan, MaintenanceRecord
from backoffice.repairs.models import WorkOrder
from workers.flows import maintenance_plans
from workflows.definitions import definition_deploy
from workflows.models import HumanTask, ProcessInstance

from .. import factories as f
from ..facilities import builders as fb

DUE = dt.date(2026, 12, 1)


@pytest.fixture
def plan(estate):
    for name in ("maintenance.bpmn", "repair.bpmn"):
        definition_deploy(
            actor=None, bpmn_xml=(Path(settings.BASE_DIR) / "bpmn" / name).read_text(encoding="utf-8")
        )
    elevator = fb.make_equipment(estate, "1号电梯", location="1栋大堂")
    return fb.make_plan(
        elevator, next_due=DUE, checklist=["检查钢丝绳", "润滑导轨"], responsible_group="technician"
    )


def run_flow(on: dt.date) -> int:
    """The flow's own function; `async_to_sync` keeps its ORM work on this thread, in the test's transaction."""
    return async_to_sync(maintenance_plans.fn)(on=on)


def test_flow_starts_each_due_maintenance_once(api, estate, plan):
    assert run_flow(DUE - dt.timedelta(days=1)) == 0
    assert run_flow(DUE) == 1
    assert run_flow(DUE) == 0  # however often it runs
    [instance] = ProcessInstance.objects.filter(process_key="maintenance")
    assert instance.business_key == f"MP-{plan.pk}-{plan.equipment_id}-20261201"
    [task] = HumanTask.objects.filter(instance=instance, status="open")
    assert task.task_key == "perform" and task.candidate_groups == ["technician"]


def test_defect_opens_work_order_and_plan_advances(api, estate, plan):
    run_flow(DUE)
    technician = f.make_user({estate: ["technician"]})
    f.make_user({estate: ["dispatcher"]})
    api.as_user(technician)
    [task] = api.get("/api/v1/tasks/", {"process_key": "maintenance"}).json()["results"]
    done = api.post(
        f"/api/v1/tasks/{task['id']}/complete/",
        {
            "data": {
                "all_ok": False,
                "defects_found": True,
                "defect_description": "导轨磨损",
                "notes": "需更换",
            }
        },
    )
    assert done.status_code == 200, done.content
    record = MaintenanceRecord.objects.get(plan=plan)
    assert record.defects_found is True and record.due_date == DUE
    assert [r["item"] for r in record.results] == ["检查钢丝绳", "润滑导轨"]
    plan.refresh_from_db()
    assert plan.next_due == dt.date(2027, 1, 1)
    order = WorkOrder.objects.get(equipment=plan.equipment)
    assert order.description == "导轨磨损" and order.category == "elevator"
    assert ProcessInstance.objects.get(business_key=order.number).process_key == "repair"
    assert ProcessInstance.objects.get(process_key="maintenance").status == "completed"
    assert run_flow(DUE) == 0


def test_overdue_maintenance_escalates(api, estate, plan):
    run_flow(DUE)
    call_command("process_timers", now="2026-12-01T23:59:00+08:00")
    assert not HumanTask.objects.filter(task_key="maintenance_overdue").exists()
    call_command("process_timers", now="2026-12-02T00:01:00+08:00")
    escalation = HumanTask.objects.get(task_key="maintenance_overdue")
    assert escalation.candidate_groups == ["supervisor"] and escalation.status == "open"
    assert MaintenancePlan.objects.get(pk=plan.pk).next_due == DUE  # not done yet
