"""The managers' dashboard: the open-task figures (exact counts, estate scoping, aggregate queries) and the page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from backoffice.repairs.models import WorkOrder
from tests import factories
from workflows.definitions import definition_deploy
from workflows.models import HumanTask
from workflows.runtime import SYSTEM, Actor
from workflows.selectors import open_task_figures
from workflows.services import instance_start, task_claim, task_complete, timers_fire_due

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai
NOW = T0 + dt.timedelta(minutes=90)

# `accept` is due an hour after it opens; 30 minutes on, a non-interrupting timer opens `supervise`.
SLA_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_dash_sla"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="dash_sla" name="Dashboard SLA" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept"/>
    <bpmn:userTask id="accept" name="Accept the order" camunda:candidateGroups="technician"
        camunda:dueDate="PT1H"/>
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

# The same task key `supervise`, but no timer leads to it here: not an escalation.
PLAIN_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_dash_plain"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="dash_plain" name="Dashboard plain" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="supervise"/>
    <bpmn:userTask id="supervise" name="Look at it" camunda:candidateGroups="supervisor"/>
    <bpmn:sequenceFlow id="f2" sourceRef="supervise" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _start(process_key: str, estate, at: dt.datetime, business_key: str):
    return instance_start(
        actor=SYSTEM, process_key=process_key, estate_id=estate.pk, business_key=business_key, now=at
    )


def _open_task(instance, task_key: str) -> HumanTask:
    return HumanTask.objects.get(instance=instance, task_key=task_key, status="open")


def build_tasks(base: dt.datetime, estate, other_estate, technician) -> dict:
    """At base + 90 minutes, in `estate`:
    A, B (started at base): `accept` overdue (A claimed), `supervise` escalated;
    C (started at base + 40 min, its timer not yet due): `accept` open, not overdue;
    E (started at base): `accept` completed before its timer, nothing open;
    P (the plain process): `supervise` open, not an escalation.
    In `other_estate`: D like A, unclaimed."""
    definition_deploy(actor=None, bpmn_xml=SLA_DIAGRAM)
    definition_deploy(actor=None, bpmn_xml=PLAIN_DIAGRAM)
    instances = {
        "A": _start("dash_sla", estate, base, "WO-A"),
        "B": _start("dash_sla", estate, base, "WO-B"),
        "D": _start("dash_sla", other_estate, base, "WO-D"),
        "E": _start("dash_sla", estate, base, "WO-E"),
        "P": _start("dash_plain", estate, base, "P-1"),
    }
    tech = Actor(user=technician, groups={estate.pk: frozenset({"technician"})})
    task_complete(
        actor=tech,
        task_id=_open_task(instances["E"], "accept").pk,
        data={},
        now=base + dt.timedelta(minutes=10),
    )
    assert timers_fire_due(now=base + dt.timedelta(minutes=31)) == 3  # A, B and D
    instances["C"] = _start("dash_sla", estate, base + dt.timedelta(minutes=40), "WO-C")
    task_claim(
        actor=tech, task_id=_open_task(instances["A"], "accept").pk, now=base + dt.timedelta(minutes=45)
    )
    return instances


@pytest.fixture
def tasks(estate, other_estate, technician):
    return build_tasks(T0, estate, other_estate, technician)


def test_figures_of_one_estate(tasks, estate):
    figures = open_task_figures(estate_ids={estate.pk}, now=NOW)

    assert figures == {
        "open": 6,  # A, B, C `accept`; A, B `supervise`; P `supervise` (E's task is completed)
        "overdue": 2,  # A, B `accept`
        "escalated": 2,  # A, B `supervise`, not P's
        "unassigned": 5,  # all but A's `accept`
        "per_group": [
            {"group": "technician", "open": 3, "overdue": 2},
            {"group": "manager", "open": 2, "overdue": 0},
            {"group": "supervisor", "open": 1, "overdue": 0},
        ],
        "per_process": [
            {"process_key": "dash_sla", "open": 5, "overdue": 2},
            {"process_key": "dash_plain", "open": 1, "overdue": 0},
        ],
    }


def test_figures_are_scoped_to_the_estates(tasks, estate, other_estate):
    other = open_task_figures(estate_ids={other_estate.pk}, now=NOW)
    assert (other["open"], other["overdue"], other["escalated"], other["unassigned"]) == (2, 1, 1, 2)
    assert other["per_group"] == [
        {"group": "manager", "open": 1, "overdue": 0},
        {"group": "technician", "open": 1, "overdue": 1},
    ]
    assert other["per_process"] == [{"process_key": "dash_sla", "open": 2, "overdue": 1}]

    everywhere = open_task_figures(estate_ids=None, now=NOW)
    assert (everywhere["open"], everywhere["overdue"], everywhere["escalated"], everywhere["unassigned"]) == (
        8,
        3,
        3,
        7,
    )
    assert everywhere["per_group"][0] == {"group": "technician", "open": 4, "overdue": 3}

    both = open_task_figures(estate_ids={estate.pk, other_estate.pk}, now=NOW)
    assert both == everywhere

    nothing = open_task_figures(estate_ids=set(), now=NOW)
    assert nothing == {
        "open": 0,
        "overdue": 0,
        "escalated": 0,
        "unassigned": 0,
        "per_group": [],
        "per_process": [],
    }


def test_overdue_is_read_at_the_given_time(tasks, estate):
    assert open_task_figures(estate_ids={estate.pk}, now=T0 + dt.timedelta(minutes=59))["overdue"] == 0
    # C's `accept` falls due at base + 100 minutes
    assert open_task_figures(estate_ids={estate.pk}, now=T0 + dt.timedelta(minutes=101))["overdue"] == 3


def test_a_fired_escalation_counts_once_its_task_opens(tasks, estate):
    assert timers_fire_due(now=T0 + dt.timedelta(minutes=71)) == 1  # C's timer
    figures = open_task_figures(estate_ids={estate.pk}, now=NOW)
    assert (figures["open"], figures["escalated"]) == (7, 3)


def test_a_fixed_number_of_aggregate_queries(tasks, estate, other_estate, django_assert_num_queries):
    open_task_figures(estate_ids=None, now=NOW)  # parses the versions once (cached with their specs)
    with django_assert_num_queries(3):
        before = open_task_figures(estate_ids=None, now=NOW)
    for n in range(5):
        _start("dash_sla", other_estate, T0, f"WO-X{n}")
    timers_fire_due(now=T0 + dt.timedelta(minutes=31))
    with django_assert_num_queries(3):
        after = open_task_figures(estate_ids={estate.pk, other_estate.pk}, now=NOW)
    assert (after["open"] - before["open"], after["escalated"] - before["escalated"]) == (10, 5)


# ------------------------------------------------------------------------------------------------ the page


@pytest.fixture
def english(client, settings):
    """The language the user picked in the switcher (the workspace ignores the browser's)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page_data(response) -> dict:
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    assert match, "the chart data is on the page"
    return json.loads(match.group(1))


def _order(estate, number: str, category: str, *, created, accepted=None, resolved=None, **extra):
    order = WorkOrder.objects.create(
        estate=estate, number=number, category=category, description="leak", **extra
    )
    WorkOrder.objects.filter(pk=order.pk).update(
        created_at=created, accepted_at=accepted, resolved_at=resolved
    )
    return order


@pytest.fixture
def page_data(estate, other_estate, technician):
    """The same tasks, started 90 minutes before the request; repair orders of the last days."""
    now = timezone.now()
    build_tasks(now - dt.timedelta(minutes=90), estate, other_estate, technician)
    day = dt.timedelta(days=1)
    _order(
        estate,
        "R-1",
        "plumbing",
        created=now - day,
        accepted=now - day + dt.timedelta(minutes=10),
        resolved=now - day + dt.timedelta(hours=2),
        status="closed",
        rating=4,
    )
    _order(
        estate,
        "R-2",
        "plumbing",
        created=now - 2 * day,
        accepted=now - 2 * day + dt.timedelta(minutes=60),
        status="accepted",
    )
    _order(estate, "R-3", "electrical", created=now - 60 * day, status="new")
    _order(other_estate, "R-4", "elevator", created=now - day, status="new")


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_technician_may_not_see_it(client, technician):
    client.force_login(technician)
    assert client.get("/dashboard/").status_code == 403


def test_a_manager_sees_the_figures_of_their_estate(
    english, client, manager, estate, other_estate, page_data
):
    client.force_login(manager)
    response = client.get("/dashboard/")

    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures["open"], figures["overdue"], figures["escalated"], figures["unassigned"]) == (6, 2, 2, 5)
    content = response.content.decode()
    for name, value in (("open", 6), ("overdue", 2), ("escalated", 2), ("unassigned", 5)):
        assert f'data-kpi="{name}">{value}<' in content
    assert 'class="kpi bad"' in content and 'class="kpi warn"' in content
    assert [estate_.pk for estate_ in response.context["estates"]] == [estate.pk]  # only their estate

    data = _page_data(response)
    assert data["groups"] == {
        "labels": ["Technician", "Estate manager", "Supervisor"],
        "open": [3, 2, 1],
        "overdue": [2, 0, 0],
    }
    # the last 30 days of `estate`: two plumbing orders; the older and the other estate's are left out
    assert data["categories"] == {"labels": ["Plumbing"], "response": [50.0], "resolution": [100.0]}
    [category_table, estate_table] = response.context["repair_tables"]
    [plumbing] = category_table["rows"]
    assert plumbing == {
        "name": "Plumbing",
        "count": 2,
        "closed": 1,
        "response_median": 35.0,
        "resolution_median": 120.0,
        "response_within_sla": 50.0,
        "resolution_within_sla": 100.0,
        "rework_rate": 0.0,
        "average_rating": 4.0,
    }
    assert [row["name"] for row in estate_table["rows"]] == [estate.name]
    assert 'id="category-table"' in content and 'id="estate-table"' in content
    assert "web/dist/chart.umd.min.js" in content and "web/dashboard.js" in content
    # the chart cards show only once Chart.js has drawn them; the tables carry the figures without it
    assert 'data-chart="groups" hidden' in content and 'data-chart="categories" hidden' in content


