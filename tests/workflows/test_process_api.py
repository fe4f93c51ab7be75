"""Process tests: real BPMN files from tests/workflows/diagrams driven through the HTTP API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from workflows.models import HumanTask, ProcessInstance

from .. import factories as f
from .conftest import diagram

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def start(api, user, estate, key, business_key="BK-1", **variables):
    api.as_user(user)
    response = api.post(
        "/api/v1/process-instances/",
        {"process_key": key, "estate": estate.id, "business_key": business_key, "variables": variables},
    )
    assert response.status_code == 201, response.content
    return response.json()


def inbox(api, user, **params):
    api.as_user(user)
    return api.get("/api/v1/tasks/", params).json()["results"]


def complete(api, user, task_id, data=None):
    api.as_user(user)
    return api.post(f"/api/v1/tasks/{task_id}/complete/", {"data": data or {}})


def test_user_tasks_forms_and_gateways(api, estate, people, deploy):
    deploy("approval.bpmn")
    instance = start(api, people["service_desk"], estate, "approval", requester="service_desk_u")
    assert instance["status"] == "running"
    [task] = instance["open_tasks"]
    assert task["task_key"] == "request"
    assert task["candidate_groups"] == ["service_desk"]
    assert task["priority"] == 70
    assert {f["id"] for f in task["form"]["fields"]} == {
        "amount",
        "reason",
        "urgent",
        "needed_by",
        "category",
        "room",
    }

    # The technician is not a candidate: the task is not in their inbox and they may not complete it.
    assert inbox(api, people["technician"]) == []
    assert complete(api, people["technician"], task["id"], {"amount": 5}).status_code == 403

    mine = inbox(api, people["service_desk"])
    assert [t["id"] for t in mine] == [task["id"]]

    bad = complete(
        api,
        people["service_desk"],
        task["id"],
        {"amount": 0, "reason": "x", "category": "gas", "room": "12a", "needed_by": "tomorrow", "extra": 1},
    )
    assert bad.status_code == 400
    fields = bad.json()["error"]["fields"]
    assert {k: [e["code"] for e in v] for k, v in fields.items()} == {
        "amount": ["min_value"],
        "reason": ["min_length"],
        "category": ["invalid"],
        "room": ["invalid_format"],
        "needed_by": ["invalid"],
        "extra": ["unknown_field"],
    }
    assert HumanTask.objects.get(pk=task["id"]).status == "open"

    good = complete(
        api,
        people["service_desk"],
        task["id"],
        {
            "amount": "5000",
            "reason": "New pump",
            "urgent": False,
            "category": "water",
            "room": "1201",
            "needed_by": "2026-12-24",
        },
    )
    assert good.status_code == 200, good.content
    assert good.json()["status"] == "completed"
    again = complete(api, people["service_desk"], task["id"], {"amount": 5, "reason": "again"})
    assert again.status_code == 409

    # amount > 1000 and not urgent: the exclusive gateway sends it to the manager.
    [review] = inbox(api, people["manager"])
    assert review["task_key"] == "manager_review"
    assert complete(api, people["manager"], review["id"], {"approved": True}).status_code == 200

    # The parallel gateway opens two tasks; the assignee expression resolved to the requester.
    [book] = inbox(api, people["finance"])
    [tell] = inbox(api, people["service_desk"])
    assert tell["assignee"] == "service_desk_u" and tell["task_key"] == "notify_task"
    assert complete(api, people["finance"], book["id"]).status_code == 200
    assert ProcessInstance.objects.get(pk=instance["id"]).status == "running"
    assert complete(api, people["service_desk"], tell["id"]).status_code == 200

    api.as_user(people["manager"])
    detail = api.get(f"/api/v1/process-instances/{instance['id']}/").json()
    assert detail["status"] == "completed"
    assert detail["open_tasks"] == []
    types = [e["type"] for e in detail["history"]]
    assert types[0] == "started" and types[-1] == "ended"
    assert types.count("completed") == 4
    completed = [e for e in detail["history"] if e["type"] == "completed"]
    assert completed[0]["user"] == "service_desk_u" and completed[0]["data"]["amount"] == 5000


def test_small_amount_skips_review(api, estate, people, deploy):
    deploy("approval.bpmn")
    instance = start(api, people["service_desk"], estate, "approval")
    task_id = instance["open_tasks"][0]["id"]
    assert complete(api, people["service_desk"], task_id, {"amount": 10, "reason": "bulb"}).status_code == 200
    assert inbox(api, people["manager"]) == []
    assert len(inbox(api, people["finance"])) == 1
    # No `requester` variable: the assignee expression fails; the task waits unassigned and history says why.
    notify = HumanTask.objects.get(instance_id=instance["id"], task_key="notify_task")
    assert notify.assignee_id is None and notify.status == "open"
    errors = ProcessInstance.objects.get(pk=instance["id"]).events.filter(type="error")
    assert [(e.task_key, e.data["expression"]) for e in errors] == [("notify_task", "${requester}")]


def test_claim_unclaim_assign(api, estate, people, deploy):
    deploy("approval.bpmn")
    other_desk = f.make_user({estate: ["service_desk"]})
    instance = start(api, people["service_desk"], estate, "approval")
    task_id = instance["open_tasks"][0]["id"]
    api.as_user(people["service_desk"])
    assert api.post(f"/api/v1/tasks/{task_id}/claim/").json()["assignee"] == "service_desk_u"
    api.as_user(other_desk)
    taken = api.post(f"/api/v1/tasks/{task_id}/claim/")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "already_claimed"
    assert inbox(api, other_desk) == []
    assert complete(api, other_desk, task_id, {"amount": 5, "reason": "abc"}).status_code == 403
    api.as_user(people["service_desk"])
    assert api.post(f"/api/v1/tasks/{task_id}/unclaim/").json()["assignee"] is None
    api.as_user(people["technician"])
    assert api.post(f"/api/v1/tasks/{task_id}/assign/", {"user": "service_desk_u"}).status_code == 403
    api.as_user(people["dispatcher"])
    assigned = api.post(f"/api/v1/tasks/{task_id}/assign/", {"user": other_desk.username})
    assert assigned.status_code == 200 and assigned.json()["assignee"] == other_desk.username
    assert [t["id"] for t in inbox(api, other_desk, assignee="me")] == [task_id]
    api.as_user(other_desk)
    comment = api.post(f"/api/v1/tasks/{task_id}/comments/", {"text": "On my way"})
    assert comment.status_code == 201
    assert [c["text"] for c in api.get(f"/api/v1/tasks/{task_id}/comments/").json()] == ["On my way"]
    api.as_user(people["manager"])
    history = api.get(f"/api/v1/process-instances/{instance['id']}/").json()["history"]
    assert [e["type"] for e in history if e["type"] in ("claimed", "unclaimed", "assigned", "comment")] == [
        "claimed",
        "unclaimed",
        "assigned",
        "comment",
    ]


def test_boundary_timers_and_message(api, estate, people, deploy):
    deploy("escalation.bpmn")
    with time_machine.travel(T0, tick=False):
        instance = start(
            api, people["dispatcher"], estate, "escalation", business_key="WO-7", deadline="PT4H"
        )
    assert dt.datetime.fromisoformat(instance["next_timer_at"]) == T0 + dt.timedelta(minutes=30)
    call_command("process_timers", now="2026-12-01T09:29:00+00:00")
    assert inbox(api, people["manager"]) == []
    call_command("process_timers", now="2026-12-01T09:31:00+00:00")
    [escalated] = inbox(api, people["manager"])
    assert escalated["task_key"] == "supervise"
    [accept] = inbox(api, people["technician"])  # non-interrupting: still open
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        assert complete(api, people["technician"], accept["id"]).status_code == 200
    api.as_user(people["dispatcher"])
    wrong_key = api.post(
        "/api/v1/messages/", {"name": "owner_confirmed", "business_key": "WO-8", "payload": {}}
    )
    assert wrong_key.json() == {"delivered_to": []}
    delivered = api.post(
        "/api/v1/messages/",
        {"name": "owner_confirmed", "business_key": "WO-7", "payload": {"satisfied": True}},
    )
    assert delivered.json() == {"delivered_to": [instance["id"]]}
    assert (
        ProcessInstance.objects.get(pk=instance["id"]).status == "running"
    )  # the escalation task is still open
    complete(api, people["manager"], escalated["id"])
    assert ProcessInstance.objects.get(pk=instance["id"]).status == "completed"


def test_interrupting_deadline_cancels_task(api, estate, people, deploy):
    deploy("escalation.bpmn")
    with time_machine.travel(T0, tick=False):
        instance = start(
            api, people["dispatcher"], estate, "escalation", business_key="WO-9", deadline="PT4H"
        )
    call_command("process_timers", now="2026-12-01T13:01:00+00:00")
    status = ProcessInstance.objects.get(pk=instance["id"]).status
    accept = HumanTask.objects.get(instance_id=instance["id"], task_key="accept")
    assert accept.status == "cancelled"
    assert status == "running"  # the non-interrupting escalation task is still open
    events = [e.type for e in ProcessInstance.objects.get(pk=instance["id"]).events.all()]
    assert events.count("timer_fired") == 2


def test_dmn_decision(api, estate, people, deploy):
    deploy("decision.bpmn", dmn=("triage.dmn",))
    big = start(api, people["dispatcher"], estate, "triage", category="power", cost=900)
    small = start(api, people["dispatcher"], estate, "triage", business_key="BK-2", category="power", cost=50)
    other = start(api, people["dispatcher"], estate, "triage", business_key="BK-3", category="water", cost=50)
    assert big["open_tasks"][0]["candidate_groups"] == ["manager"]
    assert small["open_tasks"][0]["candidate_groups"] == ["technician"]
    assert other["open_tasks"][0]["candidate_groups"] == ["service_desk"]


def test_incident_and_retry(api, estate, people, deploy, recorded):
    calls, state = recorded
    deploy("service.bpmn")
    state["fail"] = True
    instance = start(api, people["manager"], estate, "service_call", amount=70)
    assert instance["status"] == "incident"
    assert "printer is on fire" in instance["incident"]["error"]
    assert instance["open_tasks"] == []
    assert calls == []
    api.as_user(people["technician"])
    assert api.post(f"/api/v1/process-instances/{instance['id']}/retry/").status_code == 403
    state["fail"] = False
    api.as_user(people["manager"])
    retried = api.post(f"/api/v1/process-instances/{instance['id']}/retry/")
    assert retried.status_code == 200, retried.content
    assert retried.json()["status"] == "running"
    assert calls == [{"value": 140, "label": "big", "instance": instance["id"]}]
    assert retried.json()["variables"]["recorded"] is True
    assert [t["task_key"] for t in retried.json()["open_tasks"]] == ["review"]
    again = api.post(f"/api/v1/process-instances/{instance['id']}/retry/")
    assert again.status_code == 409


def test_cancel(api, estate, people, deploy):
    deploy("approval.bpmn")
    instance = start(api, people["service_desk"], estate, "approval")
    api.as_user(people["service_desk"])
    assert api.post(f"/api/v1/process-instances/{instance['id']}/cancel/").status_code == 403
    api.as_user(people["manager"])
    cancelled = api.post(f"/api/v1/process-instances/{instance['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert HumanTask.objects.get(instance_id=instance["id"]).status == "cancelled"
    assert inbox(api, people["service_desk"]) == []


def test_versions_and_migration(api, estate, people, deploy):
    first = deploy("approval.bpmn")
    assert first["version"] == 1 and first["created"] is True
    assert deploy("approval.bpmn")["created"] is False  # same content deploys nothing
    old = start(api, people["service_desk"], estate, "approval")
    changed = diagram("approval.bpmn").replace('name="Book it"', 'name="Book the cost"')
    api.as_user(people["process_owner"])
    v2 = api.post("/api/v1/process-definitions/", {"bpmn_xml": changed}).json()
    assert v2["version"] == 2
    new = start(api, people["service_desk"], estate, "approval", business_key="BK-2")
    api.as_user(people["manager"])
    assert api.get(f"/api/v1/process-instances/{old['id']}/").json()["version"] == 1
    assert api.get(f"/api/v1/process-instances/{new['id']}/").json()["version"] == 2
    migrated = api.post(f"/api/v1/process-instances/{old['id']}/migrate/")
    assert migrated.status_code == 200, migrated.content
    assert migrated.json()["version"] == 2
    assert [t["task_key"] for t in migrated.json()["open_tasks"]] == ["request"]

    # Version 3 removes the task the instance waits on: refused.
    removed = (
        diagram("approval.bpmn")
        .replace('id="request"', 'id="describe"')
        .replace('targetRef="request"', 'targetRef="describe"')
        .replace('sourceRef="request"', 'sourceRef="describe"')
    )
    api.as_user(people["process_owner"])
    assert api.post("/api/v1/process-definitions/", {"bpmn_xml": removed}).json()["version"] == 3
    api.as_user(people["manager"])
    refused = api.post(f"/api/v1/process-instances/{old['id']}/migrate/")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "migration_unsafe"
    assert api.get(f"/api/v1/process-instances/{old['id']}/").json()["version"] == 2

    api.as_user(people["service_desk"])
    listed = api.get("/api/v1/process-definitions/").json()["results"]
    assert [(d["key"], d["latest_version"]) for d in listed] == [("approval", 3)]
    xml = api.get("/api/v1/process-definitions/approval/versions/1/bpmn")
    assert xml.status_code == 200 and b'name="Book it"' in xml.content


BROKEN = {
    "not xml": "<bpmn:definitions",
    "no candidates": diagram("approval.bpmn").replace(' camunda:candidateGroups="finance"', ""),
    "unknown operation": diagram("service.bpmn").replace("test_record", "launch_missiles"),
    "unsafe condition": diagram("approval.bpmn").replace(
        "${amount &gt; 1000 &amp;&amp; !urgent}", "${__import__('os').system('id')}"
    ),
    "unsafe script": diagram("service.bpmn").replace("total = amount * 2", "import os"),
    "bad timer": diagram("escalation.bpmn").replace("PT30M", "half an hour"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_deploy_refused_with_reasons(api, people, case, recorded):
    api.as_user(people["process_owner"])
    response = api.post("/api/v1/process-definitions/", {"bpmn_xml": BROKEN[case]})
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid_diagram"
    assert body["fields"]["bpmn_xml"], body
    assert api.get("/api/v1/process-definitions/").json()["count"] == 0


def test_only_process_owners_deploy(api, people):
    api.as_user(people["manager"])
    response = api.post("/api/v1/process-definitions/", {"bpmn_xml": diagram("approval.bpmn")})
    assert response.status_code == 403


def test_start_in_foreign_estate_is_404(api, estate, other_estate, people, deploy):
    deploy("approval.bpmn")
    api.as_user(people["service_desk"])
    response = api.post("/api/v1/process-instances/", {"process_key": "approval", "estate": other_estate.id})
    assert response.status_code == 404
