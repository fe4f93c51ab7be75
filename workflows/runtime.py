"""The live side of an instance: load it under a row lock, run the engine, save it in one UPDATE, and bring
the projections (human tasks, timers, message subscriptions) and the history up to date by difference.

Every change to an instance goes through `locked_run`, the one place that takes the lock and turns a
failing operation into an incident.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    MessageEventDefinition as BaseMessageEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.util.task import TaskState

from . import rows
from .choices import EventType, InstanceStatus, TaskStatus
from .definitions import spec_for
from .engine import expressions, timers
from .engine.script_engine import RestrictedScriptEngine
from .engine.serializer import dump_state, load_state
from .forms import form_schema
from .models import HumanTask, InstanceEvent, MessageSubscription, ProcessInstance, TaskCandidate

READY = TaskState.READY

TIMER_EVENT_TYPES = {"ClockDateTimer", "ClockDurationTimer", "ClockCycleTimer"}
SAVED_FIELDS = (
    "status",
    "state",
    "variables",
    "next_timer_at",
    "incident",
    "revision",
    "ended_at",
    "version",
)
# Of those, the plain values a step rarely changes: the UPDATE sets them only when they differ from the row
# as loaded (the row is locked, so it still holds what was loaded).
SCALAR_FIELDS = {
    "status": "status",
    "next_timer_at": "next_timer_at",
    "ended_at": "ended_at",
    "version": "version_id",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a user and the roles they hold per estate (None user: the system, e.g. a timer sweep)."""

    user: Any = None
    groups: dict[int, frozenset[str]] = field(default_factory=dict)
    is_superuser: bool = False

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)

    @property
    def username(self) -> str:
        return getattr(self.user, "username", "") or ""

    def has_group(self, estate_id: int, groups: set[str] | frozenset[str] | list[str]) -> bool:
        return self.is_superuser or bool(self.groups.get(estate_id, frozenset()) & set(groups))


SYSTEM = Actor(user=None, groups={}, is_superuser=True)


@dataclass(frozen=True)
class OperationContext:
    """What a registered operation learns about the step that calls it (ids, never engine objects)."""

    instance_id: int
    process_key: str
    business_key: str
    estate_id: int
    task_key: str
    actor_user_id: int | None
    now: dt.datetime


def variable_name(message_name: str) -> str:
    return re.sub(r"\W", "_", message_name).strip("_") or "message"


