"""Persons (业主/住户), who owns which unit (产权), leases (租赁) and household members (家庭成员)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.core.models import TimeStampedModel

from .choices import HouseholdRelation, IdType


class Person(TimeStampedModel):
    """A natural person or a company known to one estate.

    The ID number is never stored in clear: `id_number_encrypted` holds it encrypted, `id_number_hmac` is
    the blind index for exact lookups, `id_number_masked` is what screens show.
    """

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="persons"
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    id_type = models.CharField(_("ID type"), max_length=8, choices=IdType.choices, blank=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hmac = models.CharField(_("ID number index"), max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=32, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "id_number_hmac"],
                condition=~models.Q(id_number_hmac=""),
                name="person_unique_id_number_per_estate",
                violation_error_message=_(
                    "A person with this ID number is already registered in this estate."
                ),
            )
        ]
        indexes = [models.Index(fields=["id_number_hmac"], name="person_id_hmac_idx")]

    def __str__(self) -> str:
        return self.name


class Ownership(TimeStampedModel):
    """A person's share in a unit over a period. Ended ownerships are kept as history (end_date set)."""

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "estates.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="ownerships"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="ownerships"
    )
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("100"),
        validators=[
            MinValueValidator(Decimal("0.01"), message=_("The share must be greater than zero.")),
            MaxValueValidator(Decimal("100"), message=_("The share cannot exceed 100%.")),
        ],
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        ordering = ["unit_id", "-start_date"]
        indexes = [models.Index(fields=["unit", "end_date"], name="ownership_unit_end_idx")]

    def __str__(self) -> str:
        return f"{self.person} → {self.unit}"


class Tenancy(TimeStampedModel):
    """A lease (租赁) of a unit to a tenant. Leases on one unit never overlap."""

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "estates.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tenancies"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("tenant"), on_delete=models.PROTECT, related_name="tenancies"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    monthly_rent = models.DecimalField(
        _("monthly rent"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"), message=_("Must not be negative."))],
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        ordering = ["unit_id", "-start_date"]
        indexes = [models.Index(fields=["unit", "start_date"], name="tenancy_unit_start_idx")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit}"


class HouseholdMember(TimeStampedModel):
    """A person registered as living in a unit (住户), with their relation to the owner."""

    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "estates.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="household_members"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="households"
    )
    relation = models.CharField(_("relation"), max_length=16, choices=HouseholdRelation.choices)
    start_date = models.DateField(_("moved in"))
    end_date = models.DateField(_("moved out"), null=True, blank=True)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["unit_id", "id"]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relation_display()})"
