"""POST /api/v1/imports/owners/: persons and ownerships, matched by ID number or name and phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from backoffice.core.models import AuditEntry
from backoffice.people.models import Ownership, Person
from backoffice.people.services import person_id_number

from .. import factories as f
from .sheets import OWNER_HEADER_ZH, csv_bytes, upload, xlsx_bytes

URL = "/api/v1/imports/owners/"


@pytest.fixture
def units(estate):
    building = f.make_building(estate, name="1栋")
    return {n: f.make_unit(building, number=n) for n in ("101", "102", "201")}


def post(api, estate, content, name="owners.xlsx", **extra):
    return api.post(URL, {"file": upload(content, name), "estate": estate.id, **extra}, format="multipart")


def test_creates_persons_and_ownerships(api, estate, service_desk, units):
    known = f.make_person(estate, name="李四", phone="13900139000", id_number=f.VALID_RIC[1])
    rows = [
        OWNER_HEADER_ZH,
        ["1栋", "101", "张三", "13800138000", "zs@example.com", f.VALID_RIC[0], dt.datetime(2024, 3, 1), 50],
        ["1栋", "102", "张三", "138 0013 8000", "", f.VALID_RIC[0].lower(), "2024/3/1", ""],  # same person
        ["1栋", "101", "王五", "13700137000", "", "", "2024-03-01", "50"],  # no ID: name + phone
        ["1栋", "201", "李老四", "13600136000", "", f.VALID_RIC[1], "2024年3月1日", ""],  # known by ID
    ]
    response = post(api.as_user(service_desk), estate, xlsx_bytes(rows))

    assert response.status_code == 201, response.content
    assert response.json()["created"] == {"buildings": 0, "units": 0, "persons": 2, "ownerships": 4}
    zhang = Person.objects.get(name="张三")
    assert (zhang.phone, zhang.email, zhang.id_number_masked) == (
        "+8613800138000",
        "zs@example.com",
        "1101**********002X",
    )
    assert person_id_number(zhang) == f.VALID_RIC[0]
    assert sorted(o.unit.number for o in zhang.ownerships.all()) == ["101", "102"]
    assert Ownership.objects.get(unit=units["101"], person=zhang).share == Decimal("50.00")
    assert Ownership.objects.get(unit=units["102"]).share == Decimal("100.00")
    assert Ownership.objects.get(unit=units["201"]).person == known
    assert all(o.start_date == dt.date(2024, 3, 1) for o in Ownership.objects.all())
    assert (
        AuditEntry.objects.filter(action="create", object_type="people.ownership", actor=service_desk).count()
        == 4
    )
    assert f.VALID_RIC[0] not in str(list(AuditEntry.objects.values_list("after", flat=True)))


def test_person_known_without_id_gets_it_from_the_sheet(api, estate, manager, units):
    walk_in = f.make_person(estate, name="张三", phone="13800138000")
    rows = [OWNER_HEADER_ZH, ["1栋", "101", "张三", "13800138000", "", f.VALID_RIC[0], "2024-03-01", ""]]
    response = post(api.as_user(manager), estate, xlsx_bytes(rows))

    assert response.status_code == 201, response.content
    assert response.json()["created"]["persons"] == 0 and response.json()["updated"]["persons"] == 1
    walk_in.refresh_from_db()
    assert person_id_number(walk_in) == f.VALID_RIC[0]
    assert Ownership.objects.get().person == walk_in


def test_bad_id_checksum_rolls_everything_back(api, estate, manager, units):
    bad = f.VALID_RIC[2][:-1] + "8"
    rows = [
        OWNER_HEADER_ZH,
        ["1栋", "101", "张三", "13800138000", "", f.VALID_RIC[0], "2024-03-01", ""],
        ["1栋", "102", "王五", "13700137000", "", bad, "2024-03-01", ""],
    ]
    response = post(api.as_user(manager), estate, xlsx_bytes(rows))

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "import_failed"
    assert [(e["row"], e["column"], e["code"]) for e in error["rows"]] == [
        (3, "证件号码", "invalid_checksum")
    ]
    assert Person.objects.count() == 0 and Ownership.objects.count() == 0


def test_unit_phone_share_and_date_problems(api, estate, manager, units):
    f.make_person(estate, name="赵六", phone="13500135000")
    rows = [
        ["building", "number", "name", "phone", "start_date", "share"],
        ["1栋", "999", "张三", "13800138000", "2024-03-01", ""],  # no such unit
        ["1栋", "101", "王五", "12345", "2024-03-01", ""],  # bad phone
        ["1栋", "102", "赵六", "13500135000", "March", ""],  # bad date
        ["1栋", "201", "赵六", "13500135000", "2024-03-01", "60"],
        ["1栋", "201", "孙七", "13300133000", "2024-03-01", "60"],  # shares would reach 120 %
    ]
    response = post(api.as_user(manager), estate, csv_bytes(rows), name="owners.csv")

    reported = [(e["row"], e["field"], e["code"]) for e in response.json()["error"]["rows"]]
    assert reported == [
        (2, "number", "unknown_unit"),
        (3, "phone", "invalid_phone"),
        (4, "start_date", "invalid_date"),
        (6, "share", "share_exceeded"),
    ]
    assert Person.objects.count() == 1 and Ownership.objects.count() == 0


def test_id_number_typed_as_a_number_is_refused(api, estate, manager, units):
    rows = [OWNER_HEADER_ZH, ["1栋", "101", "张三", "13800138000", "", 110101199003074477, "2024-03-01", ""]]
    response = post(api.as_user(manager), estate, xlsx_bytes(rows))
    assert response.json()["error"]["rows"][0]["code"] == "id_number_as_number"


def test_dry_run(api, estate, manager, units):
    rows = [OWNER_HEADER_ZH, ["1栋", "101", "张三", "13800138000", "", "", "2024-03-01", ""]]
    response = post(api.as_user(manager), estate, xlsx_bytes(rows), dry_run=True)
    assert response.status_code == 200
    assert response.json()["created"]["ownerships"] == 1
    assert Person.objects.count() == 0 and Ownership.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_roles(api, estate, technician, units):
    rows = [OWNER_HEADER_ZH, ["1栋", "101", "张三", "13800138000", "", "", "2024-03-01", ""]]
    assert post(api.as_user(technician), estate, xlsx_bytes(rows)).status_code == 403
    assert Person.objects.count() == 0
