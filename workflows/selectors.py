"""Read-only queries of the engine: inboxes, instances, definitions."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from SpiffWorkflow.util.task import TaskState

from .choices import InstanceStatus, TaskStatus
from .definitions import spec_for
from .engine.serializer import load_state
from .models import HumanTask, InstanceEvent, ProcessDefinition, ProcessInstance, TaskCandidate
from .runtime import TIMER_EVENT_TYPES, Actor


def _offered_task_ids(actor: Actor, *, free_only: bool = False) -> QuerySet:
    """Ids of the tasks offered to the actor by name or to one of their roles in an estate (`free_only`: of
    those nobody holds yet).

    One SELECT per way of being offered, joined by UNION ALL: each is a range of one candidate index that
    holds the task id, so PostgreSQL reads the ids from the indexes alone (an OR of the same conditions
    makes it visit the table for every candidate row)."""
    free = {"assigned": False} if free_only else {}
    branches = [TaskCandidate.objects.filter(username=actor.username, **free)] if actor.username else []
    for estate_id, groups in sorted(actor.groups.items()):
        if groups:
            branches.append(
                TaskCandidate.objects.filter(estate_id=estate_id, group__in=sorted(groups), **free)
            )
    if not branches:
        return TaskCandidate.objects.none().values("task_id")
    first, *rest = (branch.values("task_id") for branch in branches)
    return first.union(*rest, all=True) if rest else first


def task_inbox(*, actor: Actor, status: str = TaskStatus.OPEN) -> QuerySet[HumanTask]:
    """Open tasks the actor may act on: assigned to them, or offered to them or one of their groups."""
    if status == TaskStatus.COMPLETED:
        return (
            HumanTask.objects.select_related("assignee", "completed_by")
            .filter(status=TaskStatus.COMPLETED)
            .filter(Q(completed_by_id=actor.user_id) | Q(assignee_id=actor.user_id))
        )
    # an open task has no completer: joining the users table for it would only bring NULLs back
    return (
        HumanTask.objects.select_related("assignee")
        .filter(status=TaskStatus.OPEN)
        .filter(
            Q(assignee_id=actor.user_id)
            | Q(assignee__isnull=True, pk__in=_offered_task_ids(actor, free_only=True))
        )
    )


def task_inbox_count(*, actor: Actor, **filters) -> int:
    """How many open tasks `task_inbox(actor=actor).filter(**filters)` lists, counted as two disjoint parts:
    assigned to the actor (one range of an index on open tasks) and still offered to them, read from the
    candidate rows alone (they exist only for open tasks and know whether someone holds the task). Counting
    the inbox's own OR instead makes PostgreSQL test every open task against the offered ids. With filters on
    the task (process, business key, estate) the offered part is counted on the tasks."""
    open_tasks = HumanTask.objects.filter(status=TaskStatus.OPEN, **filters)
    mine = open_tasks.filter(assignee_id=actor.user_id).count() if actor.user_id else 0
    if "assignee_id" in filters:
        return mine
    offered = _offered_task_ids(actor, free_only=True)
    if filters:
        return mine + open_tasks.filter(assignee__isnull=True, pk__in=offered).count()
    if offered.query.combinator:  # several ways of being offered: a task offered twice counts once
        offered.query.combinator_all = False
    else:
        offered = offered.distinct()
    return mine + offered.count()


def task_visible(*, actor: Actor, estate_ids: set[int] | None) -> QuerySet[HumanTask]:
    """Tasks the actor may look at: any task of the estates where they work as staff, and tasks given to
    them by name (an owner's confirmation task). They may not act on all of them."""
    tasks = HumanTask.objects.select_related("assignee", "completed_by")
    if estate_ids is None:
        return tasks
    named = Q(assignee_id=actor.user_id) | Q(completed_by_id=actor.user_id)
    if actor.username:
        named |= Q(pk__in=TaskCandidate.objects.filter(username=actor.username).values("task_id"))
    return tasks.filter(Q(estate_id__in=estate_ids) | named)


def instance_list(*, estate_ids: set[int] | None) -> QuerySet[ProcessInstance]:
    queryset = ProcessInstance.objects.select_related("version").defer("state")
    return queryset if estate_ids is None else queryset.filter(estate_id__in=estate_ids)


def instance_history(*, instance: ProcessInstance) -> QuerySet[InstanceEvent]:
    return InstanceEvent.objects.filter(instance=instance).select_related("user").order_by("at", "id")


def definition_list() -> QuerySet[ProcessDefinition]:
    return ProcessDefinition.objects.prefetch_related("versions")


def escalation_task_keys(version_id: int) -> frozenset[str]:
    """User tasks a timer leads to (a boundary or intermediate timer, through gateways and service steps but
    not through another user task): the diagram's escalations, shown as such in inboxes and dashboards."""
    spec, subprocess_specs = spec_for(version_id)
    found: set[str] = set()
    for process_spec in (spec, *subprocess_specs.values()):
        for task_spec in process_spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if type(definition).__name__ not in TIMER_EVENT_TYPES:
                continue
            seen: set[str] = set()
            pending = list(task_spec.outputs)
            while pending:
                current = pending.pop()
                if current.name in seen:
                    continue
                seen.add(current.name)
                if current.manual:  # a user task: the escalation's work; do not look past it
                    found.add(current.bpmn_id or current.name)
                    continue
                pending.extend(current.outputs)
    return frozenset(found)


def instance_path(*, instance: ProcessInstance) -> dict[str, list[str]]:
    """The diagram elements an instance has passed (`done`) and where its tokens wait (`active`), by BPMN id,
    read from its saved state; for marking the diagram of the instance page."""
    if not instance.state:
        return {"done": [], "active": [], "incident": []}
    spec, subprocess_specs = spec_for(instance.version_id)
    workflow = load_state(instance.state, spec=spec, subprocess_specs=subprocess_specs)
    done: set[str] = set()
    active: set[str] = set()
    for task in workflow.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            done.add(bpmn_id)
        elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.ERROR):
            active.add(bpmn_id)
    incident = sorted(active) if instance.status == InstanceStatus.INCIDENT else []
    return {"done": sorted(done - active), "active": sorted(active), "incident": incident}


