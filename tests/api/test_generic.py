"""Every master-data endpoint exercised the same way (anonymous, other estate, wrong role, permitted CRUD).

A resource gets these tests by declaring how to make one object in an estate, a valid create payload, a
change, and which roles may write it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from backoffice.estates.models import ParkingLot, ParkingSpace, ParkingZone
from backoffice.people.models import HouseholdMember, Ownership, Tenancy

from .. import factories as f
from ..facilities import builders as fb


@dataclass
class Resource:
    path: str
    make: Callable  # estate -> saved object
    payload: Callable  # estate -> create payload
    change: dict
    writer: str = "manager"
    wrong_role: str = "technician"
    readable_by_wrong_role: bool = True
    deletable: bool = True
    extra: dict = field(default_factory=dict)

    def __str__(self):
        return self.path.split("/")[3]


def _lot(estate):
    return ParkingLot.objects.create(
        estate=estate, code=f"P{ParkingLot.objects.count() + 1}", name="地下车库"
    )


def _zone(estate):
    return ParkingZone.objects.create(
        estate=estate, lot=_lot(estate), code="B1", name="负一层", kind="underground"
    )


def _space(estate):
    zone = _zone(estate)
    return ParkingSpace.objects.create(estate=estate, zone=zone, number="B1-001")


def _unit(estate):
    return f.make_unit(f.make_building(estate, floors=20), floor=3)


def _ownership(estate):
    unit = _unit(estate)
    return Ownership.objects.create(
        estate=estate, unit=unit, person=f.make_person(estate, "王五"), start_date=dt.date(2020, 1, 1)
    )


def _tenancy(estate):
    unit = _unit(estate)
    return Tenancy.objects.create(
        estate=estate,
        unit=unit,
        person=f.make_person(estate, "赵六"),
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2024, 12, 31),
    )


def _member(estate):
    unit = _unit(estate)
    return HouseholdMember.objects.create(
        estate=estate,
        unit=unit,
        person=f.make_person(estate, "钱七"),
        relation="child",
        start_date=dt.date(2020, 1, 1),
    )


RESOURCES = [
    Resource(
        "/api/v1/estates/",
        make=lambda e: e,
        payload=lambda e: {
            "code": "NEW1",
            "name": "新小区",
            "address": "浦东新区 1 号",
            "land_area": "12000.50",
        },
        change={"name": "改名小区"},
        writer="admin",
        wrong_role="manager",
    ),
    Resource(
        "/api/v1/buildings/",
        make=lambda e: f.make_building(e),
        payload=lambda e: {"estate": e.id, "name": "9栋", "floors": 18},
        change={"floors": 20},
    ),
    Resource(
        "/api/v1/units/",
        make=_unit,
        payload=lambda e: {
            "building": f.make_building(e, floors=30).id,
            "number": "2801",
            "floor": 28,
            "unit_type": "residential",
            "area": "120.35",
        },
        change={"area": "121.00"},
    ),
    Resource(
        "/api/v1/parking-lots/",
        make=_lot,
        payload=lambda e: {"estate": e.id, "code": "P9", "name": "地面停车场"},
        change={"name": "东门停车场"},
    ),
    Resource(
        "/api/v1/parking-zones/",
        make=_zone,
        payload=lambda e: {"lot": _lot(e).id, "code": "S", "name": "地面", "kind": "surface"},
        change={"name": "地面区"},
    ),
    Resource(
        "/api/v1/parking-spaces/",
        make=_space,
        payload=lambda e: {"zone": _zone(e).id, "number": "B1-100", "status": "sold"},
        change={"status": "rented"},
    ),
    Resource(
        "/api/v1/persons/",
        make=lambda e: f.make_person(e, "孙八"),
        payload=lambda e: {
            "estate": e.id,
            "name": "周九",
            "phone": "13700001111",
            "id_number": f.VALID_RIC[1],
        },
        change={"email": "zhou@example.com"},
        writer="service_desk",
    ),
    Resource(
        "/api/v1/ownerships/",
        make=_ownership,
        payload=lambda e: {"unit": _unit(e).id, "person": f.make_person(e).id, "start_date": "2021-05-01"},
        change={"end_date": "2025-01-01"},
        writer="service_desk",
    ),
    Resource(
        "/api/v1/tenancies/",
        make=_tenancy,
        payload=lambda e: {
            "unit": _unit(e).id,
            "person": f.make_person(e).id,
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "monthly_rent": "4500.00",
        },
        change={"monthly_rent": "4800.00"},
        writer="service_desk",
    ),
    Resource(
        "/api/v1/household-members/",
        make=_member,
        payload=lambda e: {
            "unit": _unit(e).id,
            "person": f.make_person(e).id,
            "relation": "spouse",
            "start_date": "2022-01-01",
        },
        change={"relation": "parent"},
        writer="service_desk",
    ),
    Resource(
        "/api/v1/users/",
        make=lambda e: f.make_user({e: ["technician"]}),
        payload=lambda e: {
            "username": "newtech",
            "password": "Another-Str0ng-1",
            "roles": ["technician"],
            "estates": [e.id],
        },
        change={"email": "tech@example.com"},
        writer="admin",
        wrong_role="manager",
        readable_by_wrong_role=False,
    ),
    Resource(
        "/api/v1/suppliers/",
        make=lambda e: fb.make_supplier(e),
        payload=lambda e: {"estate": e.id, "name": "奥的斯电梯", "contact": "李工", "phone": "13800138000"},
        change={"contact": "王工"},
    ),
    Resource(
        "/api/v1/equipment/",
        make=lambda e: fb.make_equipment(e),
        payload=lambda e: {
            "estate": e.id,
            "name": "1号楼1号电梯",
            "model": "GeN2-MR",
            "location": "1号楼电梯井",
            "purchase_date": "2026-03-01",
            "supplier": "奥的斯电梯",
            "warranty_until": "2028-02-29",
        },
        change={"status": "under_repair"},
    ),
    Resource(
        "/api/v1/maintenance-plans/",
        make=lambda e: fb.make_plan(fb.make_equipment(e)),
        payload=lambda e: {
            "equipment": fb.make_equipment(e).id,
            "title": "电梯月度保养",
            "interval": "monthly",
            "next_due": "2027-01-31",
        },
        change={"interval": "P2W"},
    ),
]


@pytest.fixture(params=RESOURCES, ids=str)
def resource(request):
    return request.param


def detail(resource, obj):
    return f"{resource.path}{obj.pk}/"


def test_anonymous_gets_401(api, estate, resource):
    obj = resource.make(estate)
    for response in (
        api.get(resource.path),
        api.get(detail(resource, obj)),
        api.post(resource.path, resource.payload(estate)),
        api.patch(detail(resource, obj), resource.change),
        api.delete(detail(resource, obj)),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_other_estate_gets_404(api, estate, other_estate, resource):
    obj = resource.make(estate)
    stranger = f.make_user({other_estate: ["admin", "manager", "service_desk"]})
    api.as_user(stranger)
    for response in (
        api.get(detail(resource, obj)),
        api.patch(detail(resource, obj), resource.change),
        api.delete(detail(resource, obj)),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    listed = api.get(resource.path, {"page_size": 500}).json()["results"]
    assert obj.pk not in {row["id"] for row in listed}


def test_wrong_role_gets_403(api, estate, resource):
    obj = resource.make(estate)
    api.as_user(f.make_user({estate: [resource.wrong_role]}))
    before = type(obj).objects.count()
    read = api.get(detail(resource, obj))
    assert read.status_code == (200 if resource.readable_by_wrong_role else 403)
    for response in (
        api.post(resource.path, resource.payload(estate)),
        api.patch(detail(resource, obj), resource.change),
        api.delete(detail(resource, obj)),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "permission_denied"
    assert type(obj).objects.count() == before


def test_permitted_crud(api, estate, resource):
    api.as_user(f.make_user({estate: [resource.writer]}))
    created = api.post(resource.path, resource.payload(estate))
    assert created.status_code == 201, created.content
    url = f"{resource.path}{created.json()['id']}/"

    fetched = api.get(url)
    assert fetched.status_code == 200
    assert fetched.json()["id"] == created.json()["id"]

    listed = api.get(resource.path, {"page_size": 500}).json()
    assert set(listed) == {"count", "next", "previous", "results"}
    assert created.json()["id"] in {row["id"] for row in listed["results"]}

    changed = api.patch(url, resource.change)
    assert changed.status_code == 200, changed.content
    for key, value in resource.change.items():
        assert changed.json()[key] == value

    removed = api.delete(url)
    assert removed.status_code == 204, removed.content
    after = api.get(url)
    if resource.path.endswith("/users/"):  # accounts are deactivated, never erased
        assert after.json()["is_active"] is False
    else:
        assert after.status_code == 404
