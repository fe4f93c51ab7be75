"""Task specs and timer definitions that replace SpiffWorkflow's defaults where we need different behaviour.

- `OperationTask`: a service task that calls a registered operation (never arbitrary code).
- Timer definitions that ask the workflow's clock for "now", so `process_timers --now` and tests can move
  time, and that resolve modeler syntax (`PT30M`, `R3/PT10M`, `${due}`) with the restricted evaluator.
"""

from __future__ import annotations

import datetime as dt

from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from . import timers
from .script_engine import json_native


def _now(task) -> dt.datetime:
    return task.workflow.script_engine.now()


class OperationTask(ServiceTask):
    """`<bpmn:serviceTask camunda:type="external" camunda:topic="OPERATION">` with camunda input parameters."""

    def __init__(self, wf_spec, bpmn_id, operation: str = "", parameters: dict | None = None, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.operation = operation
        self.parameters = parameters or {}

    def _execute(self, task):
        result = task.workflow.script_engine.call_operation(task, self.operation, self.parameters)
        if result:
            task.data.update(json_native(result))
        return True


class ClockDateTimer(TimeDateEventDefinition):
    def has_fired(self, my_task):
        value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if value is None:
            value = timers.due_at("date", self.expression, variables=my_task.data, now=now).isoformat()
            my_task._set_internal_data(event_value=value)
        if dt.datetime.fromisoformat(value) <= now:
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimer(DurationTimerEventDefinition):
    def has_fired(self, my_task):
        value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if value is None:
            value = timers.due_at("duration", self.expression, variables=my_task.data, now=now).isoformat()
            my_task._set_internal_data(event_value=value)
        if dt.datetime.fromisoformat(value) <= now:
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycleTimer(CycleTimerEventDefinition):
    """`R3/PT10M`: fires every interval, a number of times (or forever for `R/...`)."""

    def cycle_complete(self, my_task):
        value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if value is None:
            repetitions, start, interval = timers.cycle(self.expression, variables=my_task.data, now=now)
            first = start or now + interval
            value = {
                "cycles": -1 if repetitions is None else repetitions,
                "next": first.isoformat(),
                "duration": interval.total_seconds(),
            }
        ready = False
        if value["cycles"] != 0:
            next_at = dt.datetime.fromisoformat(value["next"])
            if next_at <= now:
                value["next"] = (next_at + dt.timedelta(seconds=value["duration"])).isoformat()
                value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=value)
        return ready

    def update_task(self, my_task):
        if self.cycle_complete(my_task):
            for output in my_task.task_spec.outputs:
                child = my_task._add_child(output, TaskState.FUTURE)
                child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
                child.task_spec._update(child)
