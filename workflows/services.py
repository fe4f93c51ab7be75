"""Process-engine actions: start, claim, release, assign, complete, comment, deliver messages, fire timers,
cancel, retry, migrate. Each takes an `Actor` (the user and their roles per estate, built by the caller)
because `workflows` knows nothing of how accounts store roles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from backoffice.core.errors import Conflict, Forbidden, NotFound, RuleRefused, ValidationFailed

from . import rows
from .choices import EventType, InstanceStatus, TaskStatus
from .definitions import latest_version, spec_for
from .engine.serializer import spec_serializer
from .forms import form_clean
from .models import (
    HumanTask,
    InstanceEvent,
    MessageSubscription,
    ProcessInstance,
    StartMessage,
    TaskCandidate,
    TaskComment,
)
from .runtime import SYSTEM, Actor, Run, locked_run

MANAGER_GROUPS = frozenset({"admin", "manager"})
ASSIGNER_GROUPS = frozenset({"admin", "manager", "dispatcher"})
INSTANCE_OF_TASK = "id = (SELECT instance_id FROM workflows_humantask WHERE id = %s)"  # for rows.get_locked


def _validate_variables(variables: Any) -> dict[str, Any]:
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ValidationFailed.for_field("variables", _("Send variables as an object."))
    bad = [
        k
        for k in variables
        if not isinstance(k, str) or not k[:1].isalpha() or not k.replace("_", "").isalnum()
    ]
    if bad:
        raise ValidationFailed.for_field(
            "variables", _("Invalid variable names: %(names)s") % {"names": ", ".join(map(str, bad))}
        )
    return variables


@transaction.atomic
def instance_start(
    *,
    actor: Actor,
    process_key: str,
    estate_id: int,
    business_key: str = "",
    variables: dict | None = None,
    now: dt.datetime | None = None,
    start_message: tuple[str, dict] | None = None,
) -> ProcessInstance:
    """Start the latest version of a process in an estate and run it to its first wait.

    `start_message` (name, payload) starts a process whose start event waits for that message."""
    variables = _validate_variables(variables)
    version = latest_version(process_key)
    if version is None:
        raise ValidationFailed.for_field(
            "process_key", _("No process with this key is deployed."), code="unknown_process"
        )
    now = now or timezone.now()
    instance = ProcessInstance(
        version=version,
        process_key=process_key,
        estate_id=estate_id,
        business_key=business_key or "",
        started_by=actor.user if actor.user_id else None,
    )
    run = Run(instance, actor=actor, now=now)
    start = run.workflow.task_tree
    for task in run.workflow.get_tasks():
        if task.task_spec.name == "Start" or task is start:
            task.data.update(variables)
    run.workflow.task_tree.data.update(variables)
    run.event(EventType.STARTED, data={"variables": variables, "version": version.version})
    instance.save()
    if start_message is not None:
        run.workflow.do_engine_steps()  # reach the message start event, then hand it the message
        run.deliver_message(*start_message)
        run.event(EventType.MESSAGE, task_key=start_message[0], data={"payload": start_message[1]})
    run.advance()
    run.save()
    return instance


def _lock_task(task_id: int) -> tuple[HumanTask, ProcessInstance]:
    """Lock the instance first, then the task: one lock order everywhere, so no deadlocks. Both SELECTs go
    in one round trip on PostgreSQL; the second starts once the first holds its lock (rows.get_locked_many)."""
    instance, task = rows.get_locked_many(
        [(ProcessInstance, INSTANCE_OF_TASK, [task_id]), (HumanTask, "id = %s", [task_id])]
    )
    if instance is None or task is None:
        raise NotFound(_("No such task."))
    return task, instance


def may_act_on(actor: Actor, task: HumanTask) -> bool:
    """Whether the actor may claim or complete the task: its assignee, or a candidate while unassigned."""
    if task.assignee_id is not None:
        return task.assignee_id == actor.user_id
    if actor.is_superuser:
        return True
    if actor.username and actor.username in task.candidate_users:
        return True
    return actor.has_group(task.estate_id, task.candidate_groups)


def _check_open(task: HumanTask) -> None:
    if task.status != TaskStatus.OPEN:
        raise Conflict(
            _("The task is already %(status)s.") % {"status": task.get_status_display()}, code="task_not_open"
        )


def _save_assignment(task: HumanTask) -> None:
    """Save who holds the task, and mark its candidate rows as taken or free again (the inbox count reads them)."""
    task.save(update_fields=["assignee", "claimed_at"])
    TaskCandidate.objects.filter(task_id=task.pk).update(assigned=task.assignee_id is not None)


@transaction.atomic
def task_claim(*, actor: Actor, task_id: int, now: dt.datetime | None = None) -> HumanTask:
    task, instance = _lock_task(task_id)
    _check_open(task)
    if task.assignee_id is not None and task.assignee_id != actor.user_id:
        raise Conflict(_("Another user holds this task."), code="already_claimed")
    if task.assignee_id == actor.user_id:
        return task
    if not may_act_on(actor, task):
        raise Forbidden(_("This task is not offered to you."))
    task.assignee_id = actor.user_id
    task.claimed_at = now or timezone.now()
    _save_assignment(task)
    _record(instance, actor, EventType.CLAIMED, task, now=task.claimed_at)
    return task


@transaction.atomic
def task_unclaim(*, actor: Actor, task_id: int, now: dt.datetime | None = None) -> HumanTask:
    task, instance = _lock_task(task_id)
    _check_open(task)
    if task.assignee_id is None:
        return task
    if task.assignee_id != actor.user_id and not actor.has_group(task.estate_id, MANAGER_GROUPS):
        raise Conflict(_("Another user holds this task."), code="already_claimed")
    task.assignee_id = None
    task.claimed_at = None
    _save_assignment(task)
    _record(instance, actor, EventType.UNCLAIMED, task, now=now)
    return task


@transaction.atomic
def task_assign(*, actor: Actor, task_id: int, username: str, now: dt.datetime | None = None) -> HumanTask:
    task, instance = _lock_task(task_id)
    _check_open(task)
    if not actor.has_group(task.estate_id, ASSIGNER_GROUPS):
        raise Forbidden(_("Only managers and dispatchers assign tasks."))
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed.for_field("user", _("No active user with this username."), code="unknown_user")
    task.assignee = user
    task.claimed_at = now or timezone.now()
    _save_assignment(task)
    _record(instance, actor, EventType.ASSIGNED, task, data={"user": username}, now=task.claimed_at)
    return task


def task_complete(*, actor: Actor, task_id: int, data: Any, now: dt.datetime | None = None) -> HumanTask:
    """Validate against the task's form and advance the instance; exactly one of two racing completes wins."""
    with transaction.atomic():
        task, instance = _lock_task(task_id)
        _check_open(task)
        if not may_act_on(actor, task):
            raise Forbidden(_("This task is not yours to complete."))
        cleaned = form_clean(task.form, data if data is not None else {})
        if instance.status != InstanceStatus.RUNNING:
            raise Conflict(
                _("The process is %(status)s.") % {"status": instance.get_status_display()},
                code="instance_not_running",
            )
        now = now or timezone.now()
        run = Run(instance, actor=actor, now=now)
        run.complete_task(task, cleaned)
        task.status = TaskStatus.COMPLETED
        task.completed_at = now
        task.completed_by_id = actor.user_id
        task.data = cleaned
        if task.assignee_id is None:
            task.assignee_id = actor.user_id
        # written with the step's other writes by run.save(), in one round trip
        run.writes.update(task, ["status", "completed_at", "completed_by", "data", "assignee"])
        run.writes.delete_in(TaskCandidate, "task", [task.pk])
        run.event(EventType.COMPLETED, task=task, data=cleaned)
        run.advance()
        run.save()
    return task


