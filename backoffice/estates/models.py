"""Estates (物业项目), their buildings (楼栋) and units (房屋), and parking lots, zones and spaces."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.core.models import TimeStampedModel

from .choices import ParkingSpaceStatus, ParkingZoneKind, UnitType

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
    _("Use letters, digits, '-' and '_' (at most 32), starting with a letter or digit."),
    code="invalid_code",
)
non_negative = MinValueValidator(Decimal("0"), message=_("Must not be negative."))
positive_area = MinValueValidator(Decimal("0.01"), message=_("The area must be greater than zero."))


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="invalid_time_zone")


class Estate(TimeStampedModel):
    """A property-management project: one residential or commercial estate run by the company."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=255)
    land_area = models.DecimalField(
        _("land area (m²)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    building_area = models.DecimalField(
        _("building area (m²)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[non_negative],
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def audit_estate_id(self) -> int | None:
        """An estate's own audit entries (changes, imports) belong to it, so only its auditors read them."""
        return self.pk


class Building(TimeStampedModel):
    """A building (楼栋) of an estate."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("name"), max_length=64)
    floors = models.PositiveSmallIntegerField(
        _("floors"), validators=[MinValueValidator(1, message=_("A building has at least one floor."))]
    )
    basement_floors = models.PositiveSmallIntegerField(_("basement floors"), default=0)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["estate_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "name"],
                name="building_unique_name_per_estate",
                violation_error_message=_("This estate already has a building with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Unit(TimeStampedModel):
    """A unit (房屋): a flat, shop or office. Its estate is copied from the building for fast scoping."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="units"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="units"
    )
    number = models.CharField(_("number"), max_length=32)
    floor = models.SmallIntegerField(_("floor"))
    unit_type = models.CharField(_("type"), max_length=16, choices=UnitType.choices)
    area = models.DecimalField(_("area (m²)"), max_digits=10, decimal_places=2, validators=[positive_area])
    label = models.CharField(
        _("label"),
        max_length=120,
        editable=False,
        help_text=_("Building and number, for search and display."),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"],
                name="unit_unique_number_per_building",
                violation_error_message=_("This building already has a unit with this number."),
            )
        ]
        indexes = [
            models.Index(fields=["estate", "label"], name="unit_estate_label_idx"),
            # A unit list of one estate in its default order (building, number) walks this index; without it
            # PostgreSQL walks every unit of every estate in building order when a search matches many units.
            models.Index(fields=["estate", "building", "number"], name="unit_estate_order_idx"),
        ]

    def __str__(self) -> str:
        return self.label or self.number


class ParkingLot(TimeStampedModel):
    """A car park (停车场) of an estate; its code names it in MQTT topics."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="parking_lots"
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("parking lot")
        verbose_name_plural = _("parking lots")
        ordering = ["estate_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "code"],
                name="parking_lot_unique_code_per_estate",
                violation_error_message=_("This estate already has a parking lot with this code."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ParkingZone(TimeStampedModel):
    """A zone of a lot, underground or surface; fees and availability are counted per zone."""

    estate = models.ForeignKey(Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        ParkingLot, verbose_name=_("parking lot"), on_delete=models.PROTECT, related_name="zones"
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ParkingZoneKind.choices)

    class Meta:
        verbose_name = _("parking zone")
        verbose_name_plural = _("parking zones")
        ordering = ["lot_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "code"],
                name="parking_zone_unique_code_per_lot",
                violation_error_message=_("This parking lot already has a zone with this code."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ParkingSpace(TimeStampedModel):
    """A marked space (车位). A sold or rented space may be tied to a unit."""

    estate = models.ForeignKey(Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+")
    zone = models.ForeignKey(
        ParkingZone, verbose_name=_("zone"), on_delete=models.PROTECT, related_name="spaces"
    )
    number = models.CharField(_("number"), max_length=32)
    status = models.CharField(
        _("status"), max_length=16, choices=ParkingSpaceStatus.choices, default=ParkingSpaceStatus.FREE
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parking_spaces",
    )

    class Meta:
        verbose_name = _("parking space")
        verbose_name_plural = _("parking spaces")
        ordering = ["zone_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "number"],
                name="parking_space_unique_number_per_zone",
                violation_error_message=_("This zone already has a space with this number."),
            )
        ]

    def __str__(self) -> str:
        return self.number
