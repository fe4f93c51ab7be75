"""The only script engine diagrams run on: the restricted evaluator, a clock, and the operation registry.

SpiffWorkflow's stock engine calls `eval`/`exec`; this one never does. Expressions written as the modeler
writes them (`${amount > 100 && !urgent}`) are translated and checked before they run.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from .. import registry
from . import expressions, timers


class OperationFailed(Exception):
    """A registered operation raised; the instance goes to `incident` and the step is not applied."""

    def __init__(self, operation: str, error: BaseException):
        super().__init__(f"{operation}: {type(error).__name__}: {error}")
        self.operation = operation
        self.error = error


def _functions(now: dt.datetime) -> dict[str, Callable[..., Any]]:
    """The same functions timers offer, so `${now() + days(1)}` means one thing everywhere."""
    return timers.expression_functions(now)


def json_native(value: Any) -> Any:
    """Process variables stay JSON: dates and times become ISO-8601 text, durations `PT<n>S`, decimals
    text. (SpiffWorkflow stores task data as it is, so anything else would not survive a save.)"""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return f"PT{int(value.total_seconds())}S"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_native(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_native(v) for v in value]
    return value


class RestrictedScriptEngine(PythonScriptEngine):
    def __init__(self, *, now: Callable[[], dt.datetime], context: dict[str, Any] | None = None):
        super().__init__(environment=None)
        self._now = now
        self.context = context or {}

    def now(self) -> dt.datetime:
        return self._now()

    def validate(self, expression: str) -> None:
        """DMN cells are probed with this to tell `"x"` from `< 5`; only syntax matters here."""
        ast.parse(expressions.translate(expression), mode="eval")

    def evaluate(self, task, expression, external_context=None):
        variables = dict(task.data)
        if external_context:
            variables.update(external_context)
        try:
            return expressions.evaluate(expression, variables, functions=_functions(self.now()))
        except expressions.ExpressionError as exc:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {exc}", task=task, exception=exc
            )

    def execute(self, task, script, external_context=None):
        variables = dict(task.data)
        try:
            result = expressions.execute(script, variables, functions=_functions(self.now()))
        except expressions.ExpressionError as exc:
            raise WorkflowTaskException(f"Script error: {exc}", task=task, exception=exc)
        task.data.clear()
        task.data.update(json_native(result))
        return True

    def call_operation(self, task, name: str, inputs: dict[str, str]) -> dict[str, Any] | None:
        operation = registry.get_operation(name)
        if operation is None:
            raise WorkflowTaskException(f"Unknown operation '{name}'", task=task)
        arguments = {}
        for key, source in inputs.items():
            if key not in operation.inputs:
                continue
            arguments[key] = self._input_value(task, source)
        missing = operation.required - set(arguments)
        if missing:
            raise OperationFailed(name, ValueError(f"missing inputs: {', '.join(sorted(missing))}"))
        try:
            return self.context["call_operation"](operation, task, arguments)
        except OperationFailed:
            raise
        except Exception as exc:  # any failure of a domain operation is an incident, never a lost instance
            raise OperationFailed(name, exc) from exc

    def _input_value(self, task, source: str) -> Any:
        text = source.strip()
        if text.startswith(("${", "#{")) and text.endswith("}"):
            return expressions.evaluate(text, dict(task.data), functions=_functions(self.now()))
        return source
