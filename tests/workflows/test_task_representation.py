"""The task's representation is written out by hand for speed; it must say exactly what DRF's generic
path says from the declared fields (the OpenAPI schema is built from those)."""

from __future__ import annotations

import datetime as dt

import time_machine
from rest_framework import serializers as drf

from api.workflows.serializers import TaskSerializer
from workflows.models import HumanTask
from workflows.runtime import Actor
from workflows.services import instance_start, task_claim, task_complete


def generic(task, context) -> dict:
    return drf.ModelSerializer.to_representation(TaskSerializer(task, context=context), task)


def test_the_written_out_representation_matches_the_declared_fields(deploy, people, estate):
    deploy("approval.bpmn")
    manager = Actor(user=people["manager"], groups={estate.pk: frozenset({"manager"})})
    desk = Actor(user=people["service_desk"], groups={estate.pk: frozenset({"service_desk"})})
    moment = dt.datetime(2026, 5, 4, 9, 30, 15, 123456, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        instance = instance_start(
            actor=manager,
            process_key="approval",
            estate_id=estate.pk,
            business_key="REQ-9",
            variables={"x": 1},
        )
        open_task = HumanTask.objects.get(instance=instance)
        claimed = task_claim(actor=desk, task_id=open_task.pk)
        data = {"amount": 50, "reason": "Leaking tap", "category": "water"}
        task_complete(actor=desk, task_id=open_task.pk, data=data)
    done = HumanTask.objects.get(pk=open_task.pk)
    HumanTask.objects.filter(pk=open_task.pk).update(due_at=moment)  # a due date, to see the zone applied
    due = HumanTask.objects.get(pk=open_task.pk)
    contexts = [{}, {"now": moment + dt.timedelta(hours=1), "with_variables": True}]
    for task in (
        claimed,
        done,
        due,
        HumanTask.objects.select_related("assignee", "instance").get(pk=done.pk),
    ):
        for context in contexts:
            expected = generic(task, context)
            assert TaskSerializer(task, context=context).data == expected
            assert list(TaskSerializer(task, context=context).data) == list(TaskSerializer().fields)
    assert generic(due, contexts[1])["due_at"].endswith("+08:00")  # the settings' zone, as DRF gives it
    many = TaskSerializer([claimed, done], many=True, context=contexts[1]).data
    assert [dict(row) for row in many] == [generic(claimed, contexts[1]), generic(done, contexts[1])]
