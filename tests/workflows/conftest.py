"""Fixtures for process tests: diagrams from tests/workflows/diagrams deployed through the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows import registry

from .. import factories as f

DIAGRAMS = Path(__file__).parent / "diagrams"


def diagram(name: str) -> str:
    return (DIAGRAMS / name).read_text(encoding="utf-8")


@pytest.fixture
def people(estate):
    """One user per role in the estate, by role code."""
    return {
        role: f.make_user({estate: [role]}, username=f"{role}_u")
        for role in (
            "process_owner",
            "service_desk",
            "manager",
            "finance",
            "technician",
            "dispatcher",
            "admin",
        )
    }


@pytest.fixture
def deploy(api, people):
    def _deploy(name: str, dmn: tuple[str, ...] = ()):
        api.as_user(people["process_owner"])
        response = api.post(
            "/api/v1/process-definitions/", {"bpmn_xml": diagram(name), "dmn_xml": [diagram(d) for d in dmn]}
        )
        assert response.status_code in (200, 201), response.content
        return response.json()

    return _deploy


@pytest.fixture
def recorded():
    """A throw-away operation `test_record` that stores its calls (and can be told to fail)."""
    calls: list[dict] = []
    state = {"fail": False}

    def handler(*, context, value, label):
        if state["fail"]:
            raise RuntimeError("the printer is on fire")
        calls.append({"value": value, "label": label, "instance": context.instance_id})
        return {"recorded": True}

    registry.register_operation(
        "test_record", handler, inputs={"value": int, "label": str}, required={"value"}
    )
    yield calls, state
    registry.unregister_operation("test_record")
