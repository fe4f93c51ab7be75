"""The repair site most process and page tests stand on: an estate with a building, an owner's unit and a
neighbour's, an owner account for each, staff of every repair role, and the real bpmn/repair.bpmn deployed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings

from backoffice.people.models import Ownership
from workflows.definitions import definition_deploy

from . import factories as f

REPAIR_BPMN = Path(settings.BASE_DIR) / "bpmn" / "repair.bpmn"
STAFF = {  # key in the site's users: (username, role)
    "desk": ("desk", "service_desk"),
    "dispatcher": ("dispatch", "dispatcher"),
    "tech1": ("tech1", "technician"),
    "tech2": ("tech2", "technician"),
    "supervisor": ("super", "supervisor"),
    "manager": ("boss", "manager"),
}


def build_repair_site(estate) -> dict:
    building = f.make_building(estate, name="1栋", floors=20)
    unit = f.make_unit(building, number="1201", floor=12)
    neighbour_unit = f.make_unit(building, number="1202", floor=12)
    owner_person = f.make_person(estate, "业主甲", phone="13900000001")
    neighbour_person = f.make_person(estate, "业主乙", phone="13900000002")
    for owned, person in ((unit, owner_person), (neighbour_unit, neighbour_person)):
        Ownership.objects.create(estate=estate, unit=owned, person=person, start_date=dt.date(2020, 1, 1))
    users = {
        "owner": f.make_user({estate: ["owner"]}, username="owner_a", person=owner_person),
        "neighbour": f.make_user({estate: ["owner"]}, username="owner_b", person=neighbour_person),
    }
    for key, (username, role) in STAFF.items():
        users[key] = f.make_user({estate: [role]}, username=username)
    definition_deploy(actor=None, bpmn_xml=REPAIR_BPMN.read_text(encoding="utf-8"))
    return {"estate": estate, "unit": unit, "neighbour_unit": neighbour_unit, "users": users}
