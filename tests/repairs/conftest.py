"""A small estate with an owner account, staff of every repair role, and the real bpmn/repair.bpmn."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from backoffice.people.models import Ownership
from workflows.definitions import definition_deploy

from .. import factories as f

REPAIR_BPMN = Path(settings.BASE_DIR) / "bpmn" / "repair.bpmn"


@pytest.fixture
def site(db, estate):
    building = f.make_building(estate, name="1栋", floors=20)
    unit = f.make_unit(building, number="1201", floor=12)
    neighbour_unit = f.make_unit(building, number="1202", floor=12)
    owner_person = f.make_person(estate, "业主甲", phone="13900000001")
    neighbour_person = f.make_person(estate, "业主乙", phone="13900000002")
    Ownership.objects.create(estate=estate, unit=unit, person=owner_person, start_date=dt.date(2020, 1, 1))
    Ownership.objects.create(
        estate=estate, unit=neighbour_unit, person=neighbour_person, start_date=dt.date(2020, 1, 1)
    )
    users = {
        "owner": f.make_user({estate: ["owner"]}, username="owner_a", person=owner_person),
        "neighbour": f.make_user({estate: ["owner"]}, username="owner_b", person=neighbour_person),
        "desk": f.make_user({estate: ["service_desk"]}, username="desk"),
        "dispatcher": f.make_user({estate: ["dispatcher"]}, username="dispatch"),
        "tech1": f.make_user({estate: ["technician"]}, username="tech1"),
        "tech2": f.make_user({estate: ["technician"]}, username="tech2"),
        "supervisor": f.make_user({estate: ["supervisor"]}, username="super"),
        "manager": f.make_user({estate: ["manager"]}, username="boss"),
    }
    definition_deploy(actor=None, bpmn_xml=REPAIR_BPMN.read_text(encoding="utf-8"))
    return {"estate": estate, "unit": unit, "neighbour_unit": neighbour_unit, "users": users}
