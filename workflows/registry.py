"""The operations service tasks may call. Domain apps register theirs in `AppConfig.ready()`.

A diagram names an operation (`camunda:topic="notify"` on an external service task); deploy refuses names
that are not registered, and an operation receives only the inputs it declares. Nothing else on the server
is reachable from a diagram.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Operation:
    name: str
    handler: Callable[..., dict[str, Any] | None]
    inputs: dict[str, type] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    description: str = ""


_operations: dict[str, Operation] = {}


def register_operation(
    name: str,
    handler: Callable[..., dict[str, Any] | None],
    *,
    inputs: dict[str, type] | None = None,
    required: set[str] | None = None,
    description: str = "",
) -> Operation:
    """Register `handler(*, context, **inputs) -> dict | None`; the returned dict is merged into task data."""
    operation = Operation(name, handler, dict(inputs or {}), frozenset(required or ()), description)
    _operations[name] = operation
    return operation


def get_operation(name: str) -> Operation | None:
    return _operations.get(name)


def operation_names() -> list[str]:
    return sorted(_operations)


def unregister_operation(name: str) -> None:
    """For tests that register throw-away operations."""
    _operations.pop(name, None)
