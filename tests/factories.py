"""Small builders for test data; each returns saved rows through the domain services or plain ORM."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from backoffice.accounts.models import EstateMembership, User
from backoffice.estates.models import Building, Estate, Unit
from backoffice.people.models import Person
from backoffice.people.services import person_create

_seq = itertools.count(1)
PASSWORD = "Str0ng-pass-2026"

# Valid resident ID numbers (checksums correct) for tests.
VALID_RIC = ["11010519491231002X", "310104198805120019", "110101199003074477", "440305199206150022"]
VALID_USCC = "91110000802100433B"


def make_estate(code: str | None = None, **extra) -> Estate:
    n = next(_seq)
    return Estate.objects.create(
        code=code or f"E{n}",
        name=extra.pop("name", f"Estate {n}"),
        address=extra.pop("address", "1 Road"),
        **extra,
    )


def make_building(estate: Estate, name: str | None = None, floors: int = 10) -> Building:
    return Building.objects.create(estate=estate, name=name or f"B{next(_seq)}", floors=floors)


def make_unit(
    building: Building,
    number: str | None = None,
    floor: int = 1,
    area: str = "88.50",
    unit_type="residential",
) -> Unit:
    number = number or f"{floor}{next(_seq):02d}"
    return Unit.objects.create(
        estate=building.estate,
        building=building,
        number=number,
        floor=floor,
        unit_type=unit_type,
        area=Decimal(area),
        label=f"{building.name}-{number}",
    )


def make_person(
    estate: Estate, name: str = "张三", phone: str = "13800138000", id_number: str = ""
) -> Person:
    data = {"estate": estate, "name": name, "phone": phone}
    if id_number:
        data["id_number"] = id_number
    return person_create(actor=None, data=data)


def make_user(
    roles_by_estate: dict[Estate, list[str]] | None = None,
    *,
    username: str | None = None,
    person=None,
    superuser=False,
) -> User:
    user = User.objects.create_user(
        username=username or f"user{next(_seq)}", password=PASSWORD, person=person, is_superuser=superuser
    )
    for estate, roles in (roles_by_estate or {}).items():
        for role in roles:
            EstateMembership.objects.create(user=user, estate=estate, role=role)
    return user


def today() -> dt.date:
    return dt.date.today()
