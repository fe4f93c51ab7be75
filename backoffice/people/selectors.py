"""Read-only queries on persons, ownerships, leases and household members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import HouseholdMember, Ownership, Person, Tenancy
from .services import id_number_index


def _scoped(queryset: QuerySet, estate_ids: Iterable[int] | None) -> QuerySet:
    return queryset if estate_ids is None else queryset.filter(estate_id__in=list(estate_ids))


def person_list(*, estate_ids: Iterable[int] | None) -> QuerySet[Person]:
    return _scoped(Person.objects.all(), estate_ids)


def person_list_by_id_number(*, estate_ids: Iterable[int] | None, id_number: str) -> QuerySet[Person]:
    """Exact lookup by ID number through the blind index (an index lookup, nothing decrypted)."""
    return person_list(estate_ids=estate_ids).filter(id_number_hmac=id_number_index(id_number))


def ownership_list(*, estate_ids: Iterable[int] | None) -> QuerySet[Ownership]:
    return _scoped(Ownership.objects.select_related("unit", "person"), estate_ids)


def tenancy_list(*, estate_ids: Iterable[int] | None) -> QuerySet[Tenancy]:
    return _scoped(Tenancy.objects.select_related("unit", "person"), estate_ids)


def household_member_list(*, estate_ids: Iterable[int] | None) -> QuerySet[HouseholdMember]:
    return _scoped(HouseholdMember.objects.select_related("unit", "person"), estate_ids)


def current_period(today: dt.date | None = None) -> Q:
    """Rows whose [start_date, end_date] period contains today."""
    today = today or timezone.localdate()
    return Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))


def unit_ids_of_person(*, person_id: int, today: dt.date | None = None) -> set[int]:
    """Units a person owns, rents or lives in today: what an owner account may see (我的房屋)."""
    period = current_period(today)
    ids: set[int] = set()
    for model in (Ownership, Tenancy, HouseholdMember):
        ids.update(model.objects.filter(period, person_id=person_id).values_list("unit_id", flat=True))
    return ids


def unit_ids_owned_by_person(*, person_id: int, today: dt.date | None = None) -> set[int]:
    """Units a person owns today: the owner sees everyone registered there."""
    return set(
        Ownership.objects.filter(current_period(today), person_id=person_id).values_list("unit_id", flat=True)
    )
