"""The demo estate 阳光花园 (`SUNSHINE`) and a login for every role: what `manage.py seed_demo` loads.

Contents: six 18-storey blocks (1栋 … 6栋, four flats a floor, 101 … 1804: 432 flats) and a two-storey
商业楼 with 10 shops; owners for about 85 % of the units (some joint owners, some resales with the earlier
owner kept as history), household members for most owner-occupied units, current leases (and some expired
ones) for about 10 %, and car park `P1` with an underground zone `B1` (150 spaces) and a surface zone `S`
(50 spaces), part sold or rented to units. Staff accounts: one per role code, named after it (`admin`,
`manager`, … `process_owner`), an owner account `owner` linked to the owner of 1栋-1201, and the
superuser `root`; every password is `demo-pass-2026` (DEMO_PASSWORD).

Deterministic: one `random.Random(SEED)` drives every choice, so two databases get the same estate (lease
periods are placed around today so there are always current leases; encrypted values differ because Fernet
uses a random IV). Idempotent: the estate is found by its code and the accounts by their usernames; an
existing estate is left as it is (only missing accounts and memberships are added), and existing accounts
keep their passwords. Everything runs in one transaction.

Structure rows (estate, buildings, parking lot and zones) and accounts go through the domain services.
Units, persons and their periods are bulk inserted for speed; they are built so the services' rules hold
(unique numbers, floors in range, non-overlapping leases, shares ≤ 100 %), and ID numbers are validated,
encrypted, indexed and masked exactly as `people.services.person_create` does (`identity_fields`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from backoffice.core import crypto
from backoffice.core.errors import RuleRefused
from backoffice.core.models import AuditAction
from backoffice.core.money import to_decimal
from backoffice.core.services import audit_record, instance_save
from backoffice.core.validators import normalize_id_number
from backoffice.estates import services as estate_services
from backoffice.estates.choices import ParkingSpaceStatus, ParkingZoneKind, UnitType
from backoffice.estates.models import Building, Estate, ParkingLot, ParkingSpace, ParkingZone, Unit
from backoffice.estates.selectors import estate_figures
from backoffice.people.choices import HouseholdRelation, IdType
from backoffice.people.fakes import FakeIdentities
from backoffice.people.models import HouseholdMember, Ownership, Person, Tenancy
from backoffice.people.selectors import current_period
from backoffice.people.services import id_number_index

from . import services
from .choices import Role
from .models import EstateMembership, User

DEMO_PASSWORD = "demo-pass-2026"
SUPERUSER = "root"
OWNER_USERNAME = Role.OWNER.value
SEED = 20260101

ESTATE = {
    "code": "SUNSHINE",
    "name": "阳光花园",
    "address": "上海市浦东新区锦绣路2288弄",
    "land_area": Decimal("36800.00"),
    "time_zone": "Asia/Shanghai",
}
HANDOVER = dt.date(2018, 6, 30)  # 交房: the first ownerships start after it
FLOORS = 18
# Area (m², 建筑面积) of flats 01 … 04 on every floor of a block.
LAYOUTS = {
    "1栋": ("89.50", "110.20", "110.20", "89.50"),
    "2栋": ("89.50", "110.20", "110.20", "89.50"),
    "3栋": ("89.50", "110.20", "110.20", "89.50"),
    "4栋": ("128.00", "143.60", "143.60", "128.00"),
    "5栋": ("128.00", "143.60", "143.60", "128.00"),
    "6栋": ("143.60", "168.30", "168.30", "143.60"),
}
SHOP_BUILDING = "商业楼"
SHOPS = (  # (floor, number, area)
    (1, "101", "45.80"),
    (1, "102", "62.30"),
    (1, "103", "88.00"),
    (1, "104", "120.50"),
    (1, "105", "62.30"),
    (1, "106", "45.80"),
    (2, "201", "150.00"),
    (2, "202", "96.40"),
    (2, "203", "96.40"),
    (2, "204", "150.00"),
)
# The owner account's person owns this flat and this shop (and space B1-001).
OWNER_UNIT = "1栋-1201"
OWNER_SHOP = f"{SHOP_BUILDING}-101"
PARKING_LOT = {"code": "P1", "name": "阳光花园停车场"}
PARKING_ZONES = (  # (code, name, kind, spaces)
    ("B1", "地下一层", ParkingZoneKind.UNDERGROUND, 150),
    ("S", "地面停车区", ParkingZoneKind.SURFACE, 50),
)
STAFF_NAMES = {  # role -> (family name, given name)
    Role.ADMIN: ("周", "立群"),
    Role.MANAGER: ("陈", "建华"),
    Role.SUPERVISOR: ("郑", "国平"),
    Role.SERVICE_DESK: ("李", "婷"),
    Role.DISPATCHER: ("王", "海涛"),
    Role.TECHNICIAN: ("赵", "永刚"),
    Role.FINANCE: ("孙", "丽华"),
    Role.SECURITY: ("刘", "强"),
    Role.PROCESS_OWNER: ("吴", "晓东"),
}


@dataclass
class DemoLogin:
    username: str
    roles: str
    name: str
    created: bool


@dataclass
class DemoResult:
    estate: Estate
    estate_created: bool
    logins: list[DemoLogin] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)


def identity_fields(id_number: str) -> dict[str, str]:
    """The stored form of a resident ID number, exactly as `person_create` writes it.

    Validated by the domain's validator, encrypted (Fernet), blind-indexed (HMAC) and masked.
    """
    canonical = normalize_id_number(IdType.RESIDENT_ID, id_number).upper()
    return {
        "id_type": IdType.RESIDENT_ID,
        "id_number_encrypted": crypto.encrypt(canonical),
        "id_number_hmac": id_number_index(canonical),
        "id_number_masked": crypto.mask(canonical),
    }


# --- entry point --------------------------------------------------------------------------------------------


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> DemoResult:
    """Load the demo estate and accounts unless they exist; returns what is there and the logins."""
    today = today or timezone.localdate()
    root, root_created = _ensure_superuser()
    estate = Estate.objects.filter(code=ESTATE["code"]).first()
    result = DemoResult(estate=estate, estate_created=estate is None)
    if estate is None:
        result.estate = estate = _create_estate(
            actor=root,
            rng=random.Random(SEED),  # noqa: S311 (demo data, not a secret)
            today=today,
        )
    result.logins.append(DemoLogin(SUPERUSER, "superuser", "", root_created))
    result.logins.extend(_ensure_staff(actor=root, estate=estate))
    owner_login = _ensure_owner_account(actor=root, estate=estate, today=today)
    if owner_login is not None:
        result.logins.append(owner_login)
    result.counts = demo_counts(estate=estate, today=today)
    if result.estate_created:
        audit_record(
            actor=root,
            action=AuditAction.IMPORT,
            instance=estate,
            before=None,
            after={"source": "seed_demo", **result.counts},
        )
    return result


def demo_counts(*, estate: Estate, today: dt.date) -> dict[str, Any]:
    """What the estate holds, for the command's summary and for tests."""
    units = Unit.objects.filter(estate=estate)
    by_type = dict(units.values_list("unit_type").annotate(n=Count("id")).order_by())
    spaces = dict(
        ParkingSpace.objects.filter(estate=estate).values_list("status").annotate(n=Count("id")).order_by()
    )
    figures = estate_figures(estate=estate, today=today)
    return {
        "buildings": Building.objects.filter(estate=estate).count(),
        "units": units.count(),
        "residential_units": by_type.get(UnitType.RESIDENTIAL, 0),
        "shops": by_type.get(UnitType.SHOP, 0),
        "persons": Person.objects.filter(estate=estate).count(),
        "ownerships_current": Ownership.objects.filter(current_period(today), estate=estate).count(),
        "ownerships_ended": Ownership.objects.filter(estate=estate, end_date__lt=today).count(),
        "tenancies_current": Tenancy.objects.filter(current_period(today), estate=estate).count(),
        "tenancies_ended": Tenancy.objects.filter(estate=estate, end_date__lt=today).count(),
        "household_members": HouseholdMember.objects.filter(estate=estate).count(),
        "households": figures["households"],
        "occupied_units": figures["occupied_units"],
        "vacant_units": figures["vacant_units"],
        "billable_area": str(to_decimal(figures["billable_area"])),
        "parking_lots": ParkingLot.objects.filter(estate=estate).count(),
        "parking_zones": ParkingZone.objects.filter(estate=estate).count(),
        "parking_spaces": sum(spaces.values()),
        **{f"parking_spaces_{status}": spaces.get(status, 0) for status in ParkingSpaceStatus.values},
    }


