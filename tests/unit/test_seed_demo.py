"""`manage.py seed_demo`: a realistic, valid demo estate with a login per role, loaded only once."""

from __future__ import annotations

import io
import random
from collections import defaultdict
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient
from stdnum.cn import ric

from backoffice.accounts import demo
from backoffice.accounts.choices import Role
from backoffice.accounts.models import EstateMembership, User
from backoffice.core.models import AuditEntry
from backoffice.core.validators import normalize_phone
from backoffice.estates.models import Building, Estate, ParkingLot, ParkingSpace, ParkingZone, Unit
from backoffice.people import selectors, services
from backoffice.people.fakes import ric_check_digit
from backoffice.people.models import HouseholdMember, Ownership, Person, Tenancy

MODELS = (
    Estate,
    Building,
    Unit,
    ParkingLot,
    ParkingZone,
    ParkingSpace,
    Person,
    Ownership,
    Tenancy,
    HouseholdMember,
    User,
    EstateMembership,
    AuditEntry,
)


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_twice_creates_nothing_twice(db):
    first_output = _seed()
    after_first = _counts()
    second_output = _seed()
    assert _counts() == after_first
    assert "created" in first_output and "already present" in second_output

    estate = Estate.objects.get(code="SUNSHINE")
    assert estate.name == "阳光花园" and estate.address.startswith("上海市")
    assert estate.land_area > 0 and estate.building_area > 0
    buildings = Building.objects.filter(estate=estate)
    assert sorted(buildings.values_list("name", flat=True)) == sorted(
        [f"{n}栋" for n in range(1, 7)] + ["商业楼"]
    )
    units = Unit.objects.filter(estate=estate)
    assert units.count() == 442
    assert units.filter(unit_type="residential").count() == 432
    assert units.filter(unit_type="shop").count() == 10
    numbers = {f"{floor}{position:02d}" for floor in range(1, 19) for position in range(1, 5)}
    for building in buildings.exclude(name="商业楼"):
        assert set(units.filter(building=building).values_list("number", flat=True)) == numbers
    assert units.get(label="1栋-1804").floor == 18
    assert set(units.values_list("area", flat=True)) >= {Decimal("89.50"), Decimal("143.60")}

    # One login per role code, each holding exactly its role in the estate, plus the superuser.
    for role in Role:
        holders = EstateMembership.objects.filter(estate=estate, role=role)
        assert list(holders.values_list("user__username", flat=True)) == [role.value]
        assert User.objects.get(username=role.value).check_password(demo.DEMO_PASSWORD)
        assert role.value in first_output
    root = User.objects.get(username="root")
    assert root.is_superuser and root.check_password(demo.DEMO_PASSWORD)
    assert demo.DEMO_PASSWORD in first_output


def test_seed_demo_people_and_parking_are_plausible(db):
    _seed()
    estate = Estate.objects.get(code="SUNSHINE")
    today = timezone.localdate()
    owned = set(
        Ownership.objects.filter(selectors.current_period(today), estate=estate).values_list(
            "unit_id", flat=True
        )
    )
    assert 0.80 <= len(owned) / 442 <= 0.90
    leased = set(
        Tenancy.objects.filter(selectors.current_period(today), estate=estate).values_list(
            "unit_id", flat=True
        )
    )
    assert 0.07 <= len(leased) / 442 <= 0.13 and leased <= owned
    lived_in = set(HouseholdMember.objects.filter(estate=estate).values_list("unit_id", flat=True))
    assert len(lived_in) > len(owned) / 2

    shares: dict[int, Decimal] = defaultdict(Decimal)
    for ownership in Ownership.objects.filter(selectors.current_period(today), estate=estate):
        shares[ownership.unit_id] += ownership.share
    assert set(shares.values()) == {Decimal("100")}
    periods = defaultdict(list)
    for tenancy in Tenancy.objects.filter(estate=estate).order_by("start_date"):
        assert tenancy.start_date <= tenancy.end_date
        periods[tenancy.unit_id].append(tenancy)
    for leases in periods.values():
        for earlier, later in zip(leases, leases[1:], strict=False):
            assert earlier.end_date < later.start_date

    zones = dict(ParkingZone.objects.filter(lot__code="P1", estate=estate).values_list("code", "kind"))
    assert zones == {"B1": "underground", "S": "surface"}
    spaces = ParkingSpace.objects.filter(estate=estate)
    assert spaces.filter(zone__code="B1").count() == 150 and spaces.filter(zone__code="S").count() == 50
    assert spaces.filter(status="sold", unit__isnull=False).count() > 0
    assert spaces.filter(status="rented", unit__isnull=False).count() > 0
    assert not spaces.filter(status__in=["sold", "rented"], unit__isnull=True).exists()


def test_seed_demo_id_numbers_are_valid_encrypted_and_indexed(db):
    _seed()
    persons = list(Person.objects.filter(estate__code="SUNSHINE"))
    one = persons[0]
    clear = services.person_id_number(one)
    assert ric.validate(clear) == clear
    assert clear not in one.id_number_encrypted
    assert list(selectors.person_list_by_id_number(estate_ids=None, id_number=clear)) == [one]

    seen = set()
    for person in persons:
        clear = services.person_id_number(person)
        assert ric.is_valid(clear), clear
        assert person.id_type == "ric"
        assert person.id_number_hmac == services.id_number_index(clear)
        assert person.id_number_masked == f"{clear[:4]}**********{clear[-4:]}"
        assert normalize_phone(person.phone) == person.phone
        assert 2 <= len(person.name) <= 4
        seen.add(clear)
    assert len(seen) == len(persons)


def test_check_digit_matches_stdnum():
    rng = random.Random(7)
    for _ in range(500):
        body = "".join(str(rng.randrange(10)) for _ in range(17))
        assert ric_check_digit(body) == ric.calc_check_digit(body + "0")


def test_owner_login_sees_only_their_units(db):
    _seed()
    owner = User.objects.get(username="owner")
    assert owner.person is not None
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "owner", "password": demo.DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    response = client.get("/api/v1/units/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {unit["label"] for unit in body["results"]} == {demo.OWNER_UNIT, demo.OWNER_SHOP}
    assert {unit["id"] for unit in body["results"]} == selectors.unit_ids_of_person(person_id=owner.person_id)
    assert body["count"] == 2

    staff = APIClient()
    token = staff.post(
        "/api/v1/auth/token/", {"username": "manager", "password": demo.DEMO_PASSWORD}, format="json"
    ).json()["token"]
    staff.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert staff.get("/api/v1/units/").json()["count"] == 442
