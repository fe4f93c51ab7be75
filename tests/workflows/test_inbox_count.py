"""The inbox's total is counted in two parts (assigned to me; still offered to me, from the candidate rows):
it must equal the rows the inbox lists, with and without filters, as tasks are claimed, released, assigned."""

from __future__ import annotations

from workflows import selectors
from workflows.models import HumanTask, TaskCandidate
from workflows.runtime import Actor
from workflows.services import instance_start, task_assign, task_claim, task_complete, task_unclaim

from .. import factories as f


def _agree(*actors) -> None:
    for actor in actors:
        assert selectors.task_inbox_count(actor=actor) == selectors.task_inbox(actor=actor).count()


def test_counted_total_matches_the_rows(api, deploy, people, estate, other_estate):
    deploy("approval.bpmn")
    desk = people["service_desk"]
    other_desk = f.make_user({estate: ["service_desk"]}, username="desk2")
    stranger = f.make_user({other_estate: ["service_desk"]}, username="moon_desk")
    manager = Actor(user=people["manager"], groups={estate.pk: frozenset({"manager"})})
    ids = []
    for n in range(7):
        instance = instance_start(
            actor=manager, process_key="approval", estate_id=estate.pk, business_key=f"REQ-{n}", variables={}
        )
        ids.append(HumanTask.objects.get(instance=instance).pk)
    me = Actor(user=desk, groups={estate.pk: frozenset({"service_desk"})})
    other = Actor(user=other_desk, groups={estate.pk: frozenset({"service_desk"})})
    moon = Actor(user=stranger, groups={other_estate.pk: frozenset({"service_desk"})})
    _agree(me, other, moon)
    task_claim(actor=me, task_id=ids[0])
    task_claim(actor=other, task_id=ids[1])  # someone else's now: not in my inbox
    task_assign(actor=manager, task_id=ids[2], username=desk.username)
    task_claim(actor=other, task_id=ids[3])
    task_unclaim(actor=other, task_id=ids[3])  # free again
    assert set(TaskCandidate.objects.filter(assigned=True).values_list("task_id", flat=True)) == set(ids[:3])
    _agree(me, other, moon)

    api.as_user(desk)
    body = api.get("/api/v1/tasks/", {"page_size": 2}).json()
    assert body["count"] == 6 and len(body["results"]) == 2
    assert api.get("/api/v1/tasks/", {"assignee": "me"}).json()["count"] == 2
    assert api.get("/api/v1/tasks/", {"business_key": "REQ-1"}).json()["count"] == 0
    assert api.get("/api/v1/tasks/", {"business_key": "REQ-3"}).json()["count"] == 1
    assert api.get("/api/v1/tasks/", {"estate": other_estate.pk}).json()["count"] == 0
    task_complete(actor=me, task_id=ids[0], data={"amount": 50, "reason": "Leaking tap", "category": "water"})
    _agree(me, other, moon)