# --- accounts -----------------------------------------------------------------------------------------------


def _ensure_superuser() -> tuple[User, bool]:
    user = User.objects.filter(username__iexact=SUPERUSER).first()
    if user is not None:
        if not (user.is_superuser and user.is_active):
            raise RuleRefused(
                f"The account {SUPERUSER!r} exists but is not an active superuser; the demo needs it.",
                code="demo_superuser_missing",
            )
        return user, False
    user = User(username=SUPERUSER, is_superuser=True, is_staff=True, email=f"{SUPERUSER}@example.com")
    user.set_password(DEMO_PASSWORD)
    instance_save(actor=None, instance=user, exclude_validation=["password"])
    return user, True


def _ensure_account(
    *, actor: User, estate: Estate, username: str, role: str, person: Person | None, names: tuple[str, str]
) -> DemoLogin:
    user = User.objects.filter(username__iexact=username).first()
    created = user is None
    if created:
        last_name, first_name = names
        user = services.user_create(
            actor=actor,
            username=username,
            password=DEMO_PASSWORD,
            roles=[role],
            estates=[estate],
            person=person,
            email=f"{username}@example.com",
            first_name=first_name,
            last_name=last_name,
        )
    else:
        EstateMembership.objects.get_or_create(user=user, estate=estate, role=role)
    return DemoLogin(user.username, role, f"{user.last_name}{user.first_name}", created)


