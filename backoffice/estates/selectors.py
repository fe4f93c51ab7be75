"""Read-only queries on estates: scoped lists and the figures an estate manager reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from .models import Building, Estate, ParkingLot, ParkingSpace, ParkingZone, Unit


def _scoped(queryset: QuerySet, estate_field: str, estate_ids: Iterable[int] | None) -> QuerySet:
    if estate_ids is None:
        return queryset
    return queryset.filter(**{f"{estate_field}__in": list(estate_ids)})


def estate_list(*, estate_ids: Iterable[int] | None) -> QuerySet[Estate]:
    return _scoped(Estate.objects.all(), "id", estate_ids)


def building_list(*, estate_ids: Iterable[int] | None) -> QuerySet[Building]:
    return _scoped(Building.objects.select_related("estate"), "estate_id", estate_ids)


def unit_list(*, estate_ids: Iterable[int] | None) -> QuerySet[Unit]:
    return _scoped(Unit.objects.select_related("building"), "estate_id", estate_ids)


def parking_lot_list(*, estate_ids: Iterable[int] | None) -> QuerySet[ParkingLot]:
    return _scoped(ParkingLot.objects.all(), "estate_id", estate_ids)


def parking_zone_list(*, estate_ids: Iterable[int] | None) -> QuerySet[ParkingZone]:
    return _scoped(ParkingZone.objects.select_related("lot"), "estate_id", estate_ids)


def parking_space_list(*, estate_ids: Iterable[int] | None) -> QuerySet[ParkingSpace]:
    return _scoped(ParkingSpace.objects.select_related("zone"), "estate_id", estate_ids)


def _current(prefix: str, today: dt.date) -> Q:
    return Q(**{f"{prefix}start_date__lte": today}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": today})
    )


def units_with_current_owner(*, today: dt.date) -> Q:
    """Condition on Unit: it has an ownership running today (a delivered household, 户)."""
    from django.apps import apps

    ownership = apps.get_model("people", "Ownership")
    return Q(Exists(ownership.objects.filter(_current("", today), unit=OuterRef("pk"))))


def units_occupied(*, today: dt.date) -> Q:
    """Condition on Unit: someone lives or works there today (a tenant or a registered household member)."""
    from django.apps import apps

    tenancy = apps.get_model("people", "Tenancy")
    member = apps.get_model("people", "HouseholdMember")
    return Q(Exists(tenancy.objects.filter(_current("", today), unit=OuterRef("pk")))) | Q(
        Exists(member.objects.filter(_current("", today), unit=OuterRef("pk")))
    )


def estate_figures(*, estate: Estate, today: dt.date | None = None) -> dict[str, object]:
    """The derived figures of one estate.

    households: units with a current owner (delivered, 户数); occupied: units where a tenant or a household
    member lives today (入住); vacant: units - occupied; billable_area: area of units with a current owner,
    the base of area-based property fees (计费面积).
    """
    today = today or timezone.localdate()
    units = Unit.objects.filter(estate=estate)
    owned = units.filter(units_with_current_owner(today=today))
    zero = Decimal("0.00")
    unit_count = units.count()
    occupied = units.filter(units_occupied(today=today)).count()
    spaces = ParkingSpace.objects.filter(estate=estate)
    return {
        "buildings": Building.objects.filter(estate=estate).count(),
        "units": unit_count,
        "households": owned.count(),
        "occupied_units": occupied,
        "vacant_units": unit_count - occupied,
        "total_unit_area": units.aggregate(total=Sum("area"))["total"] or zero,
        "billable_area": owned.aggregate(total=Sum("area"))["total"] or zero,
        "parking_spaces": spaces.count(),
        "parking_spaces_free": spaces.filter(status="free").count(),
    }