@transaction.atomic
def task_comment_add(*, actor: Actor, task_id: int, text: str) -> TaskComment:
    task = HumanTask.objects.filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("No such task."))
    text = (text or "").strip()
    if not text:
        raise ValidationFailed.for_field("text", _("Write something."), code="required")
    comment = TaskComment.objects.create(task=task, author_id=actor.user_id, text=text[:5000])
    _record(task.instance, actor, EventType.COMMENT, task, data={"text": text[:200]})
    return comment


def _record(instance, actor: Actor, type_: str, task: HumanTask | None, *, data=None, now=None) -> None:
    InstanceEvent.objects.create(
        instance=instance,
        at=now or timezone.now(),
        type=type_,
        task=task,
        task_key=task.task_key if task else "",
        user_id=actor.user_id,
        data=data,
    )


def message_deliver(
    *,
    actor: Actor,
    name: str,
    business_key: str,
    payload: Any,
    estate_ids: set[int] | None,
    start_estate_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[int]:
    """Deliver to every instance (in the caller's estates) waiting for `name` with `business_key`, and
    start every process whose latest version begins with that message (in `start_estate_id`)."""
    if not isinstance(payload, dict | type(None)):
        raise ValidationFailed.for_field("payload", _("Send the payload as an object."))
    payload = _validate_variables(payload or {})
    subscriptions = MessageSubscription.objects.filter(message_name=name, business_key=business_key or "")
    if estate_ids is not None:
        subscriptions = subscriptions.filter(instance__estate_id__in=estate_ids)
    delivered = []
    for instance_id in sorted(set(subscriptions.values_list("instance_id", flat=True))):
        with locked_run(instance_id, actor=actor, now=now) as run:
            if run.instance.status != InstanceStatus.RUNNING:
                continue
            if not run.deliver_message(name, payload):
                continue
            run.event(EventType.MESSAGE, task_key=name, data={"payload": payload})
            run.advance()
        delivered.append(instance_id)
    starters = StartMessage.objects.filter(
        message_name=name, version__version=F("version__definition__latest_version")
    ).select_related("version__definition")
    for starter in starters:
        if start_estate_id is None:
            raise ValidationFailed.for_field(
                "estate", _("This message starts a process: say in which estate."), code="required"
            )
        instance = instance_start(
            actor=actor,
            process_key=starter.version.definition.key,
            estate_id=start_estate_id,
            business_key=business_key,
            variables={},
            now=now,
            start_message=(name, payload),
        )
        delivered.append(instance.pk)
    return delivered


def timers_fire_due(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Fire every timer due at `now` (the sweep behind `process_timers` and the Prefect flow).

    Each instance is its own transaction; on PostgreSQL, rows locked by another sweeper are skipped, so
    several sweepers can run at once.
    """
    now = now or timezone.now()
    fired = 0
    last_id = 0
    while True:
        ids = list(
            ProcessInstance.objects.filter(
                status=InstanceStatus.RUNNING, next_timer_at__lte=now, pk__gt=last_id
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return fired
        for instance_id in ids:
            last_id = instance_id
            with transaction.atomic():
                locked = rows.get_locked(
                    ProcessInstance,
                    "id = %s AND status = %s AND next_timer_at <= %s",
                    [instance_id, InstanceStatus.RUNNING, rows.prep(ProcessInstance, "next_timer_at", now)],
                    skip_locked=True,
                )
                if locked is None:
                    continue
                run = Run(locked, actor=SYSTEM, now=now)
                run.advance()
                run.save()
                fired += 1


def _manager_check(actor: Actor, instance: ProcessInstance) -> None:
    if not actor.has_group(instance.estate_id, MANAGER_GROUPS):
        raise Forbidden(_("Only managers may do this."))


def instance_cancel(*, actor: Actor, instance_id: int, now: dt.datetime | None = None) -> ProcessInstance:
    with locked_run(instance_id, actor=actor, now=now) as run:
        _manager_check(actor, run.instance)
        if run.instance.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
            raise Conflict(_("The process has already ended."), code="instance_ended")
        run.cancel()
        run.instance.status = InstanceStatus.CANCELLED
        run.instance.ended_at = run.now
        run.event(EventType.CANCELLED)
    return run.instance


def instance_retry(*, actor: Actor, instance_id: int, now: dt.datetime | None = None) -> ProcessInstance:
    with locked_run(instance_id, actor=actor, now=now) as run:
        _manager_check(actor, run.instance)
        if run.instance.status != InstanceStatus.INCIDENT:
            raise Conflict(_("Only an instance in incident can be retried."), code="not_in_incident")
        run.event(EventType.RETRIED, data=run.instance.incident)
        run.instance.status = InstanceStatus.RUNNING
        run.instance.incident = None
        run.reset_errors()
        run.advance()
    return run.instance


def instance_migrate(*, actor: Actor, instance_id: int, now: dt.datetime | None = None) -> ProcessInstance:
    """Move a running instance to the latest version when SpiffWorkflow's diff says it is safe."""
    with locked_run(instance_id, actor=actor, now=now) as run:
        _manager_check(actor, run.instance)
        if run.instance.status not in (InstanceStatus.RUNNING, InstanceStatus.INCIDENT):
            raise Conflict(_("Only a running instance can be migrated."), code="instance_ended")
        target = latest_version(run.instance.process_key)
        if target is None or target.pk == run.instance.version_id:
            raise RuleRefused(_("The instance already runs on the latest version."), code="already_latest")
        spec, subprocess_specs = spec_for(target.pk)
        diff, sp_diffs = diff_workflow(spec_serializer().registry, run.workflow, spec, subprocess_specs)
        if _migration_unsafe(diff) or any(_migration_unsafe(d) for d in sp_diffs.values()):
            raise RuleRefused(
                _("Migration is not safe: tasks that have run or are waiting changed or were removed."),
                code="migration_unsafe",
            )
        migrate_workflow(diff, run.workflow, spec)
        previous = run.instance.version.version
        run.instance.version = target
        run.event(EventType.MIGRATED, data={"from": previous, "to": target.version})
        run.advance()
    return run.instance


def _migration_unsafe(diff) -> bool:
    """Unsafe when a task that runs or waits now has no counterpart with the same id in the new version.

    Finished tasks may change (they are history); open ones may change their attributes (a new candidate
    group, a new label), but not disappear or become another element.
    """
    if diff is None:
        return True
    live = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
    for task in diff.removed:
        if task.state & live:
            return True
    for task, new_spec in diff.alignment.items():
        if task.state & live and getattr(new_spec, "bpmn_id", None) != getattr(
            task.task_spec, "bpmn_id", None
        ):
            return True
    return False


def start_for_domain(
    *, process_key: str, estate_id: int, business_key: str, variables: dict, actor: Any
) -> int:
    """What domain services call through `backoffice.core.processes`: start and return the instance id.

    The actor is a user (or None); the engine's start needs no roles, the domain already checked them."""
    instance = instance_start(
        actor=Actor(user=actor) if getattr(actor, "pk", None) else SYSTEM,
        process_key=process_key,
        estate_id=estate_id,
        business_key=business_key,
        variables=variables,
    )
    return instance.pk