def _ensure_staff(*, actor: User, estate: Estate) -> list[DemoLogin]:
    return [
        _ensure_account(
            actor=actor, estate=estate, username=role.value, role=role.value, person=None, names=names
        )
        for role, names in STAFF_NAMES.items()
    ]


def _ensure_owner_account(*, actor: User, estate: Estate, today: dt.date) -> DemoLogin | None:
    existing = User.objects.filter(username__iexact=OWNER_USERNAME).first()
    person = existing.person if existing is not None else None
    if person is None:
        ownership = (
            Ownership.objects.filter(current_period(today), estate=estate, unit__label=OWNER_UNIT)
            .select_related("person")
            .order_by("start_date", "id")
            .first()
        )
        if ownership is None:
            return None  # the estate was changed by hand; nothing sensible to link the account to
        person = ownership.person
        if existing is None and User.objects.filter(person=person).exists():
            return None  # someone else's account already speaks for this person
    name = person.name
    return _ensure_account(
        actor=actor,
        estate=estate,
        username=OWNER_USERNAME,
        role=Role.OWNER.value,
        person=person,
        names=(name[:1], name[1:]),
    )


# --- the estate ---------------------------------------------------------------------------------------------


def _create_estate(*, actor: User, rng: random.Random, today: dt.date) -> Estate:
    unit_area = sum(
        (Decimal(area) * FLOORS for areas in LAYOUTS.values() for area in areas), Decimal(0)
    ) + sum((Decimal(area) for _floor, _number, area in SHOPS), Decimal(0))
    estate = estate_services.estate_create(
        actor=actor,
        data={**ESTATE, "building_area": to_decimal(unit_area * Decimal("1.18"))},  # + common areas
    )
    units = _create_units(actor=actor, estate=estate)
    people = _People(estate=estate, rng=rng, today=today)
    for unit in units:
        people.settle(unit)
    people.save()
    _create_parking(actor=actor, estate=estate, rng=rng, units=units, owned=people.owned_unit_ids)
    return estate


def _create_units(*, actor: User, estate: Estate) -> list[Unit]:
    units: list[Unit] = []
    for name, areas in LAYOUTS.items():
        building = estate_services.building_create(
            actor=actor, data={"estate": estate, "name": name, "floors": FLOORS, "basement_floors": 1}
        )
        for floor in range(1, FLOORS + 1):
            for position, area in enumerate(areas, start=1):
                units.append(_unit(building, f"{floor}{position:02d}", floor, UnitType.RESIDENTIAL, area))
    shops = estate_services.building_create(
        actor=actor, data={"estate": estate, "name": SHOP_BUILDING, "floors": 2}
    )
    units.extend(_unit(shops, number, floor, UnitType.SHOP, area) for floor, number, area in SHOPS)
    Unit.objects.bulk_create(units, batch_size=500)
    return units


