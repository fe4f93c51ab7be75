"""Read-only queries of the engine: inboxes, instances, definitions."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .choices import TaskStatus
from .models import HumanTask, InstanceEvent, ProcessDefinition, ProcessInstance, TaskCandidate
from .runtime import Actor


def _offered_task_ids(actor: Actor) -> QuerySet:
    """Ids of the tasks offered to the actor by name or to one of their roles in an estate.

    One SELECT per way of being offered, joined by UNION ALL: each is a range of one candidate index that
    holds the task id, so PostgreSQL reads the ids from the indexes alone (an OR of the same conditions
    makes it visit the table for every candidate row)."""
    branches = [TaskCandidate.objects.filter(username=actor.username)] if actor.username else []
    for estate_id, groups in sorted(actor.groups.items()):
        if groups:
            branches.append(TaskCandidate.objects.filter(estate_id=estate_id, group__in=sorted(groups)))
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
        .filter(Q(assignee_id=actor.user_id) | Q(assignee__isnull=True, pk__in=_offered_task_ids(actor)))
    )


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
