"""The `notify` operation, called from real BPMN service tasks through the engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from backoffice.notifications.models import Notification
from backoffice.notifications.operations import notify
from workflows.definitions import definition_deploy
from workflows.registry import get_operation
from workflows.runtime import SYSTEM, OperationContext
from workflows.services import instance_start

pytestmark = pytest.mark.django_db

DIAGRAM = (Path(__file__).parent / "diagrams" / "notify.bpmn").read_text(encoding="utf-8")


def start(estate, **variables):
    definition_deploy(actor=None, bpmn_xml=DIAGRAM)
    return instance_start(
        actor=SYSTEM, process_key="notify_test", estate_id=estate.id, business_key="WO-7", variables=variables
    )


def test_notify_is_registered():
    operation = get_operation("notify")
    assert operation is not None and operation.handler is notify
    assert operation.required == {"to", "template"}
    assert {"to", "template", "channel", "subject", "body"} <= set(operation.inputs)


def test_service_tasks_notify_in_app_and_by_mail_after_commit(
    owner, estate, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        instance = start(estate, who=owner.username, title="楼道清理通知")
        # Inside the step's transaction nothing has left yet.
        assert mailoutbox == []
    instance.refresh_from_db()
    assert instance.status == "running"

    in_app = Notification.objects.get(channel="in_app")
    assert in_app.recipient == owner and in_app.estate_id == estate.id
    assert (in_app.subject, in_app.body) == ("楼道清理通知", "请于今晚前清理楼道杂物。")
    assert in_app.dedup_key == f"wf:{instance.pk}:tell_owner:owner_a:in_app"
    assert in_app.context["business_key"] == "WO-7"

    email = Notification.objects.get(channel="email")
    assert email.dedup_key == f"wf:{instance.pk}:mail_owner:owner_a:email"
    assert email.status == "sent"
    assert [(m.to, m.subject) for m in mailoutbox] == [(["owner@example.com"], "报修 WO-7 已完成")]


def test_unknown_user_is_an_incident_and_notifies_nobody(estate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        instance = start(estate, who="ghost", title="x")
    instance.refresh_from_db()
    assert instance.status == "incident"
    assert "ghost" in instance.incident["error"]
    assert Notification.objects.count() == 0


def test_empty_recipient_notifies_nobody_and_goes_on(estate):
    instance = start(estate, who="", title="x")
    instance.refresh_from_db()
    assert instance.status == "running"
    assert Notification.objects.count() == 0


def context_for(estate, instance_id=41, task_key="tell_owner") -> OperationContext:
    return OperationContext(
        instance_id=instance_id,
        process_key="notify_test",
        business_key="WO-7",
        estate_id=estate.id,
        task_key=task_key,
        actor_user_id=None,
        now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )


def test_a_step_run_again_never_notifies_twice(owner, estate):
    context = context_for(estate)
    for _ in range(3):
        notify(context=context, to=owner.username, template="work_order.done")
    [notification] = Notification.objects.all()
    assert notification.dedup_key == "wf:41:tell_owner:owner_a:in_app"
    assert notification.subject == "报修 WO-7 已完成"  # the business key is the template's {number}


def test_key_tells_loop_passes_apart(owner, estate):
    context = context_for(estate, task_key="confirm")
    for rework in (0, 1, 1):
        notify(context=context, to=owner.username, template="work_order.confirm_request", key=rework)
    assert sorted(Notification.objects.values_list("dedup_key", flat=True)) == [
        "wf:41:confirm:owner_a:in_app:0",
        "wf:41:confirm:owner_a:in_app:1",
    ]
