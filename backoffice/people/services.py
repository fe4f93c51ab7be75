"""Write actions on persons, ownerships, leases and household members.

Rules that span rows (overlapping leases, ownership shares over 100 %) are checked while the unit row is
locked, so two requests at the same moment cannot both pass the check.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from backoffice.core import crypto
from backoffice.core.errors import ValidationFailed
from backoffice.core.services import apply_changes, instance_delete_unless_used, instance_save
from backoffice.core.validators import normalize_id_number, normalize_phone
from backoffice.estates.models import Unit

from .choices import IdType
from .models import HouseholdMember, Ownership, Person, Tenancy

RIC_SHAPE = re.compile(r"^\d{17}[\dXx]$")


def _field_error(field: str, error: DjangoValidationError) -> ValidationFailed:
    return ValidationFailed.for_field(field, " ".join(error.messages), code=error.code or "invalid")


def guess_id_type(id_number: str) -> str:
    """18 digits (the last may be X) is a resident ID; anything else is taken as a credit code."""
    return IdType.RESIDENT_ID if RIC_SHAPE.match(id_number.strip()) else IdType.CREDIT_CODE


def _set_identity(person: Person, *, id_type: str | None, id_number: str | None) -> None:
    """Validate, encrypt and index the ID number (an empty value clears it)."""
    if id_number is None:
        return
    id_number = id_number.strip()
    if not id_number:
        person.id_type = ""
        person.id_number_encrypted = person.id_number_hmac = person.id_number_masked = ""
        return
    kind = id_type or guess_id_type(id_number)
    try:
        canonical = normalize_id_number(kind, id_number).upper()
    except DjangoValidationError as exc:
        raise _field_error("id_number", exc) from None
    person.id_type = kind
    person.id_number_encrypted = crypto.encrypt(canonical)
    person.id_number_hmac = id_number_index(canonical)
    person.id_number_masked = crypto.mask(canonical)


def id_number_index(id_number: str) -> str:
    """The blind index of an ID number as typed by a clerk (spaces and case do not matter)."""
    return crypto.blind_index(re.sub(r"[\s-]", "", id_number).upper())


def person_id_number(person: Person) -> str:
    """The clear ID number, for the few places entitled to it (contracts, official forms)."""
    return crypto.decrypt(person.id_number_encrypted) if person.id_number_encrypted else ""


def _prepare_person(person: Person, data: dict[str, Any]) -> Person:
    data = dict(data)
    id_number = data.pop("id_number", None)
    id_type = data.pop("id_type", None) or None
    if "phone" in data:
        try:
            data["phone"] = normalize_phone(data["phone"])
        except DjangoValidationError as exc:
            raise _field_error("phone", exc) from None
    apply_changes(person, data)
    if id_type and id_number is None and person.id_number_encrypted:
        id_number = person_id_number(person)  # re-validate the stored number under the new type
    _set_identity(person, id_type=id_type, id_number=id_number)
    if person.id_number_hmac:
        duplicate = (
            Person.objects.filter(estate_id=person.estate_id, id_number_hmac=person.id_number_hmac)
            .exclude(pk=person.pk)
            .exists()
        )
        if duplicate:
            raise ValidationFailed.for_field(
                "id_number",
                _("A person with this ID number is already registered in this estate."),
                code="unique",
            )
    return person


def person_create(*, actor: Any, data: dict[str, Any]) -> Person:
    return instance_save(actor=actor, instance=_prepare_person(Person(), data))


def person_update(*, actor: Any, person: Person, changes: dict[str, Any]) -> Person:
    if "estate" in changes and changes["estate"].pk != person.estate_id:
        raise ValidationFailed.for_field(
            "estate", _("A person cannot move to another estate."), code="immutable"
        )
    return instance_save(actor=actor, instance=_prepare_person(person, changes))


def person_delete(*, actor: Any, person: Person) -> None:
    instance_delete_unless_used(actor=actor, instance=person)


# --- shared period rules ------------------------------------------------------------------------------------


def _check_period(start: dt.date | None, end: dt.date | None, *, end_required: bool = False) -> None:
    if end_required and end is None:
        raise ValidationFailed.for_field("end_date", _("This field is required."), code="required")
    if start and end and end < start:
        raise ValidationFailed.for_field(
            "end_date", _("The end date cannot be before the start date."), code="end_before_start"
        )


def _overlapping(queryset, *, start: dt.date, end: dt.date | None):
    """Rows of `queryset` whose [start_date, end_date] period meets [start, end] (open ends run forever)."""
    queryset = queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        queryset = queryset.filter(start_date__lte=end)
    return queryset


def _lock_unit(unit: Unit) -> Unit:
    return Unit.objects.select_for_update().get(pk=unit.pk)


def _check_same_estate(unit: Unit, person: Person) -> None:
    if unit.estate_id != person.estate_id:
        raise ValidationFailed.for_field(
            "person", _("The person is registered in another estate."), code="other_estate"
        )


# --- ownership ----------------------------------------------------------------------------------------------


def _save_ownership(*, actor: Any, ownership: Ownership) -> Ownership:
    _check_period(ownership.start_date, ownership.end_date)
    _check_same_estate(ownership.unit, ownership.person)
    _lock_unit(ownership.unit)
    ownership.estate_id = ownership.unit.estate_id
    others = _overlapping(
        Ownership.objects.filter(unit_id=ownership.unit_id).exclude(pk=ownership.pk),
        start=ownership.start_date,
        end=ownership.end_date,
    )
    if others.filter(person_id=ownership.person_id).exists():
        raise ValidationFailed.for_field(
            "person", _("This person already owns this unit in that period."), code="duplicate_ownership"
        )
    taken = others.aggregate(total=Sum("share"))["total"] or Decimal("0")
    if ownership.share is not None and taken + Decimal(ownership.share) > Decimal("100"):
        raise ValidationFailed.for_field(
            "share",
            _("Shares in this unit would exceed 100%% (already %(taken)s%%).") % {"taken": taken},
            code="share_exceeded",
        )
    return instance_save(actor=actor, instance=ownership)


@transaction.atomic
def ownership_create(*, actor: Any, data: dict[str, Any]) -> Ownership:
    return _save_ownership(actor=actor, ownership=Ownership(**data))


@transaction.atomic
def ownership_update(*, actor: Any, ownership: Ownership, changes: dict[str, Any]) -> Ownership:
    return _save_ownership(actor=actor, ownership=apply_changes(ownership, changes))


def ownership_delete(*, actor: Any, ownership: Ownership) -> None:
    instance_delete_unless_used(actor=actor, instance=ownership)


# --- tenancy ------------------------------------------------------------------------------------------------


def _save_tenancy(*, actor: Any, tenancy: Tenancy) -> Tenancy:
    _check_period(tenancy.start_date, tenancy.end_date, end_required=True)
    _check_same_estate(tenancy.unit, tenancy.person)
    _lock_unit(tenancy.unit)
    tenancy.estate_id = tenancy.unit.estate_id
    clash = (
        _overlapping(
            Tenancy.objects.filter(unit_id=tenancy.unit_id).exclude(pk=tenancy.pk),
            start=tenancy.start_date,
            end=tenancy.end_date,
        )
        .order_by("start_date")
        .first()
    )
    if clash is not None:
        raise ValidationFailed.for_field(
            "start_date",
            _("The unit is already leased from %(start)s to %(end)s.")
            % {"start": clash.start_date.isoformat(), "end": clash.end_date.isoformat()},
            code="lease_overlap",
        )
    return instance_save(actor=actor, instance=tenancy)


@transaction.atomic
def tenancy_create(*, actor: Any, data: dict[str, Any]) -> Tenancy:
    return _save_tenancy(actor=actor, tenancy=Tenancy(**data))


@transaction.atomic
def tenancy_update(*, actor: Any, tenancy: Tenancy, changes: dict[str, Any]) -> Tenancy:
    return _save_tenancy(actor=actor, tenancy=apply_changes(tenancy, changes))


def tenancy_delete(*, actor: Any, tenancy: Tenancy) -> None:
    instance_delete_unless_used(actor=actor, instance=tenancy)


# --- household members --------------------------------------------------------------------------------------


def _save_member(*, actor: Any, member: HouseholdMember) -> HouseholdMember:
    _check_period(member.start_date, member.end_date)
    _check_same_estate(member.unit, member.person)
    _lock_unit(member.unit)
    member.estate_id = member.unit.estate_id
    twice = _overlapping(
        HouseholdMember.objects.filter(unit_id=member.unit_id, person_id=member.person_id).exclude(
            pk=member.pk
        ),
        start=member.start_date,
        end=member.end_date,
    ).exists()
    if twice:
        raise ValidationFailed.for_field(
            "person",
            _("This person is already registered in this unit for that period."),
            code="duplicate_member",
        )
    return instance_save(actor=actor, instance=member)


@transaction.atomic
def household_member_create(*, actor: Any, data: dict[str, Any]) -> HouseholdMember:
    return _save_member(actor=actor, member=HouseholdMember(**data))


@transaction.atomic
def household_member_update(
    *, actor: Any, member: HouseholdMember, changes: dict[str, Any]
) -> HouseholdMember:
    return _save_member(actor=actor, member=apply_changes(member, changes))


def household_member_delete(*, actor: Any, member: HouseholdMember) -> None:
    instance_delete_unless_used(actor=actor, instance=member)
