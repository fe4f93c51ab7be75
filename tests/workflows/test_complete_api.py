"""`POST /tasks/{id}/complete/` answers from the service's row; refusals still say 404 for a task the caller
may not see, before any 400, 403 or 409."""

from __future__ import annotations

from workflows.models import HumanTask
from workflows.runtime import Actor
from workflows.services import instance_start

from .. import factories as f


def test_complete_answers_and_refusals(api, deploy, people, estate, other_estate):
    deploy("approval.bpmn")
    manager = Actor(user=people["manager"], groups={estate.pk: frozenset({"manager"})})
    instance = instance_start(
        actor=manager, process_key="approval", estate_id=estate.pk, business_key="REQ-1", variables={}
    )
    task = HumanTask.objects.get(instance=instance)
    data = {"amount": 50, "reason": "Leaking tap", "category": "water"}
    api.as_user(f.make_user({other_estate: ["service_desk"]}, username="moon_desk"))
    assert api.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": data}).status_code == 404
    assert api.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": "nonsense"}).status_code == 404
    assert api.post("/api/v1/tasks/abc/complete/", {"data": data}).status_code == 404
    api.as_user(people["finance"])  # sees the estate's tasks, may not complete this one
    assert api.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": data}).status_code == 403
    api.as_user(people["service_desk"])
    assert api.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": "nonsense"}).status_code == 400
    done = api.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": data})
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "completed" and body["completed_by"] == "service_desk_u"
    assert body["assignee"] == "service_desk_u" and body["variables"]["reason"] == "Leaking tap"
    assert api.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": data}).status_code == 409
    api.as_user(f.make_user({other_estate: ["service_desk"]}, username="moon_desk2"))
    assert api.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": data}).status_code == 404


def test_complete_with_an_id_no_task_can_have_is_404(api, deploy, people):
    """Digits past the id column's range, or digits that are not ASCII, name no task: 404, never a 500."""
    deploy("approval.bpmn")
    api.as_user(people["service_desk"])
    for pk in ("99999999999999999999", "9223372036854775808", "²", "0"):
        response = api.post(f"/api/v1/tasks/{pk}/complete/", {"data": {}})
        assert response.status_code == 404, (pk, response.content)
        assert response.json()["error"]["code"] == "not_found"
