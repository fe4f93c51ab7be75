"""Receive tasks, event-based gateways, lanes as candidate groups, message start events."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.management import call_command

from workflows.models import ProcessInstance

from .test_process_api import T0, complete, inbox, start


def test_receive_task_event_gateway_message_branch(api, estate, people, deploy):
    deploy("waiting.bpmn")
    with time_machine.travel(T0, tick=False):
        instance = start(api, people["dispatcher"], estate, "waiting", business_key="WO-1")
    assert instance["open_tasks"] == []
    api.as_user(people["dispatcher"])
    parts = api.post(
        "/api/v1/messages/", {"name": "parts_arrived", "business_key": "WO-1", "payload": {"count": 2}}
    )
    assert parts.json() == {"delivered_to": [instance["id"]]}
    # Waiting at the event-based gateway: a message and a timer race; the message wins here.
    again = api.post("/api/v1/messages/", {"name": "parts_arrived", "business_key": "WO-1"})
    assert again.json() == {"delivered_to": []}
    home = api.post("/api/v1/messages/", {"name": "owner_home", "business_key": "WO-1"})
    assert home.json() == {"delivered_to": [instance["id"]]}
    [fix] = inbox(api, people["technician"])  # the lane named technician is the candidate group
    assert fix["task_key"] == "fix" and fix["candidate_groups"] == ["technician"]
    call_command("process_timers", now="2026-12-10T00:00:00+00:00")  # the timer branch was withdrawn
    assert inbox(api, people["service_desk"]) == []
    assert complete(api, people["technician"], fix["id"]).status_code == 200
    detail = ProcessInstance.objects.get(pk=instance["id"])
    assert detail.status == "completed"
    assert detail.variables["parts_arrived"] == {"count": 2}


def test_event_gateway_timer_branch(api, estate, people, deploy):
    deploy("waiting.bpmn")
    with time_machine.travel(T0, tick=False):
        instance = start(api, people["dispatcher"], estate, "waiting", business_key="WO-2")
        api.as_user(people["dispatcher"])
        api.post("/api/v1/messages/", {"name": "parts_arrived", "business_key": "WO-2"})
    assert ProcessInstance.objects.get(pk=instance["id"]).next_timer_at == T0 + dt.timedelta(days=2)
    call_command("process_timers", now=(T0 + dt.timedelta(days=2, minutes=1)).isoformat())
    [visit] = inbox(api, people["service_desk"])
    assert visit["task_key"] == "visit"
    late = api.post("/api/v1/messages/", {"name": "owner_home", "business_key": "WO-2"})
    assert late.json() == {"delivered_to": []}


def test_message_start_event(api, estate, people, deploy):
    deploy("message_start.bpmn")
    api.as_user(people["service_desk"])
    response = api.post(
        "/api/v1/messages/",
        {"name": "complaint_received", "business_key": "TS-1", "payload": {"topic": "noise"}},
    )
    [instance_id] = response.json()["delivered_to"]
    instance = ProcessInstance.objects.get(pk=instance_id)
    assert (instance.process_key, instance.business_key, instance.estate_id) == (
        "complaint_intake",
        "TS-1",
        estate.id,
    )
    [triage] = inbox(api, people["service_desk"])
    assert triage["business_key"] == "TS-1"


def test_start_and_intermediate_timers(api, estate, people, deploy):
    deploy("start_timer.bpmn")
    with time_machine.travel(T0, tick=False):
        instance = start(api, people["dispatcher"], estate, "nightly_check", business_key="N-1")
    assert instance["open_tasks"] == []
    assert dt.datetime.fromisoformat(instance["next_timer_at"]) == dt.datetime(
        2026, 12, 1, 18, 0, tzinfo=dt.UTC
    )
    call_command("process_timers", now="2026-12-02T02:00:30+08:00")
    after_start = ProcessInstance.objects.get(pk=instance["id"])
    assert after_start.next_timer_at == dt.datetime(2026, 12, 1, 18, 10, 30, tzinfo=dt.UTC)
    assert inbox(api, people["technician"]) == []
    call_command("process_timers", now="2026-12-02T02:11:00+08:00")
    [check] = inbox(api, people["technician"])
    assert dt.datetime.fromisoformat(check["due_at"]) == dt.datetime(2026, 12, 1, 20, 11, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 12, 1, 21, 0, tzinfo=dt.UTC), tick=False):
        [overdue] = inbox(api, people["technician"])
    assert overdue["overdue"] is True
