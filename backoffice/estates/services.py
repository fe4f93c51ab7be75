"""Write actions on estates, buildings, units and parking. Each runs in one transaction and is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.accounts.choices import Role
from backoffice.accounts.models import EstateMembership
from backoffice.core.errors import ValidationFailed
from backoffice.core.services import apply_changes, instance_delete_unless_used, instance_save

from .models import Building, Estate, ParkingLot, ParkingSpace, ParkingZone, Unit

# --- estates ------------------------------------------------------------------------------------------------


@transaction.atomic
def estate_create(*, actor: Any, data: dict[str, Any]) -> Estate:
    """Create an estate; an administrator who is not a superuser administers the estate they create."""
    estate = instance_save(actor=actor, instance=Estate(**data))
    if getattr(actor, "pk", None) and not actor.is_superuser:
        EstateMembership.objects.get_or_create(user=actor, estate=estate, role=Role.ADMIN)
    return estate


def estate_update(*, actor: Any, estate: Estate, changes: dict[str, Any]) -> Estate:
    return instance_save(actor=actor, instance=apply_changes(estate, changes))


def estate_delete(*, actor: Any, estate: Estate) -> None:
    instance_delete_unless_used(actor=actor, instance=estate)


# --- buildings ----------------------------------------------------------------------------------------------


def _check_building_floors(building: Building) -> None:
    if building.pk is None:
        return
    highest = (
        Unit.objects.filter(building=building).order_by("-floor").values_list("floor", flat=True).first()
    )
    lowest = Unit.objects.filter(building=building).order_by("floor").values_list("floor", flat=True).first()
    if highest is not None and highest > building.floors:
        raise ValidationFailed.for_field(
            "floors", _("Units exist up to floor %(floor)s.") % {"floor": highest}, code="units_above"
        )
    if lowest is not None and lowest < -building.basement_floors:
        raise ValidationFailed.for_field(
            "basement_floors",
            _("Units exist down to floor %(floor)s.") % {"floor": lowest},
            code="units_below",
        )


def building_create(*, actor: Any, data: dict[str, Any]) -> Building:
    return instance_save(actor=actor, instance=Building(**data))


@transaction.atomic
def building_update(*, actor: Any, building: Building, changes: dict[str, Any]) -> Building:
    if "estate" in changes and changes["estate"].pk != building.estate_id:
        raise ValidationFailed.for_field(
            "estate", _("A building cannot move to another estate."), code="immutable"
        )
    renamed = "name" in changes and changes["name"] != building.name
    apply_changes(building, changes)
    _check_building_floors(building)
    instance_save(actor=actor, instance=building)
    if renamed:
        for unit in Unit.objects.filter(building=building):
            unit.label = unit_label(building, unit.number)
            unit.save(update_fields=["label", "updated_at"])
    return building


def building_delete(*, actor: Any, building: Building) -> None:
    instance_delete_unless_used(actor=actor, instance=building)


# --- units --------------------------------------------------------------------------------------------------


def unit_label(building: Building, number: str) -> str:
    return f"{building.name}-{number}"


def _prepare_unit(unit: Unit) -> Unit:
    building = unit.building
    if unit.floor is not None and (
        unit.floor == 0 or not -building.basement_floors <= unit.floor <= building.floors
    ):
        raise ValidationFailed.for_field(
            "floor",
            _("Floor must be between %(low)s and %(high)s (and not 0) in this building.")
            % {"low": -building.basement_floors or 1, "high": building.floors},
            code="floor_out_of_range",
        )
    duplicate = Unit.objects.filter(building=building, number=unit.number).exclude(pk=unit.pk).exists()
    if duplicate:
        raise ValidationFailed.for_field(
            "number", _("This building already has a unit with this number."), code="unique"
        )
    unit.estate_id = building.estate_id
    unit.label = unit_label(building, unit.number)
    return unit


def unit_create(*, actor: Any, data: dict[str, Any]) -> Unit:
    return instance_save(actor=actor, instance=_prepare_unit(Unit(**data)))


def unit_update(*, actor: Any, unit: Unit, changes: dict[str, Any]) -> Unit:
    if "building" in changes and changes["building"].estate_id != unit.estate_id:
        raise ValidationFailed.for_field(
            "building", _("A unit cannot move to another estate."), code="immutable"
        )
    return instance_save(actor=actor, instance=_prepare_unit(apply_changes(unit, changes)))


def unit_delete(*, actor: Any, unit: Unit) -> None:
    instance_delete_unless_used(actor=actor, instance=unit)


# --- parking ------------------------------------------------------------------------------------------------


def parking_lot_create(*, actor: Any, data: dict[str, Any]) -> ParkingLot:
    return instance_save(actor=actor, instance=ParkingLot(**data))


def parking_lot_update(*, actor: Any, lot: ParkingLot, changes: dict[str, Any]) -> ParkingLot:
    if "estate" in changes and changes["estate"].pk != lot.estate_id:
        raise ValidationFailed.for_field(
            "estate", _("A parking lot cannot move to another estate."), code="immutable"
        )
    return instance_save(actor=actor, instance=apply_changes(lot, changes))


def parking_lot_delete(*, actor: Any, lot: ParkingLot) -> None:
    instance_delete_unless_used(actor=actor, instance=lot)


def parking_zone_create(*, actor: Any, data: dict[str, Any]) -> ParkingZone:
    zone = ParkingZone(**data)
    zone.estate_id = zone.lot.estate_id
    return instance_save(actor=actor, instance=zone)


def parking_zone_update(*, actor: Any, zone: ParkingZone, changes: dict[str, Any]) -> ParkingZone:
    if "lot" in changes and changes["lot"].estate_id != zone.estate_id:
        raise ValidationFailed.for_field("lot", _("A zone cannot move to another estate."), code="immutable")
    return instance_save(actor=actor, instance=apply_changes(zone, changes))


def parking_zone_delete(*, actor: Any, zone: ParkingZone) -> None:
    instance_delete_unless_used(actor=actor, instance=zone)


def _prepare_space(space: ParkingSpace) -> ParkingSpace:
    space.estate_id = space.zone.estate_id
    if space.unit_id and space.unit.estate_id != space.estate_id:
        raise ValidationFailed.for_field(
            "unit", _("The unit belongs to another estate."), code="other_estate"
        )
    return space


def parking_space_create(*, actor: Any, data: dict[str, Any]) -> ParkingSpace:
    return instance_save(actor=actor, instance=_prepare_space(ParkingSpace(**data)))


def parking_space_update(*, actor: Any, space: ParkingSpace, changes: dict[str, Any]) -> ParkingSpace:
    if "zone" in changes and changes["zone"].estate_id != space.estate_id:
        raise ValidationFailed.for_field(
            "zone", _("A space cannot move to another estate."), code="immutable"
        )
    return instance_save(actor=actor, instance=_prepare_space(apply_changes(space, changes)))


def parking_space_delete(*, actor: Any, space: ParkingSpace) -> None:
    instance_delete_unless_used(actor=actor, instance=space)
