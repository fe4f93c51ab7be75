"""The equipment-ledger API: validation codes, role rules, attachments, history and maintenance records.

Anonymous, other-estate, wrong-role and CRUD tests of suppliers, equipment and plans are in
tests/api/test_generic.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from backoffice.facilities.models import (
    MAX_ATTACHMENT_BYTES,
    Equipment,
    EquipmentAttachment,
    MaintenancePlan,
    MaintenanceRecord,
    Supplier,
)

from .. import factories as f
from .builders import make_equipment, make_plan, make_supplier

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def field_codes(response, field):
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert field in body["fields"], body
    return {item["code"] for item in body["fields"][field]}


@pytest.fixture
def manager_api(api, estate):
    return api.as_user(f.make_user({estate: ["manager"]}))


@pytest.fixture
def tech_api(api, estate):
    return api.as_user(f.make_user({estate: ["technician"]}))


def equipment_payload(estate, **extra):
    return {
        "estate": estate.id,
        "name": "1号楼1号电梯",
        "model": "GeN2-MR",
        "location": "1号楼电梯井",
        "purchase_date": "2026-03-01",
        "supplier": "奥的斯电梯",
        "warranty_until": "2028-02-29",
        **extra,
    }


# --- equipment ----------------------------------------------------------------------------------------------


def test_create_with_contract_fields(manager_api, estate):
    response = manager_api.post("/api/v1/equipment/", equipment_payload(estate))
    assert response.status_code == 201, response.content
    body = response.json()
    supplier = Supplier.objects.get(estate=estate, name="奥的斯电梯")
    assert body["supplier"] == supplier.pk
    assert body["supplier_name"] == "奥的斯电梯"
    assert (body["category"], body["status"], body["warranty_until"]) == ("other", "in_service", "2028-02-29")
    by_id = manager_api.post(
        "/api/v1/equipment/", equipment_payload(estate, name="2号电梯", supplier=supplier.pk)
    )
    assert by_id.json()["supplier"] == supplier.pk
    assert Supplier.objects.count() == 1


def test_supplier_of_another_estate_is_unknown(api, estate, other_estate):
    api.as_user(f.make_user({estate: ["manager"]}))
    foreign = make_supplier(other_estate)
    response = api.post("/api/v1/equipment/", equipment_payload(estate, supplier=foreign.pk))
    assert field_codes(response, "supplier") == {"does_not_exist"}
    assert Equipment.objects.count() == 0


def test_building_of_another_estate_is_other_estate(api, estate, other_estate):
    api.as_user(f.make_user({estate: ["manager"], other_estate: ["manager"]}))
    building = f.make_building(other_estate)
    response = api.post("/api/v1/equipment/", equipment_payload(estate, building=building.pk))
    assert field_codes(response, "building") == {"other_estate"}
    assert Equipment.objects.count() == 0
    assert Supplier.objects.count() == 0  # the supplier named on the refused item was not kept


def test_invisible_building_is_unknown(manager_api, estate, other_estate):
    response = manager_api.post(
        "/api/v1/equipment/", equipment_payload(estate, building=f.make_building(other_estate).pk)
    )
    assert field_codes(response, "building") == {"does_not_exist"}


def test_warranty_before_purchase(manager_api, estate):
    response = manager_api.post("/api/v1/equipment/", equipment_payload(estate, warranty_until="2026-02-28"))
    assert field_codes(response, "warranty_until") == {"before_purchase"}
    item = make_equipment(estate, purchase_date=dt.date(2026, 3, 1))
    patched = manager_api.patch(f"/api/v1/equipment/{item.pk}/", {"warranty_until": "2026-01-01"})
    assert field_codes(patched, "warranty_until") == {"before_purchase"}
    item.refresh_from_db()
    assert item.warranty_until is None


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"purchase_price": "-1.00"}, "purchase_price", "min_value"),
        ({"status": "broken"}, "status", "invalid_choice"),
        ({"category": "rocket"}, "category", "invalid_choice"),
        ({"supplier": True}, "supplier", "invalid"),
        ({"supplier": "x" * 101}, "supplier", "max_length"),
        ({"name": ""}, "name", "blank"),
    ],
)
def test_bad_equipment_input(manager_api, estate, extra, field, code):
    assert field_codes(manager_api.post("/api/v1/equipment/", equipment_payload(estate, **extra)), field) == {
        code
    }


def test_duplicate_serial_number(manager_api, estate):
    make_equipment(estate, serial_number="OT-0001")
    response = manager_api.post("/api/v1/equipment/", equipment_payload(estate, serial_number="OT-0001"))
    assert field_codes(response, "serial_number") == {"unique"}


def test_filters_and_search(manager_api, estate, other_estate):
    today = timezone.localdate()
    soon = make_equipment(
        estate, name="消防泵", category="fire", warranty_until=today + dt.timedelta(days=20)
    )
    sooner = make_equipment(estate, name="2号电梯", warranty_until=today + dt.timedelta(days=2))
    make_equipment(estate, name="3号电梯", warranty_until=today + dt.timedelta(days=90), location="地下室")
    make_equipment(other_estate, warranty_until=today + dt.timedelta(days=1))

    def ids(params):
        response = manager_api.get("/api/v1/equipment/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids({"warranty_within": 30}) == [sooner.pk, soon.pk]
    assert ids({"category": "fire"}) == [soon.pk]
    assert len(ids({"search": "地下室"})) == 1
    assert field_codes(manager_api.get("/api/v1/equipment/", {"warranty_within": -1}), "warranty_within")
    assert field_codes(manager_api.get("/api/v1/equipment/", {"warranty_within": "soon"}), "warranty_within")


def test_owner_sees_no_equipment(api, estate):
    make_equipment(estate)
    person = f.make_person(estate)
    api.as_user(f.make_user({estate: ["owner"]}, person=person))
    assert api.get("/api/v1/equipment/").status_code == 403
    assert api.get("/api/v1/maintenance-plans/").status_code == 403


def test_equipment_with_plans_cannot_be_deleted(manager_api, estate):
    item = make_equipment(estate)
    make_plan(item)
    response = manager_api.delete(f"/api/v1/equipment/{item.pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "in_use"


# --- attachments --------------------------------------------------------------------------------------------


def upload(client, item, name, content, kind="document", **extra):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content), **extra}
    return client.post(f"/api/v1/equipment/{item.pk}/attachments/", data, format="multipart")


def test_attachment_upload_list_download_delete(manager_api, api, estate, django_capture_on_commit_callbacks):
    item = make_equipment(estate)
    response = upload(manager_api, item, "电梯合同.pdf", PDF, title="维保合同")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["title"], body["file_name"], body["size"]) == (
        "document",
        "维保合同",
        "电梯合同.pdf",
        len(PDF),
    )
    photo = upload(manager_api, item, "machine.PNG", PNG, kind="photo").json()
    assert photo["title"] == "machine.PNG"

    stored = EquipmentAttachment.objects.get(pk=body["id"])
    assert stored.file.name.startswith("equipment/") and stored.estate_id == estate.pk
    listed = manager_api.get(f"/api/v1/equipment/{item.pk}/attachments/").json()
    assert {row["id"] for row in listed} == {body["id"], photo["id"]}

    api.as_user(f.make_user({estate: ["technician"]}))  # every staff role reads
    download = api.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")

    path = stored.file.path
    manager = f.make_user({estate: ["manager"]})
    api.as_user(manager)
    with django_capture_on_commit_callbacks(execute=True):
        removed = api.delete(f"/api/v1/equipment/{item.pk}/attachments/{body['id']}/")
    assert removed.status_code == 204
    assert not EquipmentAttachment.objects.filter(pk=body["id"]).exists()
    import os

    assert not os.path.exists(path)
    assert api.get(body["download_url"]).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "kind", "code"),
    [
        ("setup.exe", b"MZ\x90\x00", "document", "unsupported_file"),
        ("page.html", b"<html></html>", "document", "unsupported_file"),
        ("noextension", PDF, "document", "unsupported_file"),
        ("fake.pdf", b"<script>alert(1)</script>", "document", "unsupported_file"),
        ("fake.png", PDF, "photo", "unsupported_file"),
        ("manual.pdf", PDF, "photo", "unsupported_file"),
        ("empty.pdf", b"", "document", "empty"),
    ],
)
def test_attachment_type_refused(manager_api, estate, name, content, kind, code):
    item = make_equipment(estate)
    assert field_codes(upload(manager_api, item, name, content, kind=kind), "file") == {code}
    assert EquipmentAttachment.objects.count() == 0


def test_attachment_over_20_mb_refused(manager_api, estate):
    item = make_equipment(estate)
    big = PDF + b"\x00" * (MAX_ATTACHMENT_BYTES + 1 - len(PDF))
    assert field_codes(upload(manager_api, item, "scan.pdf", big), "file") == {"file_too_large"}
    exact = PDF + b"\x00" * (MAX_ATTACHMENT_BYTES - len(PDF))
    assert upload(manager_api, item, "scan.pdf", exact).status_code == 201


def test_attachment_roles_and_estates(api, estate, other_estate):
    item = make_equipment(estate)
    api.as_user(f.make_user({estate: ["technician"]}))
    refused = upload(api, item, "a.pdf", PDF)
    assert refused.status_code == 403
    api.as_user(f.make_user({other_estate: ["manager"]}))
    assert upload(api, item, "a.pdf", PDF).status_code == 404
    assert api.get(f"/api/v1/equipment/{item.pk}/attachments/").status_code == 404
    api.anonymous()
    assert api.get(f"/api/v1/equipment/{item.pk}/attachments/").status_code == 401
    assert EquipmentAttachment.objects.count() == 0


def test_attachment_of_another_item_is_not_found(manager_api, estate):
    one, two = make_equipment(estate), make_equipment(estate)
    attachment = upload(manager_api, one, "a.pdf", PDF).json()
    response = manager_api.get(f"/api/v1/equipment/{two.pk}/attachments/{attachment['id']}/download/")
    assert response.status_code == 404


# --- plans --------------------------------------------------------------------------------------------------


def plan_payload(item, **extra):
    return {
        "equipment": item.pk,
        "title": "电梯月度保养",
        "interval": "monthly",
        "next_due": "2027-01-31",
        **extra,
    }


@pytest.mark.parametrize("interval", ["weekly", "P", "PT1H", "P0D", "P1.5M", "P20Y", ""])
def test_bad_interval(manager_api, estate, interval):
    response = manager_api.post(
        "/api/v1/maintenance-plans/", plan_payload(make_equipment(estate), interval=interval)
    )
    assert field_codes(response, "interval") <= {"invalid_interval", "blank"}
    assert MaintenancePlan.objects.count() == 0


@pytest.mark.parametrize("interval", ["monthly", "quarterly", "semiannual", "annual", "P2W", "P10D"])
def test_contract_intervals(manager_api, estate, interval):
    response = manager_api.post(
        "/api/v1/maintenance-plans/", plan_payload(make_equipment(estate), interval=interval)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["interval"], body["estate"], body["responsible_group"]) == (
        interval,
        estate.pk,
        "technician",
    )


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"equipment": None}, "equipment", "required"),
        ({"category": "elevator"}, "category", "equipment_and_category"),
        ({"responsible_group": "owner"}, "responsible_group", "invalid_choice"),
        ({"checklist": [f"第{n}项" for n in range(51)]}, "checklist", "max_length"),
        ({"checklist": ["检查", ""]}, "checklist.1", "blank"),
        ({"next_due": "2027-02-30"}, "next_due", "invalid"),
    ],
)
def test_bad_plan_input(manager_api, estate, extra, field, code):
    response = manager_api.post("/api/v1/maintenance-plans/", plan_payload(make_equipment(estate), **extra))
    assert field_codes(response, field) == {code}


def test_category_plan(manager_api, estate):
    payload = {
        "estate": estate.pk,
        "category": "fire",
        "title": "消防季检",
        "interval": "quarterly",
        "next_due": "2027-03-31",
    }
    response = manager_api.post("/api/v1/maintenance-plans/", payload)
    assert response.status_code == 201, response.content
    assert (response.json()["equipment"], response.json()["category"]) == (None, "fire")
    no_estate = manager_api.post("/api/v1/maintenance-plans/", {**payload, "estate": None})
    assert no_estate.status_code == 400


def test_plan_for_other_estates_equipment(api, estate, other_estate):
    api.as_user(f.make_user({estate: ["manager"], other_estate: ["technician"]}))
    foreign = make_equipment(other_estate)
    response = api.post("/api/v1/maintenance-plans/", plan_payload(foreign, estate=estate.pk))
    assert field_codes(response, "equipment") == {"other_estate"}
    # without an estate, the plan belongs to the equipment's estate, where this user may not write
    assert api.post("/api/v1/maintenance-plans/", plan_payload(foreign)).status_code == 403
    assert MaintenancePlan.objects.count() == 0


def test_due_before_filter(manager_api, estate):
    item = make_equipment(estate)
    early = make_plan(item, next_due=dt.date(2027, 1, 10))
    make_plan(item, next_due=dt.date(2027, 2, 10))
    rows = manager_api.get("/api/v1/maintenance-plans/", {"due_before": "2027-01-31"}).json()["results"]
    assert [row["id"] for row in rows] == [early.pk]


# --- maintenance records and history ------------------------------------------------------------------------


def test_technician_records_maintenance_and_the_plan_advances(tech_api, estate):
    item = make_equipment(estate)
    plan = make_plan(item, next_due=dt.date(2027, 1, 31), checklist=["曳引机", "门机"])
    payload = {
        "plan": plan.pk,
        "equipment": item.pk,
        "due_date": "2027-01-31",
        "performed_on": "2027-02-01",
        "results": [{"item": "曳引机", "ok": True}, {"item": "门机", "ok": False, "note": "异响"}],
        "defects_found": True,
        "notes": "门机需更换皮带",
    }
    response = tech_api.post("/api/v1/maintenance-records/", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["estate"], body["plan_title"], body["defects_found"]) == (estate.pk, "月度保养", True)
    assert body["results"][1] == {"item": "门机", "ok": False, "note": "异响"}
    plan.refresh_from_db()
    assert (plan.next_due, plan.last_done) == (dt.date(2027, 2, 28), dt.date(2027, 2, 1))

    again = tech_api.post("/api/v1/maintenance-records/", payload)
    assert again.json()["id"] == body["id"]
    assert MaintenanceRecord.objects.count() == 1

    history = tech_api.get(f"/api/v1/equipment/{item.pk}/history/").json()
    assert history["count"] == 1
    assert (history["results"][0]["kind"], history["results"][0]["id"]) == ("maintenance", body["id"])

    record = f"/api/v1/maintenance-records/{body['id']}/"
    assert tech_api.patch(record, {"notes": "x"}).status_code == 405
    assert tech_api.delete(record).status_code == 405


def test_records_roles(api, estate, other_estate):
    item = make_equipment(estate)
    payload = {"equipment": item.pk, "performed_on": "2027-02-01"}
    api.as_user(f.make_user({estate: ["service_desk"]}))
    assert api.get("/api/v1/maintenance-records/").status_code == 200
    assert api.post("/api/v1/maintenance-records/", payload).status_code == 403
    api.as_user(f.make_user({estate: ["service_desk"], other_estate: ["technician"]}))
    assert api.post("/api/v1/maintenance-records/", payload).status_code == 403
    api.as_user(f.make_user({other_estate: ["technician"]}))
    assert field_codes(api.post("/api/v1/maintenance-records/", payload), "equipment") == {"does_not_exist"}
    assert MaintenanceRecord.objects.count() == 0


def test_record_refusals(tech_api, estate):
    item = make_equipment(estate)
    plan = make_plan(make_equipment(estate))
    base = {"equipment": item.pk, "performed_on": "2027-02-01"}
    assert field_codes(
        tech_api.post("/api/v1/maintenance-records/", {**base, "plan": plan.pk}), "equipment"
    ) == {"not_in_plan"}
    bad = tech_api.post(
        "/api/v1/maintenance-records/", {**base, "results": [{"item": "门机", "ok": "perhaps"}]}
    )
    assert field_codes(bad, "results.0.ok") == {"invalid"}
    assert MaintenanceRecord.objects.count() == 0
