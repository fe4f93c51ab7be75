"""Bad input gets a clear 400 naming the field, and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.core.models import AuditEntry
from backoffice.estates.models import Unit
from backoffice.people.models import Person, Tenancy

from .. import factories as f


@pytest.fixture
def desk_api(api, estate):
    return api.as_user(f.make_user({estate: ["service_desk", "manager"]}))


def field_codes(response, field):
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert field in body["fields"], body
    return {item["code"] for item in body["fields"][field]}


def test_bad_id_checksum(desk_api, estate):
    response = desk_api.post(
        "/api/v1/persons/", {"name": "张三", "phone": "13800138000", "id_number": "110101199003074478"}
    )
    assert field_codes(response, "id_number") == {"invalid_checksum"}
    assert Person.objects.count() == 0


def test_bad_credit_code(desk_api):
    response = desk_api.post(
        "/api/v1/persons/",
        {"name": "某公司", "phone": "13800138000", "id_type": "uscc", "id_number": "91110000802100433A"},
    )
    assert field_codes(response, "id_number") == {"invalid_checksum"}


def test_valid_credit_code_is_masked(desk_api):
    response = desk_api.post(
        "/api/v1/persons/", {"name": "某公司", "phone": "02154321234", "id_number": f.VALID_USCC}
    )
    assert response.status_code == 201, response.content
    assert response.json()["id_type"] == "uscc"
    assert response.json()["id_number"] == "9111**********433B"
    assert response.json()["phone"] == "+862154321234"


@pytest.mark.parametrize("phone", ["12345", "1380013800", "abc", "+86 999 0000 0000"])
def test_bad_phone(desk_api, phone):
    response = desk_api.post("/api/v1/persons/", {"name": "张三", "phone": phone})
    assert field_codes(response, "phone") == {"invalid_phone"}
    assert Person.objects.count() == 0


def test_negative_area(desk_api, estate):
    building = f.make_building(estate)
    response = desk_api.post(
        "/api/v1/units/",
        {"building": building.id, "number": "101", "floor": 1, "unit_type": "residential", "area": "-5"},
    )
    assert field_codes(response, "area") == {"min_value"}
    assert Unit.objects.count() == 0


def test_unit_floor_outside_building(desk_api, estate):
    building = f.make_building(estate, floors=6)
    response = desk_api.post(
        "/api/v1/units/",
        {"building": building.id, "number": "901", "floor": 9, "unit_type": "residential", "area": "80"},
    )
    assert field_codes(response, "floor") == {"floor_out_of_range"}


def test_duplicate_unit_number_in_building(desk_api, estate):
    building = f.make_building(estate)
    f.make_unit(building, number="1201", floor=10)
    response = desk_api.post(
        "/api/v1/units/",
        {"building": building.id, "number": "1201", "floor": 10, "unit_type": "residential", "area": "80"},
    )
    assert field_codes(response, "number") == {"unique"}
    assert Unit.objects.count() == 1
    other = f.make_building(estate)
    same_number_elsewhere = desk_api.post(
        "/api/v1/units/",
        {"building": other.id, "number": "1201", "floor": 10, "unit_type": "residential", "area": "80"},
    )
    assert same_number_elsewhere.status_code == 201


def test_duplicate_estate_code(api, estate, admin_user):
    api.as_user(admin_user)
    response = api.post("/api/v1/estates/", {"code": estate.code, "name": "x", "address": "y"})
    assert field_codes(response, "code") == {"unique"}


def test_lease_ending_before_it_starts(desk_api, estate):
    unit = f.make_unit(f.make_building(estate))
    person = f.make_person(estate)
    response = desk_api.post(
        "/api/v1/tenancies/",
        {"unit": unit.id, "person": person.id, "start_date": "2025-06-01", "end_date": "2025-05-31"},
    )
    assert field_codes(response, "end_date") == {"end_before_start"}
    assert Tenancy.objects.count() == 0


def test_overlapping_lease_refused(desk_api, estate):
    unit = f.make_unit(f.make_building(estate))
    first = desk_api.post(
        "/api/v1/tenancies/",
        {
            "unit": unit.id,
            "person": f.make_person(estate).id,
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
        },
    )
    assert first.status_code == 201
    second_tenant = f.make_person(estate, "李四")
    audit_before = AuditEntry.objects.count()
    overlapping = desk_api.post(
        "/api/v1/tenancies/",
        {"unit": unit.id, "person": second_tenant.id, "start_date": "2025-12-31", "end_date": "2026-06-30"},
    )
    assert field_codes(overlapping, "start_date") == {"lease_overlap"}
    assert Tenancy.objects.count() == 1
    assert AuditEntry.objects.count() == audit_before
    following = desk_api.post(
        "/api/v1/tenancies/",
        {
            "unit": unit.id,
            "person": f.make_person(estate, "王五").id,
            "start_date": "2026-01-01",
            "end_date": "2026-06-30",
        },
    )
    assert following.status_code == 201


def test_ownership_shares_cannot_exceed_100(desk_api, estate):
    unit = f.make_unit(f.make_building(estate))
    a = desk_api.post(
        "/api/v1/ownerships/",
        {"unit": unit.id, "person": f.make_person(estate).id, "share": "60", "start_date": "2020-01-01"},
    )
    assert a.status_code == 201
    b = desk_api.post(
        "/api/v1/ownerships/",
        {
            "unit": unit.id,
            "person": f.make_person(estate, "配偶").id,
            "share": "50",
            "start_date": "2020-01-01",
        },
    )
    assert field_codes(b, "share") == {"share_exceeded"}


def test_person_of_other_estate_cannot_own_unit(desk_api, estate, other_estate):
    unit = f.make_unit(f.make_building(estate))
    stranger = f.make_person(other_estate)
    response = desk_api.post(
        "/api/v1/ownerships/", {"unit": unit.id, "person": stranger.id, "start_date": "2020-01-01"}
    )
    # The other estate's person is invisible to this caller: the reference itself does not resolve.
    assert field_codes(response, "person") == {"does_not_exist"}


def test_duplicate_id_number_in_estate(desk_api, estate):
    f.make_person(estate, id_number=f.VALID_RIC[0])
    response = desk_api.post(
        "/api/v1/persons/", {"name": "重复", "phone": "13800138001", "id_number": f.VALID_RIC[0].lower()}
    )
    assert field_codes(response, "id_number") == {"unique"}


def test_missing_required_fields(desk_api):
    response = desk_api.post("/api/v1/units/", {})
    assert response.status_code == 400
    assert {"building", "number", "floor", "unit_type", "area"} <= set(response.json()["error"]["fields"])


def test_malformed_json_is_400(desk_api):
    response = desk_api.client.post("/api/v1/units/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_unknown_api_path_is_json_404(desk_api):
    response = desk_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_page_size_capped_at_500(desk_api, estate):
    building = f.make_building(estate, floors=50)
    for n in range(3):
        f.make_unit(building, number=f"X{n}", floor=1)
    response = desk_api.get("/api/v1/units/", {"page_size": 2})
    assert response.json()["count"] == 3 and len(response.json()["results"]) == 2
    assert desk_api.get("/api/v1/units/", {"page_size": 100000}).status_code == 200


def test_delete_building_with_units_is_conflict(desk_api, estate):
    building = f.make_building(estate)
    f.make_unit(building)
    response = desk_api.delete(f"/api/v1/buildings/{building.id}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "in_use"


def test_person_lookup_by_id_number(desk_api, estate, other_estate):
    mine = f.make_person(estate, "甲", id_number=f.VALID_RIC[2])
    f.make_person(other_estate, "乙", id_number=f.VALID_RIC[2])
    response = desk_api.get("/api/v1/persons/", {"id_number": f.VALID_RIC[2]})
    assert [row["id"] for row in response.json()["results"]] == [mine.id]
    assert response.json()["results"][0]["id_number"] == "1101**********4477"


def test_estate_figures(desk_api, estate):
    building = f.make_building(estate)
    owned, rented, empty = (f.make_unit(building, area=a) for a in ("100.00", "80.50", "60.00"))
    owner = f.make_person(estate)
    from backoffice.people.models import Ownership

    Ownership.objects.create(estate=estate, unit=owned, person=owner, start_date=dt.date(2020, 1, 1))
    Ownership.objects.create(estate=estate, unit=rented, person=owner, start_date=dt.date(2020, 1, 1))
    Tenancy.objects.create(
        estate=estate,
        unit=rented,
        person=f.make_person(estate, "租客"),
        start_date=dt.date.today() - dt.timedelta(days=10),
        end_date=dt.date.today() + dt.timedelta(days=300),
    )
    figures = desk_api.get(f"/api/v1/estates/{estate.id}/").json()["figures"]
    assert figures["buildings"] == 1
    assert figures["units"] == 3
    assert figures["households"] == 2
    assert figures["occupied_units"] == 1
    assert figures["vacant_units"] == 2
    assert figures["billable_area"] == "180.50"
    assert figures["total_unit_area"] == "240.50"
