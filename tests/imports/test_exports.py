"""GET /api/v1/exports/{kind}/?estate=: .xlsx lists with the columns the import reads (round trip)."""

from __future__ import annotations

import io

import openpyxl

from backoffice.estates.models import Unit
from backoffice.people.models import Ownership, Person

from .. import factories as f
from .sheets import OWNER_HEADER_ZH, UNIT_HEADER_ZH, read_xlsx, upload, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

UNITS = [
    UNIT_HEADER_ZH,
    ["1栋", "101", 1, "住宅", 88.5],
    ["1栋", "1201", 12, "商铺", 120],
    ["2栋", "B01", -1, "写字楼", "60.25"],
]
OWNERS = [
    OWNER_HEADER_ZH,
    ["1栋", "101", "张三", "13800138000", "zs@example.com", f.VALID_RIC[0], "2024-03-01", 50],
    ["1栋", "101", "王五", "13700137000", "", "", "2024-03-01", 50],
    ["2栋", "B01", "张三", "13800138000", "", f.VALID_RIC[0], "2023-01-15", ""],
]


def imported(api, kind, estate, content):
    response = api.post(
        f"/api/v1/imports/{kind}/",
        {"file": upload(content, "list.xlsx"), "estate": estate.id},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def exported(api, kind, estate):
    response = api.get(f"/api/v1/exports/{kind}/", {"estate": estate.id}, HTTP_ACCEPT=XLSX)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith(f'attachment; filename="{kind}-{estate.code}-')
    return response.content


def test_units_export_is_a_formatted_workbook(api, estate, manager):
    api.as_user(manager)
    imported(api, "units", estate, xlsx_bytes(UNITS))
    workbook = openpyxl.load_workbook(io.BytesIO(exported(api, "units", estate)))
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == ["楼栋", "房号", "楼层", "房屋类型", "面积", "总层数", "地下层数"]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        ("1栋", "101", 1, "住宅", 88.5, 12, 0),
        ("1栋", "1201", 12, "商铺", 120, 12, 0),
        ("2栋", "B01", -1, "写字楼", 60.25, 1, 1),
    ]


def test_english_headers_when_asked_in_english(api, estate, manager):
    api.as_user(manager)
    imported(api, "units", estate, xlsx_bytes(UNITS))
    response = api.get("/api/v1/exports/units/", {"estate": estate.id}, HTTP_ACCEPT_LANGUAGE="en")
    rows = read_xlsx(response.content)
    assert rows[0] == ("building", "number", "floor", "unit_type", "area", "floors", "basement_floors")
    assert rows[1][3] == "residential"


def test_round_trip_into_the_same_estate_changes_nothing(api, estate, manager):
    api.as_user(manager)
    imported(api, "units", estate, xlsx_bytes(UNITS))
    imported(api, "owners", estate, xlsx_bytes(OWNERS))
    units_file, owners_file = exported(api, "units", estate), exported(api, "owners", estate)

    again = imported(api, "units", estate, units_file)
    assert sum(again["created"].values()) == sum(again["updated"].values()) == 0
    assert again["unchanged"]["units"] == 3
    again = imported(api, "owners", estate, owners_file)  # ID numbers come back masked: matched, kept
    assert sum(again["created"].values()) == sum(again["updated"].values()) == 0
    assert again["unchanged"]["ownerships"] == 3
    assert Person.objects.count() == 2
    assert read_xlsx(exported(api, "units", estate)) == read_xlsx(units_file)


def test_round_trip_into_another_estate(api, estate, other_estate, manager):
    api.as_user(manager)
    imported(api, "units", estate, xlsx_bytes(UNITS))
    imported(api, "owners", estate, xlsx_bytes(OWNERS))
    units_file, owners_file = exported(api, "units", estate), exported(api, "owners", estate)

    api.as_user(f.make_user({other_estate: ["manager"]}))
    assert imported(api, "units", other_estate, units_file)["created"]["units"] == 3
    assert imported(api, "owners", other_estate, owners_file)["created"] == {
        "buildings": 0,
        "units": 0,
        "persons": 2,
        "ownerships": 3,
    }
    assert read_xlsx(exported(api, "units", other_estate)) == read_xlsx(units_file)
    copied = read_xlsx(exported(api, "owners", other_estate))
    original = read_xlsx(owners_file)
    id_column = original[0].index("证件号码")
    assert [row[:id_column] + row[id_column + 1 :] for row in copied] == [
        row[:id_column] + row[id_column + 1 :] for row in original
    ]
    # a masked number is never stored as if it were one
    assert set(Person.objects.filter(estate=other_estate).values_list("id_number_hmac", flat=True)) == {""}


def test_owners_export_masks_id_numbers(api, estate, manager):
    api.as_user(manager)
    imported(api, "units", estate, xlsx_bytes(UNITS))
    imported(api, "owners", estate, xlsx_bytes(OWNERS))
    content = exported(api, "owners", estate)
    assert f.VALID_RIC[0].encode() not in content
    rows = read_xlsx(content)
    assert rows[1][:6] == ("1栋", "101", "张三", "+8613800138000", "zs@example.com", "1101**********002X")


def test_export_edit_and_import_again(api, estate, manager):
    """The clerk's loop: export, correct a cell in Excel, upload."""
    api.as_user(manager)
    imported(api, "units", estate, xlsx_bytes(UNITS))
    rows = [list(row) for row in read_xlsx(exported(api, "units", estate))]
    rows[1][4] = 89
    result = imported(api, "units", estate, xlsx_bytes(rows))
    assert result["updated"]["units"] == 1 and result["unchanged"]["units"] == 2
    assert str(Unit.objects.get(number="101").area) == "89.00"


def test_export_roles_and_scoping(api, estate, other_estate, technician, other_manager):
    api.as_user(technician)
    assert api.get("/api/v1/exports/units/", {"estate": estate.id}).status_code == 200
    response = api.get("/api/v1/exports/owners/", {"estate": estate.id})  # personal data
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    api.as_user(other_manager)
    response = api.get("/api/v1/exports/units/", {"estate": estate.id})
    assert response.status_code == 400 and "estate" in response.json()["error"]["fields"]
    assert api.get("/api/v1/exports/units/").status_code == 400
    assert api.get("/api/v1/exports/nothing/", {"estate": other_estate.id}).status_code == 404
    assert Ownership.objects.count() == 0
