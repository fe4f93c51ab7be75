"""POST /api/v1/imports/units/: buildings and units from .xlsx/.csv, all rows or none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backoffice.core.models import AuditEntry
from backoffice.estates.models import Building, Unit

from .. import factories as f
from .sheets import UNIT_HEADER_EN, UNIT_HEADER_ZH, csv_bytes, upload, xlsx_bytes

URL = "/api/v1/imports/units/"

GOOD_ROWS = [
    ["1栋", "101", 1, "住宅", 88.5],
    ["1栋", "1802", 18, "住宅", "120.25"],
    ["2栋", "S01", 1, "商铺", 45],
    ["2栋", "B101", "B1", "写字楼", "60"],
]


def post(api, estate, content, name="units.xlsx", **extra):
    return api.post(URL, {"file": upload(content, name), "estate": estate.id, **extra}, format="multipart")


def counts():
    return Building.objects.count(), Unit.objects.count(), AuditEntry.objects.count()


def test_xlsx_creates_buildings_and_units(api, estate, manager):
    api.as_user(manager)
    response = post(api, estate, xlsx_bytes([UNIT_HEADER_ZH, *GOOD_ROWS]))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] == {"buildings": 2, "units": 4, "persons": 0, "ownerships": 0}
    assert body["rows"] == 4 and body["dry_run"] is False and body["estate"] == estate.id
    one, two = Building.objects.get(name="1栋"), Building.objects.get(name="2栋")
    assert (one.floors, one.basement_floors) == (18, 0)  # the highest floor seen
    assert (two.floors, two.basement_floors) == (1, 1)  # B1 is floor -1
    unit = Unit.objects.get(building=one, number="101")
    assert (unit.estate_id, unit.floor, unit.unit_type, unit.area, unit.label) == (
        estate.id,
        1,
        "residential",
        Decimal("88.50"),
        "1栋-101",
    )
    assert Unit.objects.get(number="B101").unit_type == "office"


def test_imported_rows_are_audited(api, estate, manager):
    api.as_user(manager)
    post(api, estate, xlsx_bytes([UNIT_HEADER_ZH, *GOOD_ROWS]))

    creates = AuditEntry.objects.filter(action="create", actor=manager, estate=estate)
    assert creates.filter(object_type="estates.building").count() == 2
    assert creates.filter(object_type="estates.unit").count() == 4
    summary = AuditEntry.objects.get(action="import")
    assert (summary.object_type, summary.object_id, summary.actor_id) == (
        "estates.estate",
        str(estate.id),
        manager.id,
    )
    assert summary.after["kind"] == "units" and summary.after["created"]["units"] == 4
    assert summary.estate_id == estate.id  # read only by this estate's auditors


def test_import_summary_is_not_shown_to_other_estates(api, estate, other_estate, manager):
    post(api.as_user(manager), estate, xlsx_bytes([UNIT_HEADER_ZH, *GOOD_ROWS]))
    stranger = f.make_user({other_estate: ["admin"]})
    listed = api.as_user(stranger).get("/api/v1/audit-entries/", {"action": "import"}).json()
    assert listed["count"] == 0
    own_admin = f.make_user({estate: ["admin"]})
    assert api.as_user(own_admin).get("/api/v1/audit-entries/", {"action": "import"}).json()["count"] == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_any_encoding(api, estate, admin_user, encoding):
    api.as_user(admin_user)
    rows = [
        UNIT_HEADER_EN + ["floors"],
        ["3号楼", "0301", "3", "residential", "95.00", "6"],
        ["3号楼", "0302", "3", "shop", "30", "6"],
    ]
    response = post(api, estate, csv_bytes(rows, encoding), name="单元.CSV")

    assert response.status_code == 201, response.content
    building = Building.objects.get(estate=estate, name="3号楼")
    assert building.floors == 6  # from the column, not the highest floor
    assert sorted(Unit.objects.values_list("number", "unit_type")) == [
        ("0301", "residential"),
        ("0302", "shop"),
    ]


def test_semicolon_csv_with_extra_columns(api, estate, manager):
    api.as_user(manager)
    content = "备注;楼栋;房号;楼层;类型;建筑面积\n样板间;5栋;501;5;住宅;100\n".encode()
    response = post(api, estate, content, name="u.csv")
    assert response.status_code == 201, response.content
    assert Unit.objects.get().label == "5栋-501"


def test_one_bad_row_rolls_back_everything(api, estate, manager):
    api.as_user(manager)
    f.make_building(estate, name="1栋", floors=5)
    before = counts()
    rows = [
        UNIT_HEADER_ZH,
        ["9栋", "101", 1, "住宅", 80],
        ["9栋", "102", 1, "住宅", -5],
        ["9栋", "103", 1, "别墅", 80],
    ]
    response = post(api, estate, xlsx_bytes(rows))

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "import_failed"
    assert error["rows"] == [
        {
            "row": 3,
            "column": "面积(m²)",
            "field": "area",
            "code": "min_value",
            "message": error["rows"][0]["message"],
        },
        {
            "row": 4,
            "column": "房屋类型",
            "field": "unit_type",
            "code": "invalid_choice",
            "message": error["rows"][1]["message"],
        },
    ]
    assert all(item["message"] for item in error["rows"])
    assert counts() == before
    assert not Building.objects.filter(name="9栋").exists()


def test_every_problem_is_reported_by_row_and_column(api, estate, manager):
    api.as_user(manager)
    f.make_building(estate, name="1栋", floors=5)
    rows = [
        UNIT_HEADER_ZH,
        ["1栋", "601", 6, "住宅", 80],  # above the 5 floors on file
        ["1栋", "101", "一", "住宅", "abc"],  # two bad cells
        ["1栋", "", 1, "住宅", 80],  # missing number
        ["1栋", "102", 1, "住宅", 80],
        ["1栋", "102", 1, "住宅", 80],  # the same unit twice
    ]
    response = post(api, estate, xlsx_bytes(rows))

    reported = [(e["row"], e["field"], e["code"]) for e in response.json()["error"]["rows"]]
    assert reported == [
        (2, "floor", "floor_out_of_range"),
        (3, "floor", "invalid_integer"),
        (3, "area", "invalid_number"),
        (4, "number", "required"),
        (6, "number", "duplicate_row"),
    ]
    assert Unit.objects.count() == 0


def test_missing_column_is_reported_on_the_header_row(api, estate, manager):
    api.as_user(manager)
    response = post(api, estate, xlsx_bytes([["楼栋", "房号", "楼层"], ["1栋", "101", 1]]))
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "import_failed"
    assert {(e["row"], e["field"], e["code"]) for e in error["rows"]} == {
        (1, "unit_type", "missing_column"),
        (1, "area", "missing_column"),
    }


def test_dry_run_checks_and_saves_nothing(api, estate, manager):
    api.as_user(manager)
    before = counts()
    response = post(api, estate, xlsx_bytes([UNIT_HEADER_ZH, *GOOD_ROWS]), dry_run="true")

    assert response.status_code == 200, response.content
    assert response.json()["dry_run"] is True
    assert response.json()["created"]["units"] == 4
    assert counts() == before


def test_dry_run_reports_errors_too(api, estate, manager):
    api.as_user(manager)
    response = post(api, estate, xlsx_bytes([UNIT_HEADER_ZH, ["1栋", "101", 1, "住宅", 0]]), dry_run="true")
    assert response.status_code == 400
    assert response.json()["error"]["rows"][0]["field"] == "area"


def test_reimport_updates_changed_rows_and_skips_the_rest(api, estate, manager):
    api.as_user(manager)
    post(api, estate, xlsx_bytes([UNIT_HEADER_ZH, *GOOD_ROWS]))
    changed = [row[:] for row in GOOD_ROWS]
    changed[0][4] = 90
    response = post(api, estate, xlsx_bytes([UNIT_HEADER_ZH, *changed]))

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"]["units"], body["updated"]["units"], body["unchanged"]["units"]) == (0, 1, 3)
    unit = Unit.objects.get(number="101")
    assert unit.area == Decimal("90.00")
    update = AuditEntry.objects.get(action="update", object_type="estates.unit")
    assert (update.before["area"], update.after["area"]) == ("88.50", "90.00")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("units.xls", b"\xd0\xcf\x11\xe0", "unsupported_file"),
        ("units.pdf", b"%PDF-1.4", "unsupported_file"),
        ("units", b"a,b", "unsupported_file"),
        ("units.xlsx", b"not a zip", "unreadable_file"),
        ("units.csv", b"\n\n", "empty_file"),
        ("units.xlsx", xlsx_bytes([]), "empty_file"),
        ("units.csv", "楼栋,房号\n".encode("utf-16"), "unreadable_file"),
    ],
)
def test_bad_files(api, estate, manager, name, content, code):
    api.as_user(manager)
    response = post(api, estate, content, name=name)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert "file" in response.json()["error"]["fields"]


def test_roles(api, estate, other_estate, technician, service_desk, other_manager):
    content = xlsx_bytes([UNIT_HEADER_ZH, *GOOD_ROWS])
    for user in (technician, service_desk):
        response = post(api.as_user(user), estate, content)
        assert response.status_code == 403, user
        assert response.json()["error"]["code"] == "permission_denied"
    # an estate the caller cannot see is answered like one that does not exist
    response = post(api.as_user(other_manager), estate, content)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["estate"][0]["code"] == "does_not_exist"
    assert Unit.objects.count() == 0


def test_manager_of_one_estate_cannot_import_into_one_they_only_see(api, estate, other_estate):
    user = f.make_user({estate: ["technician"], other_estate: ["manager"]})
    response = post(api.as_user(user), estate, xlsx_bytes([UNIT_HEADER_ZH, *GOOD_ROWS]))
    assert response.status_code == 403
    assert Unit.objects.count() == 0


def test_anonymous_unknown_kind_and_missing_fields(api, estate, manager):
    response = post(api, estate, xlsx_bytes([UNIT_HEADER_ZH]))
    assert response.status_code == 401
    api.as_user(manager)
    response = api.post("/api/v1/imports/parking/", {"file": upload(b"x", "a.csv")}, format="multipart")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = api.post(URL, {"estate": estate.id}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    response = api.post(URL, {"estate": estate.id})  # JSON instead of a file upload
    assert response.status_code == 415
