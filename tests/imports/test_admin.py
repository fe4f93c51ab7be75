"""The Django admin: every page opens, saves go through the services, spreadsheets go in and out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from backoffice.accounts.models import AuthToken, EstateMembership, LoginFailure, User
from backoffice.core.models import AuditEntry
from backoffice.estates.models import Building, ParkingLot, ParkingSpace, ParkingZone, Unit
from backoffice.people import services as people_services
from backoffice.people.models import HouseholdMember, Ownership, Person, Tenancy

from .. import factories as f
from .sheets import OWNER_HEADER_ZH, UNIT_HEADER_ZH, read_xlsx, upload, xlsx_bytes

APPS = {"core", "estates", "people", "accounts"}
NO_INLINE_ROWS = {"ownerships-TOTAL_FORMS": "0", "ownerships-INITIAL_FORMS": "0"}


@pytest.fixture
def root(db):
    user = f.make_user(username="root", superuser=True)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def client(root):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(root)
    return browser


@pytest.fixture
def data(estate, admin_user):
    """One row of every model, so lists and change pages render real rows."""
    building = f.make_building(estate, name="1栋", floors=10)
    unit = f.make_unit(building, number="101")
    person = f.make_person(estate, id_number=f.VALID_RIC[0])
    today = dt.date(2024, 1, 1)
    lot = ParkingLot.objects.create(estate=estate, code="P1", name="地下车库")
    zone = ParkingZone.objects.create(estate=estate, lot=lot, code="A", name="A区", kind="underground")
    return {
        "building": building,
        "unit": unit,
        "person": person,
        "ownership": people_services.ownership_create(
            actor=None, data={"unit": unit, "person": person, "start_date": today}
        ),
        "tenancy": Tenancy.objects.create(
            estate=estate, unit=unit, person=person, start_date=today, end_date=dt.date(2024, 12, 31)
        ),
        "member": HouseholdMember.objects.create(
            estate=estate, unit=unit, person=person, relation="owner", start_date=today
        ),
        "lot": lot,
        "zone": zone,
        "space": ParkingSpace.objects.create(estate=estate, zone=zone, number="A-001", unit=unit),
        "token": AuthToken.objects.create(
            user=admin_user, key_hash="x" * 64, expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        ),
        "failure": LoginFailure.objects.create(username="nobody", ip_address="10.0.0.1"),
    }


def registered():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    ]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_list_add_and_change_page_opens(client, data):
    read_only = {AuditEntry, AuthToken, LoginFailure}  # written by the system, never by hand
    seen = set()
    for model, _model_admin in registered():
        seen.add(model)
        assert client.get(url(model, "changelist")).status_code == 200, model
        assert client.get(url(model, "changelist"), {"q": "1"}).status_code == 200, model
        assert client.get(url(model, "add")).status_code == (403 if model in read_only else 200), model
        obj = model._default_manager.first()
        assert client.get(url(model, "change", obj.pk)).status_code == 200, model
    assert {Unit, Person, Ownership, User, EstateMembership, *read_only} <= seen
    assert len(seen) == 15


def test_unit_saves_go_through_the_service(client, root, estate, data):
    building = data["building"]
    form = {
        "building": building.pk,
        "number": "1101",
        "floor": "11",
        "unit_type": "residential",
        "area": "90",
    }
    response = client.post(url(Unit, "add"), {**form, **NO_INLINE_ROWS})
    assert response.status_code == 200  # the building has 10 floors: the service's rule, shown on the field
    assert "floor" in response.context["adminform"].form.errors
    assert not Unit.objects.filter(number="1101").exists()

    response = client.post(url(Unit, "add"), {**form, "floor": "10", **NO_INLINE_ROWS})
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    unit = Unit.objects.get(number="1101")
    assert (unit.estate_id, unit.label) == (estate.id, "1栋-1101")
    assert AuditEntry.objects.filter(action="create", object_id=str(unit.pk), actor=root).exists()

    change = {
        **form,
        "floor": "9",
        "area": "91.5",
        "ownerships-TOTAL_FORMS": "0",
        "ownerships-INITIAL_FORMS": "0",
    }
    assert client.post(url(Unit, "change", unit.pk), change).status_code == 302
    entry = AuditEntry.objects.get(action="update", object_id=str(unit.pk))
    assert (entry.before["floor"], entry.after["floor"]) == (10, 9)


def test_protected_delete_is_refused_with_a_message(client, data):
    building = data["building"]
    response = client.post(url(Building, "delete", building.pk), {"post": "yes"})
    assert response.status_code == 200  # Django lists the units that protect it
    assert Building.objects.filter(pk=building.pk).exists()


def test_person_id_number_is_written_clear_and_shown_masked(client, estate):
    form = {
        "estate": estate.pk,
        "name": "李四",
        "phone": "13900139000",
        "email": "",
        "id_type": "",
        "note": "",
    }
    response = client.post(url(Person, "add"), {**form, "id_number": f.VALID_RIC[1][:-1] + "8"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["id_number"]

    assert client.post(url(Person, "add"), {**form, "id_number": f.VALID_RIC[1]}).status_code == 302
    person = Person.objects.get(name="李四")
    assert person.phone == "+8613900139000" and person.id_number_masked == "3101**********0019"
    page = client.get(url(Person, "change", person.pk)).content.decode()
    assert "3101**********0019" in page and f.VALID_RIC[1] not in page
    found = client.get(url(Person, "changelist"), {"q": f.VALID_RIC[1]})
    assert list(found.context["cl"].result_list) == [person]

    response = client.post(url(Person, "change", person.pk), {**form, "clear_id_number": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.id_number_masked == "" and person.id_number_hmac == ""


def test_unit_import_view(client, estate):
    page = client.get(url(Unit, "import"))
    assert page.status_code == 200 and "form" in page.context

    bad = xlsx_bytes([UNIT_HEADER_ZH, ["1栋", "101", 1, "住宅", 80], ["1栋", "102", 1, "住宅", -1]])
    response = client.post(url(Unit, "import"), {"file": upload(bad, "u.xlsx"), "estate": estate.pk})
    assert response.status_code == 200
    assert [(r["row"], r["field"]) for r in response.context["report"]] == [(3, "area")]
    assert 'id="import-report"' in response.content.decode()
    assert Unit.objects.count() == Building.objects.count() == 0

    good = xlsx_bytes([UNIT_HEADER_ZH, ["1栋", "101", 1, "住宅", 80], ["1栋", "102", 1, "住宅", 81]])
    response = client.post(
        url(Unit, "import"), {"file": upload(good, "u.xlsx"), "estate": estate.pk, "dry_run": "on"}
    )
    assert response.status_code == 200 and Unit.objects.count() == 0

    response = client.post(url(Unit, "import"), {"file": upload(good, "u.xlsx"), "estate": estate.pk})
    assert response.status_code == 302 and response["Location"] == url(Unit, "changelist")
    assert Unit.objects.count() == 2

    response = client.post(url(Unit, "import"), {"file": upload(b"x", "u.pdf"), "estate": estate.pk})
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_owner_import_view(client, estate, data):
    free = f.make_unit(data["building"], number="102")
    rows = [OWNER_HEADER_ZH, ["1栋", "102", "王五", "13700137000", "", "", "2024-05-01", ""]]
    response = client.post(
        url(Ownership, "import"),
        {
            "file": upload(xlsx_bytes(rows[:1] + [["1栋", "101", *rows[1][2:]]]), "o.xlsx"),
            "estate": estate.pk,
        },
    )
    assert [r["code"] for r in response.context["report"]] == ["share_exceeded"]  # 101 is owned in full
    response = client.post(
        url(Ownership, "import"), {"file": upload(xlsx_bytes(rows), "o.xlsx"), "estate": estate.pk}
    )
    assert response.status_code == 302
    assert Ownership.objects.filter(person__name="王五", unit=free).exists()


def test_export_actions(client, estate, other_estate, data):
    unit = data["unit"]
    response = client.post(
        url(Unit, "changelist"), {"action": "export_selected", "_selected_action": [unit.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert read_xlsx(response.content)[1][:5] == ("1栋", "101", 1, "residential", 88.5)

    response = client.post(
        url(Ownership, "changelist"),
        {"action": "export_selected", "_selected_action": [data["ownership"].pk]},
    )
    assert read_xlsx(response.content)[1][2] == "张三"
    response = client.post(
        url(Person, "changelist"), {"action": "export_ownerships", "_selected_action": [data["person"].pk]}
    )
    assert read_xlsx(response.content)[1][5] == "1101**********002X"

    elsewhere = f.make_unit(f.make_building(other_estate), number="9")
    response = client.post(
        url(Unit, "changelist"), {"action": "export_selected", "_selected_action": [unit.pk, elsewhere.pk]}
    )
    assert response.status_code == 302  # refused with a message: an export has no estate column


def test_user_admin_creates_and_grants_roles_through_services(client, root, estate):
    form = {
        "username": "clerk",
        "password1": "Another-pass-2026",
        "password2": "Another-pass-2026",
        "first_name": "",
        "last_name": "",
        "email": "",
        "person": "",
        "is_staff": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-estate": estate.pk,
        "memberships-0-role": "manager",
    }
    response = client.post(url(User, "add"), {**form, "password1": "short", "password2": "short"})
    assert response.status_code == 200 and response.context["adminform"].form.errors["password1"]

    response = client.post(url(User, "add"), {**form, "memberships-0-role": "owner"})
    assert response.status_code == 200  # an owner account needs a person: the formset says so
    assert not User.objects.filter(username="clerk").exists()

    assert client.post(url(User, "add"), form).status_code == 302
    clerk = User.objects.get(username="clerk")
    assert clerk.is_staff and clerk.check_password("Another-pass-2026")
    assert list(clerk.memberships.values_list("estate_id", "role")) == [(estate.id, "manager")]
    audit = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(clerk.pk), actor=root)
    assert audit.filter(after__memberships=[[estate.id, "manager"]]).exists()

    AuthToken.objects.create(user=clerk, key_hash="y" * 64, expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    membership = clerk.memberships.get()
    change = {
        **form,
        "password1": "",
        "is_active": "",
        "groups": [],
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": membership.pk,
        "memberships-0-user": clerk.pk,
        "memberships-0-DELETE": "on",
    }
    assert client.post(url(User, "change", clerk.pk), change).status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active and not clerk.memberships.exists()
    assert not AuthToken.objects.filter(user=clerk).exists()  # deactivation revoked the API token


def test_staff_user_sees_only_their_estates(estate, other_estate):
    from django.contrib.auth.models import Permission

    mine = f.make_unit(f.make_building(estate), number="1")
    theirs = f.make_unit(f.make_building(other_estate), number="2")
    staff = f.make_user({estate: ["technician"]})
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_unit", "change_unit"]))
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(staff)

    listed = browser.get(url(Unit, "changelist")).context["cl"].result_list
    assert list(listed) == [mine]
    assert browser.get(url(Unit, "change", theirs.pk)).status_code == 302  # "does not exist"
    page = browser.get(url(Unit, "change", mine.pk))
    assert page.status_code == 200 and not page.context["has_change_permission"]  # technicians only read
    assert browser.get(url(User, "changelist")).status_code == 403
