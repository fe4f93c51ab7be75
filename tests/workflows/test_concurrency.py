"""Two users acting on the same task at the same moment: exactly one wins, the other gets 409 (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from backoffice.core.errors import Conflict
from workflows import services
from workflows.definitions import definition_deploy
from workflows.models import HumanTask, InstanceEvent, ProcessInstance
from workflows.runtime import SYSTEM, Actor

from .. import factories as f
from .conftest import diagram

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def race(actions):
    """Run the callables at the same moment in threads; return what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def runner(index, action):
        try:
            barrier.wait()
            results[index] = ("ok", action())
        except Conflict as exc:
            results[index] = ("conflict", exc.code)
        except Exception as exc:  # anything else fails the test with its type visible
            results[index] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def setup_task():
    estate = f.make_estate("RACE")
    definition_deploy(actor=None, bpmn_xml=diagram("approval.bpmn"))
    desk = [f.make_user({estate: ["service_desk"]}) for _ in range(2)]
    actors = [Actor(user=u, groups={estate.id: frozenset({"service_desk"})}) for u in desk]
    instance = services.instance_start(
        actor=SYSTEM,
        process_key="approval",
        estate_id=estate.id,
        business_key="R-1",
        variables={"requester": desk[0].username},
    )
    task = HumanTask.objects.get(instance=instance, status="open")
    return instance, task, actors


def test_two_claims_one_wins():
    instance, task, actors = setup_task()
    results = race([lambda a=a: services.task_claim(actor=a, task_id=task.pk) for a in actors])
    assert sorted(kind for kind, _ in results) == ["conflict", "ok"]
    assert [code for kind, code in results if kind == "conflict"] == ["already_claimed"]
    task.refresh_from_db()
    assert task.assignee_id in {a.user_id for a in actors}
    assert InstanceEvent.objects.filter(instance=instance, type="claimed").count() == 1


def test_two_completes_one_wins():
    instance, task, actors = setup_task()
    data = {"amount": 10, "reason": "bulb"}
    results = race([lambda a=a: services.task_complete(actor=a, task_id=task.pk, data=data) for a in actors])
    assert sorted(kind for kind, _ in results) == ["conflict", "ok"]
    instance.refresh_from_db()
    assert instance.status == "running"
    assert InstanceEvent.objects.filter(instance=instance, type="completed").count() == 1
    open_keys = sorted(
        HumanTask.objects.filter(instance=instance, status="open").values_list("task_key", flat=True)
    )
    assert open_keys == ["finance_task", "notify_task"]
    assert ProcessInstance.objects.get(pk=instance.pk).revision == 2
