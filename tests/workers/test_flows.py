"""Prefect flows of `workers/`: thin wrappers over services, idempotent, and served on a schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import async_to_sync

from tests import factories
from workers import __main__ as cli
from workers.flows import SCHEDULED, scheduled_by_name, timers_sweep
from workflows.definitions import definition_deploy
from workflows.models import HumanTask
from workflows.runtime import SYSTEM
from workflows.services import instance_start

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai
LATER = T0 + dt.timedelta(minutes=31)

SLA_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_sla"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="worker_sla" name="Worker SLA" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept"/>
    <bpmn:userTask id="accept" name="Accept the order" camunda:candidateGroups="technician"/>
    <bpmn:boundaryEvent id="late" name="30 minutes" attachedToRef="accept" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT30M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="late" targetRef="supervise"/>
    <bpmn:userTask id="supervise" name="Order not accepted in time" camunda:candidateGroups="manager"/>
    <bpmn:sequenceFlow id="f3" sourceRef="supervise" targetRef="end_late"/>
    <bpmn:endEvent id="end_late"/>
    <bpmn:sequenceFlow id="f4" sourceRef="accept" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def waiting_instance(db):
    """An instance whose `accept` task has a 30-minute escalation timer, started at T0."""
    definition_deploy(actor=None, bpmn_xml=SLA_DIAGRAM)
    estate = factories.make_estate()
    return instance_start(
        actor=SYSTEM,
        process_key="worker_sla",
        estate_id=estate.pk,
        business_key="WO-1",
        variables={"order_id": 1},
        now=T0,
    )


def escalations(instance) -> list[HumanTask]:
    return list(HumanTask.objects.filter(instance=instance, task_key="supervise"))


def sweep(now: dt.datetime) -> int:
    """The flow's own function, without Prefect. `async_to_sync` keeps the ORM work on this thread, inside
    the test's transaction."""
    return async_to_sync(timers_sweep.fn)(now=now)


def test_sweep_before_the_timer_is_due_fires_nothing(waiting_instance):
    assert sweep(T0 + dt.timedelta(minutes=29)) == 0
    assert escalations(waiting_instance) == []


def test_sweep_fires_a_due_timer_once(waiting_instance):
    assert sweep(LATER) == 1
    assert sweep(LATER) == 0  # idempotent: the second run creates nothing

    [task] = escalations(waiting_instance)
    assert task.candidate_groups == ["manager"]
    assert HumanTask.objects.filter(instance=waiting_instance, task_key="accept").count() == 1


def test_run_command_direct(waiting_instance, capsys):
    assert cli.main(["run", "timers_sweep", "--direct", "--now", LATER.isoformat()]) == 0
    assert capsys.readouterr().out.strip() == "timers_sweep: 1"
    assert cli.main(["run", "timers-sweep", "--direct", "--now", "2026-03-02T09:31:00"]) == 0  # +08:00
    assert capsys.readouterr().out.strip() == "timers_sweep: 0"
    assert len(escalations(waiting_instance)) == 1


def test_run_command_refuses_an_unknown_flow(capsys):
    assert cli.main(["run", "no_such_flow", "--direct"]) == 2
    assert "timers_sweep" in capsys.readouterr().err


def test_every_scheduled_flow_builds_a_deployment():
    assert "timers_sweep" in scheduled_by_name()
    for entry in SCHEDULED:
        deployment = entry.to_deployment()
        assert deployment.name == entry.name
        assert deployment.entrypoint == f"workers.flows.{entry.flow.fn.__name__}"
        [schedule] = deployment.schedules
        assert schedule.schedule.cron == entry.schedule.cron
        assert schedule.schedule.timezone == "Asia/Shanghai"
    sweep_entry = scheduled_by_name()["timers_sweep"]
    assert sweep_entry.schedule.cron == "* * * * *"
    assert timers_sweep.retries == 2


@pytest.fixture(scope="module")
def prefect_harness():
    """A temporary Prefect API on SQLite (about 8 s to start here), shared by the tests of this module."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def test_a_real_flow_run_fires_once(prefect_harness, waiting_instance):
    """Through Prefect's engine (state, retries, run logger), not only the function."""
    from prefect.client.schemas.objects import StateType

    async def run_flow():
        return await timers_sweep(now=LATER, return_state=True)

    # async_to_sync: the flow's ORM work comes back to this thread, inside the test's transaction.
    first = async_to_sync(run_flow)()
    second = async_to_sync(run_flow)()
    assert first.type == second.type == StateType.COMPLETED
    assert (first.result(), second.result()) == (1, 0)
    assert len(escalations(waiting_instance)) == 1
