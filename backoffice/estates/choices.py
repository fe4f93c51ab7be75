from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitType(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    SHOP = "shop", _("Shop")
    OFFICE = "office", _("Office")


class ParkingZoneKind(models.TextChoices):
    UNDERGROUND = "underground", _("Underground")
    SURFACE = "surface", _("Surface")


class ParkingSpaceStatus(models.TextChoices):
    FREE = "free", _("Free (public)")
    SOLD = "sold", _("Sold")
    RENTED = "rented", _("Rented")
    RESERVED = "reserved", _("Reserved")