def open_task_figures(*, estate_ids: set[int] | None, now) -> dict:
    """Figures of the open tasks of some estates (None: every estate) for the managers' dashboard.

    Three aggregate queries, whatever the number of tasks: the totals per process (no join), the open tasks
    per (version, task key) to count the escalations (a task is one when a timer of its instance's version
    leads to it; the versions are few and their escalation keys cached with their specs), and the open tasks
    per candidate group, read from the candidate rows of the open tasks."""
    from django.db.models import Count

    tasks = HumanTask.objects.filter(status=TaskStatus.OPEN)
    candidates = TaskCandidate.objects.filter(task__status=TaskStatus.OPEN).exclude(group="")
    if estate_ids is not None:
        tasks = tasks.filter(estate_id__in=sorted(estate_ids))
        candidates = candidates.filter(estate_id__in=sorted(estate_ids))
    overdue = Q(due_at__lt=now)

    per_process = list(
        tasks.order_by()
        .values("process_key")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=overdue),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
        )
    )

    escalated = 0
    keys_of: dict[int, frozenset[str]] = {}
    by_version_key = (
        tasks.order_by().values_list("instance__version_id", "task_key").annotate(count=Count("id"))
    )
    for version_id, task_key, count in by_version_key:
        if version_id not in keys_of:
            keys_of[version_id] = escalation_task_keys(version_id)
        if task_key in keys_of[version_id]:
            escalated += count

    per_group = [
        {"group": row["group"], "open": row["open"], "overdue": row["overdue"]}
        for row in candidates.order_by()
        .values("group")
        .annotate(open=Count("task_id"), overdue=Count("task_id", filter=Q(task__due_at__lt=now)))
        .order_by("-open", "group")
    ]

    return {
        "open": sum(row["open"] for row in per_process),
        "overdue": sum(row["overdue"] for row in per_process),
        "escalated": escalated,
        "unassigned": sum(row["unassigned"] for row in per_process),
        "per_group": per_group,
        "per_process": [
            {"process_key": row["process_key"], "open": row["open"], "overdue": row["overdue"]}
            for row in sorted(per_process, key=lambda row: (-row["open"], row["process_key"]))
        ],
    }