def test_the_period_and_the_estate_filters(english, client, manager, estate, other_estate, page_data):
    client.force_login(manager)
    response = client.get("/dashboard/", {"days": 90, "estate": other_estate.pk})
    assert response.context["period"] == 90
    assert response.context["selected_estate"] is None  # not one of theirs: their own estates instead
    assert response.context["figures"]["open"] == 6
    assert _page_data(response)["categories"]["labels"] == ["Plumbing", "Electrical"]

    response = client.get("/dashboard/", {"days": "365"})
    assert response.context["period"] == 30  # only 7, 30 or 90


def test_a_superuser_picks_any_estate(english, client, estate, other_estate, page_data):
    root = factories.make_user(superuser=True, username="root")
    client.force_login(root)
    response = client.get("/dashboard/", {"estate": other_estate.pk, "days": 7})
    assert response.status_code == 200
    assert response.context["selected_estate"] == other_estate.pk
    figures = response.context["figures"]
    assert (figures["open"], figures["overdue"], figures["escalated"], figures["unassigned"]) == (2, 1, 1, 2)
    assert _page_data(response)["categories"]["labels"] == ["Elevator"]

    everything = client.get("/dashboard/")
    assert everything.context["figures"]["open"] == 8
    assert len(everything.context["estates"]) == 2


def test_the_page_without_any_task_or_order(client, manager):
    client.force_login(manager)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.context["figures"]["open"] == 0
    assert _page_data(response)["groups"]["labels"] == []
    assert 'data-chart="groups"' not in response.content.decode()
