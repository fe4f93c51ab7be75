"""Deploying diagrams: validation with every reason listed, immutable versions, a per-process spec cache."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import ExclusiveGateway, InclusiveGateway, ScriptTask, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.camunda.specs.user_task import UserTask

from backoffice.core.errors import ValidationFailed

from . import registry
from .engine import expressions, timers
from .engine.parser import ProcessParser
from .engine.specs import ClockCycleTimer, ClockDateTimer, ClockDurationTimer, OperationTask
from .models import ProcessDefinition, ProcessVersion, StartMessage

SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass
class ParsedDiagram:
    key: str = ""
    name: str = ""
    start_messages: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    parser: ProcessParser | None = None


def _is_expression(text: str) -> bool:
    text = (text or "").strip()
    return text.startswith(("${", "#{")) and text.endswith("}")


def _check_expression(where: str, text: str, reasons: list[str], *, mode: str = "eval") -> None:
    try:
        problems = expressions.check(expressions.translate(text), mode=mode)
    except SyntaxError as exc:
        problems = [_("syntax error: %(error)s") % {"error": exc.msg}]
    except expressions.ExpressionError as exc:
        problems = [str(exc)]
    reasons.extend(f"{where}: {problem}" for problem in problems)


def _check_user_task(spec, reasons: list[str]) -> None:
    ext = spec.extensions or {}
    label = _("user task '%(task)s'") % {"task": spec.bpmn_name or spec.bpmn_id}
    if not (ext.get("candidate_groups") or ext.get("candidate_users") or ext.get("assignee") or spec.lane):
        reasons.append(label + ": " + _("no candidate groups, candidate users, assignee or lane"))
    for key in ("assignee", "candidate_groups", "candidate_users", "due_date", "priority"):
        value = ext.get(key, "")
        if _is_expression(value):
            _check_expression(f"{label} {key}", value, reasons)
    due = ext.get("due_date", "")
    if due and not _is_expression(due):
        try:
            timers.parse_due_date(due, variables={}, now=timezone.now())
        except Exception as exc:  # report any parse failure as a reason, never a 500
            reasons.append(f"{label} dueDate: {exc}")
    priority = ext.get("priority", "")
    if priority and not _is_expression(priority) and not priority.lstrip("-").isdigit():
        reasons.append(f"{label}: " + _("priority must be a whole number"))


def _check_timer(spec, reasons: list[str]) -> None:
    definition = spec.event_definition
    label = _("timer '%(task)s'") % {"task": spec.bpmn_name or spec.bpmn_id}
    text = definition.expression or ""
    if _is_expression(text):
        _check_expression(label, text, reasons)
        return
    kind = {ClockDateTimer: "date", ClockDurationTimer: "duration", ClockCycleTimer: "cycle"}[
        type(definition)
    ]
    try:
        if kind == "cycle":
            timers.cycle(text, variables={}, now=timezone.now())
        else:
            timers.due_at(kind, text, variables={}, now=timezone.now())
    except Exception as exc:  # any parse failure is a reason to refuse the deploy
        reasons.append(f"{label}: {exc}")


def _check_spec(spec, reasons: list[str]) -> None:
    for task_spec in spec.task_specs.values():
        name = getattr(task_spec, "bpmn_name", None) or getattr(task_spec, "bpmn_id", None) or task_spec.name
        if isinstance(task_spec, UserTask):
            _check_user_task(task_spec, reasons)
        elif isinstance(task_spec, OperationTask):
            operation = registry.get_operation(task_spec.operation)
            if not task_spec.operation:
                reasons.append(_("service task '%(task)s': no operation (camunda:topic)") % {"task": name})
            elif operation is None:
                reasons.append(
                    _("service task '%(task)s': operation '%(op)s' is not registered")
                    % {"task": name, "op": task_spec.operation}
                )
            for key, value in task_spec.parameters.items():
                if _is_expression(value):
                    _check_expression(f"{name} input {key}", value, reasons)
        elif isinstance(task_spec, ScriptTask):
            _check_expression(
                _("script task '%(task)s'") % {"task": name}, task_spec.script or "", reasons, mode="exec"
            )
        if isinstance(task_spec, ExclusiveGateway | InclusiveGateway):
            for condition, _target in task_spec.cond_task_specs:
                if condition is not None:
                    source = condition.args[0] if getattr(condition, "args", None) else str(condition)
                    _check_expression(_("condition on '%(task)s'") % {"task": name}, source, reasons)
        if isinstance(task_spec, CatchingEvent) and isinstance(
            getattr(task_spec, "event_definition", None),
            ClockDateTimer | ClockDurationTimer | ClockCycleTimer,
        ):
            _check_timer(task_spec, reasons)


def parse_diagram(bpmn_xml: str, dmn_xml: Iterable[str] = ()) -> ParsedDiagram:
    """Parse and check a diagram; `reasons` lists every problem found (empty: deployable)."""
    result = ParsedDiagram()
    try:
        bpmn_tree = etree.fromstring(
            bpmn_xml.encode() if isinstance(bpmn_xml, str) else bpmn_xml, SAFE_PARSER
        )
    except etree.XMLSyntaxError as exc:
        result.reasons.append(_("the BPMN file is not well-formed XML: %(error)s") % {"error": exc})
        return result
    parser = ProcessParser()
    try:
        for index, dmn in enumerate(dmn_xml):
            try:
                parser.add_dmn_xml(
                    etree.fromstring(dmn.encode() if isinstance(dmn, str) else dmn, SAFE_PARSER)
                )
            except etree.XMLSyntaxError as exc:
                result.reasons.append(
                    _("DMN file %(n)s is not well-formed XML: %(error)s") % {"n": index + 1, "error": exc}
                )
        parser.add_bpmn_xml(bpmn_tree, filename="diagram.bpmn")
        executable = parser.get_process_ids()
        if not executable:
            result.reasons.append(_("the file has no executable process"))
            return result
        result.key = executable[0]
        process_parser = parser.get_process_parser(result.key)
        result.name = process_parser.get_name() or result.key
        spec = parser.get_spec(result.key)
        _check_spec(spec, result.reasons)
        result.start_messages = sorted(
            {
                task_spec.event_definition.name
                for task_spec in spec.task_specs.values()
                if isinstance(task_spec, StartEvent)
                and isinstance(task_spec.event_definition, MessageEventDefinition)
            }
        )
        for sub in parser.get_subprocess_specs(result.key).values():
            _check_spec(sub, result.reasons)
    except ValidationException as exc:
        result.reasons.append(str(exc).strip())
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        result.reasons.append(_("the diagram could not be read: %(error)s") % {"error": exc})
    result.parser = parser
    return result


def checksum_of(bpmn_xml: str, dmn_xml: Iterable[str]) -> str:
    digest = hashlib.sha256(bpmn_xml.encode())
    for dmn in dmn_xml:
        digest.update(b"\0" + dmn.encode())
    return digest.hexdigest()


@transaction.atomic
def definition_deploy(
    *, actor: Any, bpmn_xml: str, dmn_xml: list[str] | None = None
) -> tuple[ProcessVersion, bool]:
    """Deploy a new immutable version; the same content as the latest version deploys nothing (idempotent)."""
    dmn_xml = list(dmn_xml or [])
    parsed = parse_diagram(bpmn_xml, dmn_xml)
    if parsed.reasons:
        raise ValidationFailed(
            _("The diagram cannot be deployed: %(count)s problem(s).") % {"count": len(parsed.reasons)},
            code="invalid_diagram",
            fields={
                "bpmn_xml": [{"code": "invalid_diagram", "message": reason} for reason in parsed.reasons]
            },
        )
    checksum = checksum_of(bpmn_xml, dmn_xml)
    definition, _created = ProcessDefinition.objects.get_or_create(
        key=parsed.key, defaults={"name": parsed.name}
    )
    definition = ProcessDefinition.objects.select_for_update().get(pk=definition.pk)
    latest = definition.versions.order_by("-version").first()
    if latest is not None and latest.checksum == checksum:
        return latest, False
    ProcessDefinition.objects.filter(pk=definition.pk).update(
        latest_version=F("latest_version") + 1, name=parsed.name
    )
    definition.refresh_from_db()
    version = ProcessVersion.objects.create(
        definition=definition,
        version=definition.latest_version,
        name=parsed.name,
        bpmn_xml=bpmn_xml,
        dmn_xml=dmn_xml,
        checksum=checksum,
        deployed_by=actor if getattr(actor, "pk", None) else None,
    )
    StartMessage.objects.bulk_create(
        [StartMessage(version=version, message_name=name) for name in parsed.start_messages]
    )
    return version, True


@lru_cache(maxsize=512)
def spec_for(version_id: int):
    """(spec, subprocess_specs) of a version, parsed once per process; versions never change."""
    version = ProcessVersion.objects.select_related("definition").get(pk=version_id)
    parsed = parse_diagram(version.bpmn_xml, version.dmn_xml)
    if parsed.parser is None or not parsed.key:
        raise ValueError(f"version {version_id} no longer parses: {parsed.reasons}")
    return parsed.parser.get_spec(parsed.key), parsed.parser.get_subprocess_specs(parsed.key)


def latest_version(key: str) -> ProcessVersion | None:
    return ProcessVersion.objects.filter(definition__key=key).order_by("-version").first()
