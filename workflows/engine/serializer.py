"""Engine state to JSON and back, without the process spec.

The spec of a version is parsed once per process (cached); instance rows hold only the workflow state, so
a step reads and writes a few kilobytes and never re-parses XML.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.spec import TaskSpecConverter
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG

from .specs import ClockCycleTimer, ClockDateTimer, ClockDurationTimer, OperationTask


class OperationTaskConverter(TaskSpecConverter):
    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct["operation"] = spec.operation
        dct["parameters"] = spec.parameters
        return dct

    def from_dict(self, dct):
        return self.task_spec_from_dict(dct)


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Writes no spec; reads the spec objects the loader puts under `_spec` / `_subprocess_specs`."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec = dct.pop("_spec")
        subprocess_specs = dct.pop("_subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _config() -> dict:
    config = dict(CAMUNDA_CONFIG)
    timer_converter = config[DurationTimerEventDefinition]
    for stock in (TimeDateEventDefinition, DurationTimerEventDefinition, CycleTimerEventDefinition):
        config.pop(stock, None)
    config[ClockDateTimer] = timer_converter
    config[ClockDurationTimer] = timer_converter
    config[ClockCycleTimer] = timer_converter
    config[OperationTask] = OperationTaskConverter
    return config


@lru_cache(maxsize=1)
def spec_serializer() -> BpmnWorkflowSerializer:
    """Full serializer (specs included): used once per version to turn specs into cacheable dicts."""
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config()))


@lru_cache(maxsize=1)
def state_serializer() -> BpmnWorkflowSerializer:
    config = _config()
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def dump_state(workflow: BpmnWorkflow) -> dict:
    return state_serializer().to_dict(workflow)


def _tree_ordered(tasks: dict, root: str) -> dict:
    """Tasks parents-first. Task data is stored as deltas over the parent, so parents must load first;
    PostgreSQL's JSONB does not keep key order."""
    ordered: dict = {}
    queue = [root]
    while queue:
        task_id = queue.pop(0)
        if task_id in ordered or task_id not in tasks:
            continue
        ordered[task_id] = tasks[task_id]
        queue.extend(tasks[task_id].get("children", []))
    for task_id, task in tasks.items():  # anything unreachable keeps its place at the end
        ordered.setdefault(task_id, task)
    return ordered


def _ordered_state(dct: dict) -> dict:
    dct = dict(dct)
    dct["tasks"] = _tree_ordered(dct["tasks"], dct["root"])
    subprocesses = dct.get("subprocesses") or {}
    dct["subprocesses"] = {key: _ordered_state(value) for key, value in subprocesses.items()}
    return dct


def load_state(state: dict, *, spec, subprocess_specs: dict) -> BpmnWorkflow:
    dct = _ordered_state(state)
    dct["_spec"] = spec
    dct["_subprocess_specs"] = subprocess_specs
    return state_serializer().from_dict(dct)
