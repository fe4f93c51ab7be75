"""The staff workspace through Django's test client: login, inbox, task page and form errors, claim races,
instance page, editor endpoints, language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from backoffice.repairs.services import work_order_report
from workflows.models import HumanTask, ProcessVersion

from .. import factories as f
from ..sites import build_repair_site


@pytest.fixture
def site(db, estate, other_estate):
    site = build_repair_site(estate)
    users = site["users"]
    users["tech"] = users["tech1"]
    users["dispatcher2"] = f.make_user({estate: ["dispatcher"]}, username="dispatch2")
    users["designer"] = f.make_user({estate: ["process_owner"]}, username="designer")
    users["stranger"] = f.make_user({other_estate: ["dispatcher"]}, username="moon_dispatch")
    site["order"] = work_order_report(
        user=users["owner"], data={"unit": site["unit"], "category": "plumbing", "description": "漏水"}
    )
    return site


def client_for(user, language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def dispatch_task() -> HumanTask:
    return HumanTask.objects.get(task_key="dispatch", status="open")


def test_login_page_logs_in_and_sends_staff_to_the_inbox(site):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "用户名" in page.content.decode()  # zh-Hans unless the user picked another language
    response = client.post("/login/", {"username": "dispatch", "password": f.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    owner = Client()
    response = owner.post("/login/", {"username": "owner_a", "password": f.PASSWORD})
    assert response["Location"] == "/portal/"


def test_wrong_password_is_refused_and_throttled(site, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(2):
        assert client.post("/login/", {"username": "dispatch", "password": "nope"}).status_code == 400
    refused = client.post("/login/", {"username": "dispatch", "password": f.PASSWORD})
    assert refused.status_code == 400
    assert "_auth_user_id" not in client.session


def test_english_is_switchable(site):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Username" in client.get("/login/").content.decode()


def test_anonymous_is_sent_to_login_and_owner_may_not_open_the_inbox(site):
    assert Client().get("/tasks/")["Location"].startswith("/login/")
    assert client_for(site["users"]["owner"]).get("/tasks/").status_code == 403


def test_inbox_lists_the_groups_task_with_counts_and_filters(site):
    client = client_for(site["users"]["dispatcher"])
    page = client.get("/tasks/").content.decode()
    assert site["order"].number in page and 'data-task-key="dispatch"' in page
    rows = client.get("/tasks/rows/?process=repair").content.decode()
    assert 'data-task-key="dispatch"' in rows
    assert 'data-task-key="dispatch"' not in client.get("/tasks/rows/?view=mine").content.decode()
    assert 'data-task-key="dispatch"' not in client.get("/tasks/rows/?process=maintenance").content.decode()
    assert client.get("/tasks/count/").content.decode() == "1"
    assert client_for(site["users"]["tech"]).get("/tasks/count/").content.decode() == ""
    assert client_for(site["users"]["stranger"]).get(f"/tasks/{dispatch_task().pk}/").status_code == 404


def test_overdue_and_escalated_are_marked(site):
    task = dispatch_task()
    HumanTask.objects.filter(pk=task.pk).update(due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    client = client_for(site["users"]["dispatcher"])
    assert 'class="overdue' in client.get("/tasks/").content.decode()
    assert 'data-task-key="dispatch"' in client.get("/tasks/rows/?due=overdue").content.decode()
    HumanTask.objects.filter(pk=task.pk).update(task_key="response_overdue")
    assert "escalated" in client.get("/tasks/rows/").content.decode()


def test_claim_then_another_dispatcher_cannot_claim(site):
    task = dispatch_task()
    first, second = client_for(site["users"]["dispatcher"]), client_for(site["users"]["dispatcher2"])
    assert first.post(f"/tasks/{task.pk}/claim/").status_code == 302
    response = second.post(f"/tasks/{task.pk}/claim/", follow=True)
    assert "Another user holds this task." in response.content.decode()
    task.refresh_from_db()
    assert task.assignee.username == "dispatch"
    first.post(f"/tasks/{task.pk}/unclaim/")
    task.refresh_from_db()
    assert task.assignee is None


def test_task_page_shows_the_business_context_and_the_form(site):
    page = client_for(site["users"]["dispatcher"]).get(f"/tasks/{dispatch_task().pk}/").content.decode()
    assert site["order"].number in page and "漏水" in page and "13900000001" in page
    assert 'name="technician"' in page and 'id="history"' in page


def test_complete_with_a_missing_value_shows_the_error_then_succeeds(site):
    task = dispatch_task()
    client = client_for(site["users"]["dispatcher"])
    refused = client.post(f"/tasks/{task.pk}/complete/", {"technician": ""})
    assert refused.status_code == 400
    assert 'class="field-error" id="e-technician"' in refused.content.decode()
    task.refresh_from_db()
    assert task.status == "open"
    done = client.post(f"/tasks/{task.pk}/complete/", {"technician": "tech1"})
    assert done.status_code == 302 and done["Location"] == "/tasks/"
    task.refresh_from_db()
    assert task.status == "completed" and task.data == {"technician": "tech1"}
    assert HumanTask.objects.get(task_key="accept", status="open").assignee.username == "tech1"


def test_a_technician_cannot_complete_the_dispatchers_task(site):
    task = dispatch_task()
    response = client_for(site["users"]["tech"]).post(f"/tasks/{task.pk}/complete/", {"technician": "tech1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "open"


def test_comment_is_added(site):
    task = dispatch_task()
    client = client_for(site["users"]["dispatcher"])
    response = client.post(f"/tasks/{task.pk}/comments/", {"text": "已电话联系业主"}, HTTP_HX_REQUEST="true")
    assert "已电话联系业主" in response.content.decode()
    assert task.comments.count() == 1


def test_instance_page_and_manager_actions(site):
    instance_id = site["order"].process_instance_id
    page = client_for(site["users"]["dispatcher"]).get(f"/instances/{instance_id}/").content.decode()
    assert 'id="instance-path"' in page and '"active": ["dispatch"' in page
    assert 'id="instance-actions"' not in page  # only managers cancel, retry, migrate
    manager = client_for(site["users"]["manager"])
    assert 'id="instance-actions"' in manager.get(f"/instances/{instance_id}/").content.decode()
    manager.post(f"/instances/{instance_id}/cancel/")
    assert HumanTask.objects.get(task_key="dispatch").status == "cancelled"
    assert client_for(site["users"]["stranger"]).get(f"/instances/{instance_id}/").status_code == 404
    assert manager.post(f"/instances/{instance_id}/explode/").status_code == 404


def test_editor_validate_and_deploy(site):
    designer = client_for(site["users"]["designer"])
    xml = ProcessVersion.objects.get(definition__key="repair").bpmn_xml
    assert designer.get("/processes/repair/v1/").status_code == 200
    assert designer.get("/processes/repair/v1.bpmn").content.decode() == xml
    ok = designer.post("/processes/validate/", {"bpmn_xml": xml}, content_type="application/json").json()
    assert ok == {"ok": True, "reasons": [], "key": "repair"}
    broken = xml.replace('camunda:candidateGroups="dispatcher" ', "")
    refused = designer.post("/processes/deploy/", {"bpmn_xml": broken}, content_type="application/json")
    assert refused.status_code == 400 and "Dispatch the repair" in refused.json()["reasons"][0]
    changed = xml.replace('camunda:candidateGroups="dispatcher" ', 'camunda:candidateGroups="service_desk" ')
    deployed = designer.post("/processes/deploy/", {"bpmn_xml": changed}, content_type="application/json")
    assert deployed.status_code == 201 and deployed.json()["version"] == 2
    again = designer.post("/processes/deploy/", {"bpmn_xml": changed}, content_type="application/json")
    assert again.status_code == 200 and again.json()["created"] is False
    assert designer.post("/processes/deploy/", "not json", content_type="application/json").status_code == 400
    assert client_for(site["users"]["dispatcher"]).get("/processes/repair/v1/").status_code == 403
    assert client_for(site["users"]["dispatcher"]).post("/processes/deploy/", {}).status_code == 403
