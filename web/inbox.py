"""The staff inbox and the task page: claim, release, assign, complete with the diagram's form, comment.

Every action is one call of `workflows.services`; a refusal becomes a message or the form's field errors."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.accounts.models import EstateMembership
from backoffice.core.errors import DomainError, ValidationFailed
from backoffice.estates.models import Estate
from workflows import selectors, services
from workflows.choices import TaskStatus
from workflows.services import ASSIGNER_GROUPS

from . import taskforms
from .access import actor_for, staff_estates, staff_required
from .business import business_context
from .labels import diagram_text

PAGE_SIZE = 50
VIEWS = ("all", "mine", "groups")
DUE_FILTERS = ("overdue", "today", "week")
HIGH_PRIORITY = 70


def _filters(request) -> dict[str, str]:
    params = request.GET
    return {
        "view": params.get("view") if params.get("view") in VIEWS else "all",
        "process": params.get("process", "")[:100],
        "estate": params.get("estate", "") if params.get("estate", "").isdigit() else "",
        "due": params.get("due") if params.get("due") in DUE_FILTERS else "",
        "priority": "high" if params.get("priority") == "high" else "",
    }


def _escalated(tasks) -> set[int]:
    """Ids of the listed tasks that a timer led to (the diagram's escalations)."""
    found = set()
    for task in tasks:
        if task.task_key in selectors.escalation_task_keys(task.version_id):
            found.add(task.pk)
    return found


def _inbox_query(request, wanted: dict[str, str], now: dt.datetime):
    actor = actor_for(request.user)
    tasks = selectors.task_inbox(actor=actor).annotate(version_id=F("instance__version_id"))
    if wanted["view"] == "mine":
        tasks = tasks.filter(assignee_id=actor.user_id)
    elif wanted["view"] == "groups":
        tasks = tasks.filter(assignee__isnull=True)
    if wanted["process"]:
        tasks = tasks.filter(process_key=wanted["process"])
    if wanted["estate"]:
        tasks = tasks.filter(estate_id=int(wanted["estate"]))
    local_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if wanted["due"] == "overdue":
        tasks = tasks.filter(due_at__lt=now)
    elif wanted["due"] == "today":
        tasks = tasks.filter(due_at__lt=local_today + dt.timedelta(days=1))
    elif wanted["due"] == "week":
        tasks = tasks.filter(due_at__lt=local_today + dt.timedelta(days=7))
    if wanted["priority"]:
        tasks = tasks.filter(priority__gte=HIGH_PRIORITY)
    return tasks.order_by("-priority", "due_at", "id")


def _rows_context(request) -> dict:
    now = timezone.now()
    wanted = _filters(request)
    tasks = _inbox_query(request, wanted, now)
    page = list(tasks[:PAGE_SIZE])
    escalated = _escalated(page)
    for task in page:
        task.overdue = task.due_at is not None and task.due_at < now
        task.escalated = task.pk in escalated
        task.label = diagram_text(task.name)
    total = len(page) if len(page) < PAGE_SIZE else tasks.count()
    return {"tasks": page, "total": total, "shown": len(page), "filters": wanted, "now": now}


@staff_required
def inbox(request):
    context = _rows_context(request)
    actor = actor_for(request.user)
    now = context["now"]
    everything = selectors.task_inbox(actor=actor)
    context["counts"] = {
        "all": selectors.task_inbox_count(actor=actor),
        "mine": selectors.task_inbox_count(actor=actor, assignee_id=actor.user_id),
        "overdue": everything.filter(due_at__lt=now).count(),
    }
    estates = staff_estates(request.user)
    context["estates"] = Estate.objects.filter(**({} if estates is None else {"pk__in": estates})).order_by(
        "code"
    )
    context["processes"] = [
        (d.key, diagram_text(d.name)) for d in selectors.definition_list().order_by("key")
    ]
    context["query"] = request.GET.urlencode()
    context["section"] = "inbox"
    return render(request, "web/inbox.html", context)


@staff_required
def inbox_rows(request):
    """The list alone, fetched every few seconds by the inbox page so new tasks appear without a reload."""
    return render(request, "web/_task_rows.html", _rows_context(request))


@staff_required
def inbox_count(request):
    count = selectors.task_inbox_count(actor=actor_for(request.user))
    return HttpResponse(str(count) if count else "", content_type="text/plain; charset=utf-8")


def _visible_task(request, task_id: int):
    actor = actor_for(request.user)
    task = (
        selectors.task_visible(actor=actor, estate_ids=staff_estates(request.user))
        .select_related("instance", "estate")
        .defer("instance__state")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    return task, actor


def _task_page(request, task, actor, *, values=None, errors=None, status=200):
    now = timezone.now()
    task.overdue = task.status == TaskStatus.OPEN and task.due_at is not None and task.due_at < now
    task.escalated = task.task_key in selectors.escalation_task_keys(task.instance.version_id)
    task.label = diagram_text(task.name)
    may_act = task.status == TaskStatus.OPEN and services.may_act_on(actor, task)
    may_assign = task.status == TaskStatus.OPEN and actor.has_group(task.estate_id, ASSIGNER_GROUPS)
    assignable = []
    if may_assign:
        assignable = (
            get_user_model()
            .objects.filter(
                is_active=True,
                pk__in=EstateMembership.objects.filter(
                    estate_id=task.estate_id, role__in=task.candidate_groups or ["technician"]
                ).values("user_id"),
            )
            .order_by("username")
        )
    context = {
        "section": "inbox",
        "task": task,
        "instance": task.instance,
        "business": business_context(task, estate_ids=staff_estates(request.user)),
        "history": selectors.instance_history(instance=task.instance),
        "comments": task.comments.select_related("author"),
        "may_act": may_act,
        "may_claim": task.status == TaskStatus.OPEN and task.assignee_id is None and may_act,
        "may_release": task.status == TaskStatus.OPEN
        and task.assignee_id is not None
        and (task.assignee_id == actor.user_id or actor.has_group(task.estate_id, {"admin", "manager"})),
        "may_assign": may_assign,
        "assignable": assignable,
        "fields": taskforms.build_fields(task.form, values=values, errors=errors),
        "form_errors": taskforms.other_errors(errors, task.form),
        "action": reverse("web:task_complete", args=[task.pk]),
    }
    return render(request, "web/task.html", context, status=status)


@staff_required
def task_detail(request, task_id: int):
    task, actor = _visible_task(request, task_id)
    return _task_page(request, task, actor)


def _act(request, task_id: int, action, done_message: str, **kwargs):
    task, actor = _visible_task(request, task_id)
    try:
        action(actor=actor, task_id=task.pk, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done_message)
    if request.POST.get("next") == "inbox":
        return redirect("web:inbox")
    return redirect("web:task", task_id=task.pk)


@staff_required
@require_POST
def task_claim(request, task_id: int):
    return _act(request, task_id, services.task_claim, _("You hold the task now."))


@staff_required
@require_POST
def task_unclaim(request, task_id: int):
    return _act(request, task_id, services.task_unclaim, _("The task is back in the group's list."))


@staff_required
@require_POST
def task_assign(request, task_id: int):
    username = request.POST.get("user", "").strip()
    return _act(
        request,
        task_id,
        services.task_assign,
        _("Assigned to %(user)s.") % {"user": username},
        username=username,
    )


@staff_required
@require_POST
def task_complete(request, task_id: int):
    task, actor = _visible_task(request, task_id)
    data = taskforms.posted_data(task.form, request.POST)
    try:
        services.task_complete(actor=actor, task_id=task.pk, data=data)
    except ValidationFailed as exc:
        values = {key: request.POST.get(key, "") for key in data} | {
            f["id"]: request.POST.get(f["id"], "") for f in (task.form or {}).get("fields", [])
        }
        for f in (task.form or {}).get("fields", []):
            if f.get("type") == "boolean":
                values[f["id"]] = f["id"] in request.POST
        return _task_page(
            request,
            task,
            actor,
            values=values,
            errors=exc.fields or {"": [{"message": exc.message}]},
            status=400,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:task", task_id=task.pk)
    messages.success(request, _("Task completed: %(task)s") % {"task": diagram_text(task.name)})
    return redirect("web:inbox")


@staff_required
@require_POST
def task_comment(request, task_id: int):
    task, actor = _visible_task(request, task_id)
    try:
        services.task_comment_add(actor=actor, task_id=task.pk, text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.headers.get("HX-Request"):
        return render(request, "web/_comments.html", {"comments": task.comments.select_related("author")})
    return redirect("web:task", task_id=task.pk)
