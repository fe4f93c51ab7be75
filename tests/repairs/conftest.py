"""A small estate with an owner account, staff of every repair role, and the real bpmn/repair.bpmn."""

from __future__ import annotations

import pytest

from ..sites import build_repair_site


@pytest.fixture
def site(db, estate):
    return build_repair_site(estate)
