"""Parsing diagrams as bpmn.io / Camunda Modeler write them.

SpiffWorkflow's CamundaParser reads forms and properties but not the task-assignment attributes; this
parser adds `candidateGroups`, `candidateUsers`, `assignee`, `dueDate` and `priority` (kept in the task
spec's `extensions`, which the serializer already carries), the task's lane, external service tasks
(`camunda:topic` names a registered operation) and timers that use the workflow's clock.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import first, full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaIntermediateCatchEventParser,
    CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, UserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from .specs import ClockCycleTimer, ClockDateTimer, ClockDurationTimer, OperationTask

CAMUNDA = f"{{{CAMUNDA_MODEL_NS}}}"
ASSIGNMENT_ATTRIBUTES = {
    "candidateGroups": "candidate_groups",
    "candidateUsers": "candidate_users",
    "assignee": "assignee",
    "dueDate": "due_date",
    "priority": "priority",
    "followUpDate": "follow_up_date",
}


class HumanTaskParser(UserTaskParser):
    """Keeps the assignment attributes with the task's camunda properties (`task_spec.extensions`)."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        for attribute, key in ASSIGNMENT_ATTRIBUTES.items():
            value = self.node.get(CAMUNDA + attribute)
            if value:
                extensions[key] = value.strip()
        return extensions


class OperationTaskParser(TaskParser):
    """External service tasks: `camunda:topic` is the operation; input parameters are its arguments."""

    def create_task(self):
        operation = self.node.get(CAMUNDA + "topic") or self.node.get(CAMUNDA + "expression") or ""
        inputs = {}
        for parameter in self.xpath(".//camunda:inputOutput/camunda:inputParameter"):
            inputs[parameter.get("name")] = (parameter.text or "").strip()
        return self.spec_class(
            self.spec, self.bpmn_id, operation=operation.strip(), parameters=inputs, **self.bpmn_attributes
        )


class ClockTimerMixin:
    def parse_timer_event(self, event):
        description = self.get_event_description(event)
        name = self.node.get("name", self.node.get("id"))
        for tag, cls in (
            ("timeDate", ClockDateTimer),
            ("timeDuration", ClockDurationTimer),
            ("timeCycle", ClockCycleTimer),
        ):
            node = first(self.xpath(f".//bpmn:{tag}"))
            if node is not None:
                return cls(name, (node.text or "").strip(), description=description)
        raise ValidationException("Unknown timer specification", node=self.node, file_name=self.filename)


class StartEventParser(ClockTimerMixin, CamundaStartEventParser):
    pass


class IntermediateCatchEventParser(ClockTimerMixin, CamundaIntermediateCatchEventParser):
    pass


class BoundaryEventParser(ClockTimerMixin, CamundaBoundaryEventParser):
    pass


class ProcessParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (HumanTaskParser, UserTask),
        full_tag("serviceTask"): (OperationTaskParser, OperationTask),
        full_tag("startEvent"): (
            StartEventParser,
            CamundaParser.OVERRIDE_PARSER_CLASSES[full_tag("startEvent")][1],
        ),
        full_tag("intermediateCatchEvent"): (
            IntermediateCatchEventParser,
            CamundaParser.OVERRIDE_PARSER_CLASSES[full_tag("intermediateCatchEvent")][1],
        ),
        full_tag("boundaryEvent"): (
            BoundaryEventParser,
            CamundaParser.OVERRIDE_PARSER_CLASSES[full_tag("boundaryEvent")][1],
        ),
    }