class Run:
    """One engine run on one instance row that the caller has locked."""

    def __init__(self, instance: ProcessInstance, *, actor: Actor, now: dt.datetime):
        self.instance = instance
        self.actor = actor
        self.now = now
        # History rows ({field: value}; a new task is named by a `rows.Ref`) and the step's other writes:
        # all sent by `save` in one round trip (rows.Writes).
        self.events: list[dict[str, Any]] = []
        self.writes = rows.Writes(ProcessInstance)
        spec, subprocess_specs = spec_for(instance.version_id)
        self.engine = RestrictedScriptEngine(
            now=lambda: self.now, context={"call_operation": self._call_operation}
        )
        if instance.state:
            self.workflow = load_state(instance.state, spec=spec, subprocess_specs=subprocess_specs)
            self.workflow.script_engine = self.engine
        else:
            self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.engine)
        # What the projections hold now: every save writes them from the state it saves, so the state just
        # loaded tells which tasks are open and which messages are awaited without asking the database.
        # `save` compares with these and touches only what changed.
        self._open_before = set(self._ready_user_tasks()) if instance.state else set()
        self._messages_before = self._waiting_messages() if instance.state else set()
        self._closed_here: set[str] = set()
        self._loaded = self._scalars() if instance.pk is not None else None

    # --- history -----------------------------------------------------------------------------------------

    def event(
        self,
        type_: str,
        *,
        task: HumanTask | int | rows.Ref | None = None,
        task_key: str = "",
        data: Any = None,
        user=...,
    ) -> None:
        """A history row, written by `save` (events of one step keep the order they were recorded in).
        `task`: a saved task (or its id), or a `rows.Ref` to a task this step creates."""
        if isinstance(task, HumanTask):
            task_key = task_key or task.task_key
            task = task.pk
        self.events.append(
            {
                "at": self.now,
                "type": type_,
                "task": task,
                "task_key": task_key,
                "user": self.actor.user_id if user is ... else getattr(user, "pk", None),
                "data": data,
            }
        )

    # --- engine ------------------------------------------------------------------------------------------

    def _call_operation(self, operation, task, arguments: dict[str, Any]) -> dict[str, Any] | None:
        context = OperationContext(
            instance_id=self.instance.pk,
            process_key=self.instance.process_key,
            business_key=self.instance.business_key,
            estate_id=self.instance.estate_id,
            task_key=task.task_spec.bpmn_id or task.task_spec.name,
            actor_user_id=self.actor.user_id,
            now=self.now,
        )
        self.writes.send()  # the operation sees the step's writes so far, as if each had been sent at once
        with transaction.atomic():  # a failing operation leaves none of its writes behind
            result = operation.handler(context=context, **arguments)
        if result is not None and not isinstance(result, dict):
            raise TypeError(f"operation {operation.name} must return a dict or None")
        return result

    def _waiting_definitions(self) -> Iterator[tuple[Any, Any]]:
        """(task, event definition) for every catch event waiting now; an event-based gateway waits on
        several definitions at once (a MultipleEventDefinition)."""
        for task in list(self.workflow.event_manager.tasks.values()):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, MultipleEventDefinition):
                for inner in definition.event_definitions:
                    yield task, inner
            elif definition is not None:
                yield task, definition

    def _waiting_timers(self) -> dict[str, str]:
        found = {}
        for task, definition in self._waiting_definitions():
            if type(definition).__name__ not in TIMER_EVENT_TYPES:
                continue
            value = task._get_internal_data("event_value")
            if isinstance(value, dict):
                value = value.get("next") if value.get("cycles") != 0 else None
            if isinstance(value, str):
                found[f"{task.task_spec.bpmn_id}:{definition.name}"] = value
        return found

    def _waiting_messages(self) -> set[str]:
        return {
            definition.name
            for _task, definition in self._waiting_definitions()
            if isinstance(definition, BaseMessageEventDefinition) and definition.name
        }

    def advance(self) -> None:
        """Fire due timers and run every engine task that can run; an error becomes an incident."""
        before = self._waiting_timers()
        try:
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps()
        except Exception as exc:  # noqa: BLE001 - every engine or operation failure is an incident
            self.mark_incident(exc)
            return
        after = self._waiting_timers()
        for name, due in before.items():
            if after.get(name) != due and dt.datetime.fromisoformat(due) <= self.now:
                self.event(
                    EventType.TIMER_FIRED, task_key=name.split(":", 1)[0], data={"due": due}, user=None
                )

    def mark_incident(self, exc: BaseException) -> None:
        failing = next(iter(self.workflow.get_tasks(state=TaskState.ERROR)), None)
        task_key = failing.task_spec.bpmn_id if failing is not None else ""
        self.instance.status = InstanceStatus.INCIDENT
        self.instance.incident = {
            "error": str(exc)[:2000],
            "type": type(exc).__name__,
            "task": task_key,
            "at": self.now.isoformat(),
        }
        self.event(EventType.ERROR, task_key=task_key or "", data=self.instance.incident)

    def reset_errors(self) -> None:
        """Put tasks that failed back to READY so the next advance runs them again (retry)."""
        for task in self.workflow.get_tasks(state=TaskState.ERROR):
            task._set_state(TaskState.READY)

    def complete_task(self, human_task: HumanTask, data: dict[str, Any]) -> None:
        """Run the engine task; the caller closes the projection row (it is no longer open)."""
        task = self.workflow.get_task_from_id(UUID(human_task.engine_task_id))
        task.data.update(data)
        task.run()
        self._closed_here.add(human_task.engine_task_id)

    def deliver_message(self, name: str, payload: dict[str, Any]) -> bool:
        """Hand a message to the tasks waiting for it; its payload lands in the variable named like the
        message (`owner_confirmed.satisfied`). Returns whether anything caught it."""
        variable = variable_name(name)
        definitions = {
            type(d) for _task, d in self._waiting_definitions() if getattr(d, "name", None) == name
        }
        caught = 0
        for definition_class in definitions:
            if issubclass(
                definition_class, MessageEventDefinition
            ):  # the Camunda flavour: payload + result_var
                event = BpmnEvent(
                    definition_class(name), payload={"payload": payload, "result_var": variable}
                )
            else:  # the plain BPMN flavour (receive tasks) merges its payload into the task data
                event = BpmnEvent(definition_class(name), payload={variable: payload})
            caught += self.workflow.event_manager.catch(event, internal=False)
        return caught > 0

    def cancel(self) -> None:
        self.workflow.cancel()

    # --- saving ------------------------------------------------------------------------------------------

    def _variables(self) -> dict[str, Any]:
        if self.workflow.is_completed():
            data = dict(self.workflow.data)
            if not data and self.workflow.last_task is not None:
                data = dict(self.workflow.last_task.data)
            return data
        if self.workflow.last_task is not None:
            return dict(self.workflow.last_task.data)
        return {}

    def save(self) -> None:
        """Write the step: the instance row (one UPDATE), the projections by difference, the history — all
        in one round trip on PostgreSQL (rows.Writes), with the writes the caller queued in `writes`."""
        instance = self.instance
        if instance.status not in (InstanceStatus.INCIDENT, InstanceStatus.CANCELLED):
            if self.workflow.is_completed():
                instance.status = InstanceStatus.COMPLETED
                instance.ended_at = self.now
                self.event(EventType.ENDED, user=None)
            else:
                instance.status = InstanceStatus.RUNNING
        instance.state = dump_state(self.workflow)
        instance.variables = _json_safe(self._variables())
        timers_due = [dt.datetime.fromisoformat(v) for v in self._waiting_timers().values()]
        finished = instance.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED)
        instance.next_timer_at = None if finished or not timers_due else min(timers_due)
        instance.revision += 1
        if instance.pk is None:
            instance.save()
        else:
            scalars, loaded = self._scalars(), self._loaded
            fields = [
                name
                for name in SAVED_FIELDS
                if name not in SCALAR_FIELDS or loaded is None or scalars[name] != loaded[name]
            ]
            self.writes.update(instance, fields)  # the one UPDATE of the step
        self._loaded = self._scalars()
        self._sync_subscriptions(finished)
        self._sync_tasks(finished)
        if self.events:
            for event in self.events:
                event["instance"] = instance.pk
            self.writes.insert(InstanceEvent, self.events)
            self.events = []
        self.writes.send()

    def _scalars(self) -> dict[str, Any]:
        return {name: getattr(self.instance, attname) for name, attname in SCALAR_FIELDS.items()}

    def _sync_subscriptions(self, finished: bool) -> None:
        wanted = set()
        if not finished:
            wanted = self._waiting_messages()
        if wanted == self._messages_before:  # the rows already say this (the usual step): no query
            return
        self._messages_before = wanted
        existing = dict(
            MessageSubscription.objects.filter(instance=self.instance).values_list("message_name", "id")
        )
        stale = [pk for name, pk in existing.items() if name not in wanted]
        if stale:
            MessageSubscription.objects.filter(pk__in=stale).delete()
        new = wanted - set(existing)
        if new:
            MessageSubscription.objects.bulk_create(
                [
                    MessageSubscription(
                        instance=self.instance, message_name=name, business_key=self.instance.business_key
                    )
                    for name in sorted(new)
                ]
            )

    def _ready_user_tasks(self) -> dict[str, Any]:
        """Engine task id -> task, for every user task waiting for a person now, in the engine's order."""
        found = [
            task
            for workflow in (self.workflow, *self.workflow.subprocesses.values())
            for task in workflow.tasks.values()
            if task.state == READY and isinstance(task.task_spec, UserTask)
        ]
        if len(found) > 1:  # several: the engine's tree order (what get_tasks gives), for ids and history
            found = [
                task
                for task in self.workflow.get_tasks(state=READY, manual=True)
                if isinstance(task.task_spec, UserTask)
            ]
        return {str(task.id): task for task in found}

    def _sync_tasks(self, finished: bool) -> None:
        """Bring the open rows in line with the engine by difference. The open rows are the ready user
        tasks of the state loaded (less the one completed in this step), so only rows that must close are
        read, and only new tasks are written: each with its candidates and its history row, in the step's
        one round trip (a new task's id is not known before; rows.Ref names it)."""
        ready = {} if finished else self._ready_user_tasks()
        open_ids = self._open_before - self._closed_here
        closing = open_ids - set(ready)
        if closing:  # close them and learn their ids in one statement
            marks = ", ".join(["%s"] * len(closing))
            gone = rows.update_returning(
                HumanTask,
                {"status": TaskStatus.CANCELLED, "completed_at": self.now},
                f"instance_id = %s AND status = %s AND engine_task_id IN ({marks})",
                [self.instance.pk, TaskStatus.OPEN, *sorted(closing)],
                returning=("id", "task_key"),
            )
            self.writes.delete_in(TaskCandidate, "task", [pk for pk, _key in gone])
            for pk, task_key in sorted(gone, reverse=True):  # newest first, as the rows' default order
                self.event(EventType.CANCELLED, task=pk, task_key=task_key, user=None)
        self._open_before, self._closed_here = set(ready), set()  # what the rows say after this save
        new_ids = [engine_id for engine_id in ready if engine_id not in open_ids]
        if not new_ids:
            return
        instance = self.instance
        tasks, candidates = [], []  # each new task's candidates and history row name it with a subquery
        for engine_id in new_ids:
            row, groups, users = self._project(ready[engine_id])
            tasks.append(row)
            ref = rows.Ref(HumanTask, instance=instance.pk, engine_task_id=engine_id)
            assigned = row["assignee"] is not None
            candidates += [
                {"task": ref, "estate": instance.estate_id, "group": g, "assigned": assigned} for g in groups
            ]
            candidates += [
                {"task": ref, "estate": instance.estate_id, "username": u, "assigned": assigned}
                for u in users
            ]
            self.event(
                EventType.TASK_CREATED,
                task=ref,
                task_key=row["task_key"],
                user=None,
                data={"assignee": row["assignee"], "candidate_groups": groups, "candidate_users": users},
            )
        self.writes.insert(HumanTask, tasks)
        self.writes.insert(TaskCandidate, candidates)

    def _resolve(self, text: str, variables: dict, *, task_key: str = "") -> Any:
        """An assignment attribute's value. A failing expression leaves the attribute empty (a manager can
        still assign the task) and says why in the history, rather than stopping the process."""
        text = (text or "").strip()
        if text.startswith(("${", "#{")) and text.endswith("}"):
            try:
                return expressions.evaluate(text, variables)
            except expressions.ExpressionError as exc:
                self.event(
                    EventType.ERROR,
                    task_key=task_key,
                    data={"expression": text, "error": str(exc)},
                    user=None,
                )
                return ""
        return text

    def _project(self, task) -> tuple[dict[str, Any], list[str], list[str]]:
        """The task's projection row ({field: value}) and its candidate groups and users."""
        spec = task.task_spec
        ext = spec.extensions or {}
        variables = dict(task.data)
        key = spec.bpmn_id
        groups = _split(self._resolve(ext.get("candidate_groups", ""), variables, task_key=key))
        users = _split(self._resolve(ext.get("candidate_users", ""), variables, task_key=key))
        assignee_name = self._resolve(ext.get("assignee", ""), variables, task_key=key)
        if not groups and not users and not assignee_name and spec.lane:
            groups = [spec.lane]
        assignee = None
        if assignee_name:
            assignee = (
                get_user_model()
                .objects.filter(username=str(assignee_name), is_active=True)
                .values_list("pk", flat=True)
                .first()
            )
        due_at = None
        if ext.get("due_date"):
            try:
                due_at = timers.parse_due_date(ext["due_date"], variables=variables, now=self.now)
            except expressions.ExpressionError as exc:
                self.event(
                    EventType.ERROR,
                    task_key=key,
                    data={"due_date": ext["due_date"], "error": str(exc)},
                    user=None,
                )
        priority_value = self._resolve(ext.get("priority", ""), variables, task_key=key)
        try:
            priority = int(priority_value) if priority_value not in ("", None) else 50
        except (TypeError, ValueError):
            priority = 50
        instance = self.instance
        row = {
            "instance": instance.pk,
            "estate": instance.estate_id,
            "process_key": instance.process_key,
            "business_key": instance.business_key,
            "engine_task_id": str(task.id),
            "task_key": key,
            "name": spec.bpmn_name or key,
            "assignee": assignee,
            "candidate_groups": groups,
            "candidate_users": users,
            "due_at": due_at,
            "priority": priority,
            "form": _form_schema(spec),
            "created_at": self.now,
        }
        return row, groups, users


def _form_schema(spec) -> dict[str, Any]:
    """The task spec's form as clients get it; specs never change, so it is built once per spec (and
    only ever serialized, never changed)."""
    schema = spec.__dict__.get("_pm_form_schema")
    if schema is None:
        schema = spec._pm_form_schema = form_schema(getattr(spec, "form", None))
    return schema


def _split(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    safe = {}
    for key, value in data.items():
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        safe[key] = value
    return safe


@contextmanager
def locked_run(instance_id: int, *, actor: Actor, now: dt.datetime | None = None) -> Iterator[Run]:
    """Lock the instance row, hand a Run to the caller, then advance and save — all in one transaction."""
    with transaction.atomic():
        instance = ProcessInstance.objects.select_for_update().get(pk=instance_id)
        run = Run(instance, actor=actor, now=now or timezone.now())
        yield run
        run.save()


def new_run(instance: ProcessInstance, *, actor: Actor, now: dt.datetime) -> Run:
    return Run(instance, actor=actor, now=now)


RunCallback = Callable[[Run], None]
