"""Managers' dashboard: the open tasks of their estates (overdue, escalated, unassigned, per candidate group)
and the repair figures per category and per estate over the last 7, 30 or 90 days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.accounts.choices import Role
from backoffice.accounts.selectors import estate_ids_with_roles
from backoffice.estates.models import Estate
from backoffice.repairs.choices import RepairCategory
from backoffice.repairs.selectors import repair_report
from workflows.models import ProcessDefinition
from workflows.selectors import open_task_figures

from .access import MANAGERS, manager_required

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


def _label(choices, code: Any) -> str:
    """The label of a choice code, or the code itself when it is not one (a group named in a diagram)."""
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _repair_row(row: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "name": name,
        "count": row["count"],
        "closed": row["closed"],
        "response_median": row["response_minutes_median"],
        "resolution_median": row["resolution_minutes_median"],
        "response_within_sla": _percent(row["response_within_sla"]),
        "resolution_within_sla": _percent(row["resolution_within_sla"]),
        "rework_rate": _percent(row["rework_rate"]),
        "average_rating": row["average_rating"],
    }


def _int_param(request, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


@manager_required
def dashboard(request):
    allowed = estate_ids_with_roles(request.user, MANAGERS)  # None: a superuser, every estate
    estates = Estate.objects.order_by("name", "code").only("id", "code", "name")
    if allowed is not None:
        estates = estates.filter(pk__in=sorted(allowed))
    estates = list(estates)
    estate_names = {estate.pk: estate.name for estate in estates}

    selected = _int_param(request, "estate")
    if selected not in estate_names:
        selected = None
    scope = {selected} if selected is not None else allowed

    period = _int_param(request, "days")
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=period - 1), today + dt.timedelta(days=1)

    figures = open_task_figures(estate_ids=scope, now=timezone.now())
    groups = [{**row, "label": _label(Role, row["group"])} for row in figures["per_group"]]
    process_names = dict(
        ProcessDefinition.objects.filter(
            key__in=[row["process_key"] for row in figures["per_process"]]
        ).values_list("key", "name")
    )
    processes = [
        {**row, "name": process_names.get(row["process_key"]) or row["process_key"]}
        for row in figures["per_process"]
    ]

    categories = [
        _repair_row(row, _label(RepairCategory, row["category"]))
        for row in repair_report(estate_ids=scope, start=start, end=end, group_by="category")
    ]
    categories.sort(key=lambda row: (-row["count"], row["name"]))
    per_estate = [
        _repair_row(row, estate_names.get(row["estate"]) or str(row["estate"]))
        for row in repair_report(estate_ids=scope, start=start, end=end, group_by="estate")
    ]
    per_estate.sort(key=lambda row: row["name"])

    data = {
        "texts": {
            "open": _("Open"),
            "overdue": _("Overdue"),
            "response": _("Response within SLA"),
            "resolution": _("Resolution within SLA"),
            "tasks": _("Tasks"),
        },
        "groups": {
            "labels": [row["label"] for row in groups],
            "open": [row["open"] for row in groups],
            "overdue": [row["overdue"] for row in groups],
        },
        "categories": {
            "labels": [row["name"] for row in categories],
            "response": [row["response_within_sla"] for row in categories],
            "resolution": [row["resolution_within_sla"] for row in categories],
        },
    }
    context = {
        "section": "dashboard",
        "estates": estates,
        "selected_estate": selected,
        "periods": PERIODS,
        "period": period,
        "start": start,
        "last_day": today,
        "figures": figures,
        "groups": groups,
        "processes": processes,
        "categories": categories,
        "repair_tables": [
            {
                "id": "category-table",
                "title": _("Per category"),
                "first_column": _("Category"),
                "rows": categories,
            },
            {"id": "estate-table", "title": _("Per estate"), "first_column": _("Estate"), "rows": per_estate},
        ],
        "data": data,
    }
    return render(request, "web/dashboard.html", context)
