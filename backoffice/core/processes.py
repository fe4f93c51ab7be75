"""The domain's port to the process engine.

Domain services start processes (a work order starts `repair`) without importing the engine: the engine
plugs its starter in here when it loads (`workflows.apps`), keeping the dependency rule — `workflows`
imports only `backoffice.core`, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class ProcessStarter(Protocol):
    def __call__(
        self, *, process_key: str, estate_id: int, business_key: str, variables: dict[str, Any], actor: Any
    ) -> int: ...


_starter: ProcessStarter | None = None


def set_process_starter(starter: ProcessStarter) -> None:
    global _starter
    _starter = starter


def process_start(
    *, process_key: str, estate_id: int, business_key: str, variables: dict[str, Any], actor: Any = None
) -> int:
    """Start the latest version of `process_key` in the same transaction; returns the instance id."""
    if _starter is None:
        raise RuntimeError("no process engine is installed")
    return _starter(
        process_key=process_key,
        estate_id=estate_id,
        business_key=business_key,
        variables=variables,
        actor=actor,
    )


StarterFunction = Callable[..., int]