def _unit(building: Building, number: str, floor: int, unit_type: str, area: str) -> Unit:
    return Unit(
        estate_id=building.estate_id,
        building=building,
        number=number,
        floor=floor,
        unit_type=unit_type,
        area=Decimal(area),
        label=estate_services.unit_label(building, number),
    )


def _month_start(day: dt.date, months_back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


class _People:
    """Decides, unit by unit, who owns, rents and lives there; then saves it all in a few bulk inserts."""

    def __init__(self, *, estate: Estate, rng: random.Random, today: dt.date):
        self.estate, self.rng, self.today = estate, rng, today
        self.ids = FakeIdentities(rng)
        self.persons: list[Person] = []
        # Rows whose person is referenced by object until the persons have their ids.
        self.ownerships: list[tuple[Ownership, Person]] = []
        self.tenancies: list[tuple[Tenancy, Person]] = []
        self.members: list[tuple[HouseholdMember, Person]] = []
        self.owned_unit_ids: list[int] = []
        self.demo_owner: Person | None = None

    def person(self, *, male: bool, age: tuple[int, int], surname: str | None = None) -> Person:
        birth = self.ids.birth_date(age_from=age[0], age_to=age[1], today=self.today)
        person = Person(
            estate=self.estate,
            name=self.ids.name(male=male, surname=surname),
            phone=self.ids.mobile(),
            **identity_fields(self.ids.resident_id(birth_date=birth, male=male)),
        )
        person.demo_birth_date = birth  # used to give children plausible ages
        self.persons.append(person)
        return person

    def own(self, unit: Unit, person: Person, start: dt.date, end: dt.date | None = None, share="100"):
        row = Ownership(estate=self.estate, unit=unit, share=Decimal(share), start_date=start, end_date=end)
        self.ownerships.append((row, person))

    def live(self, unit: Unit, person: Person, relation: str, start: dt.date) -> None:
        row = HouseholdMember(estate=self.estate, unit=unit, relation=relation, start_date=start)
        self.members.append((row, person))

    def settle(self, unit: Unit) -> None:
        rng = self.rng
        is_demo_unit = unit.label in (OWNER_UNIT, OWNER_SHOP)
        if not is_demo_unit and rng.random() >= 0.85:
            return  # unsold or held by the developer: no owner on record
        self.owned_unit_ids.append(unit.pk)
        male = rng.random() < 0.55
        start = HANDOVER + dt.timedelta(days=rng.randrange(150))
        if unit.label == OWNER_SHOP:
            self.own(unit, self.demo_owner, dt.date(2020, 5, 8))
            return
        if not is_demo_unit and rng.random() < 0.06:  # resold: the first owner is kept as history
            resale = dt.date(2019, 3, 1) + dt.timedelta(days=rng.randrange(6 * 365))
            seller = self.person(male=rng.random() < 0.5, age=(35, 75))
            self.own(unit, seller, start, resale - dt.timedelta(days=1))
            start = resale
        owner = self.person(male=male, age=(28, 68) if unit.unit_type == UnitType.RESIDENTIAL else (30, 60))
        if unit.label == OWNER_UNIT:
            self.demo_owner = owner
        married = rng.random() < 0.75
        joint = married and not is_demo_unit and rng.random() < 0.25  # husband and wife, 50/50
        leased = not is_demo_unit and rng.random() < (0.12 if unit.unit_type == UnitType.RESIDENTIAL else 0.5)
        lives_here = not leased and (is_demo_unit or rng.random() < 0.88)
        spouse = self.person(male=not male, age=(26, 68)) if married and (joint or lives_here) else None
        if joint:
            self.own(unit, owner, start, share="50")
            self.own(unit, spouse, start, share="50")
        else:
            self.own(unit, owner, start)
        if leased:
            self.lease(unit)
        elif lives_here:
            moved_in = start + dt.timedelta(days=rng.randrange(30, 120))
            self.household(unit, owner, spouse, male=male, moved_in=moved_in)

    def lease(self, unit: Unit) -> None:
        rng, today = self.rng, self.today
        tenant = self.person(male=rng.random() < 0.5, age=(22, 45))
        rate = (
            Decimal(rng.choice(("85", "95", "105")))
            if unit.unit_type == UnitType.RESIDENTIAL
            else Decimal("180")
        )
        rent = (unit.area * rate / 100).quantize(Decimal("1")) * 100
        start = _month_start(today, rng.randrange(0, 11))
        end = _month_start(start, -12) - dt.timedelta(days=1)  # one year
        self.tenancies.append(
            (
                Tenancy(estate=self.estate, unit=unit, start_date=start, end_date=end, monthly_rent=rent),
                tenant,
            )
        )
        if rng.random() < 0.4:  # an earlier lease, ended the day before this one started
            earlier = tenant if rng.random() < 0.5 else self.person(male=rng.random() < 0.5, age=(22, 45))
            previous_start, previous_end = _month_start(start, 12), start - dt.timedelta(days=1)
            self.tenancies.append(
                (
                    Tenancy(
                        estate=self.estate,
                        unit=unit,
                        start_date=previous_start,
                        end_date=previous_end,
                        monthly_rent=rent - 200,
                    ),
                    earlier,
                )
            )

    def household(self, unit: Unit, owner: Person, spouse: Person | None, *, male: bool, moved_in: dt.date):
        rng = self.rng
        moved_in = min(moved_in, self.today)
        self.live(unit, owner, HouseholdRelation.OWNER, moved_in)
        if spouse is not None:
            self.live(unit, spouse, HouseholdRelation.SPOUSE, moved_in)
        youngest_parent_age = (self.today - owner.demo_birth_date).days // 365
        if youngest_parent_age < 58 and rng.random() < 0.7:
            family = owner.name[0] if male or spouse is None else spouse.name[0]
            for _child in range(rng.choice((1, 1, 1, 2))):
                oldest = max(min(youngest_parent_age - 24, 30), 1)
                child = self.person(male=rng.random() < 0.5, age=(0, oldest), surname=family)
                self.live(unit, child, HouseholdRelation.CHILD, max(moved_in, child.demo_birth_date))
        if rng.random() < 0.15:
            parent = self.person(male=rng.random() < 0.4, age=(70, 88), surname=owner.name[0])
            self.live(unit, parent, HouseholdRelation.PARENT, moved_in)

    def save(self) -> None:
        Person.objects.bulk_create(self.persons, batch_size=500)  # sets the ids (RETURNING)
        for rows, model in (
            (self.ownerships, Ownership),
            (self.tenancies, Tenancy),
            (self.members, HouseholdMember),
        ):
            for row, person in rows:
                row.person_id = person.pk
            model.objects.bulk_create([row for row, _person in rows], batch_size=500)


def _create_parking(
    *, actor: User, estate: Estate, rng: random.Random, units: list[Unit], owned: list[int]
) -> None:
    lot = estate_services.parking_lot_create(actor=actor, data={"estate": estate, **PARKING_LOT})
    owned_ids = set(owned)
    flats = [u for u in units if u.unit_type == UnitType.RESIDENTIAL and u.pk in owned_ids]
    demo_flat = next(u for u in units if u.label == OWNER_UNIT)
    buyers = iter(rng.sample([u for u in flats if u is not demo_flat], len(flats) - 1))
    spaces: list[ParkingSpace] = []
    for code, name, kind, count in PARKING_ZONES:
        zone = estate_services.parking_zone_create(
            actor=actor, data={"lot": lot, "code": code, "name": name, "kind": kind}
        )
        for n in range(1, count + 1):
            status, unit = ParkingSpaceStatus.FREE, None
            draw = rng.random()
            if code == "B1" and n == 1:
                status, unit = ParkingSpaceStatus.SOLD, demo_flat
            elif code == "B1" and n > count - 4:
                status = ParkingSpaceStatus.RESERVED  # kept for the management office and deliveries
            elif kind == ParkingZoneKind.UNDERGROUND and draw < 0.55:
                status, unit = ParkingSpaceStatus.SOLD, next(buyers)
            elif draw < (0.70 if kind == ParkingZoneKind.UNDERGROUND else 0.35):
                status, unit = ParkingSpaceStatus.RENTED, rng.choice(flats)
            spaces.append(
                ParkingSpace(estate=estate, zone=zone, number=f"{code}-{n:03d}", status=status, unit=unit)
            )
    ParkingSpace.objects.bulk_create(spaces, batch_size=500)
