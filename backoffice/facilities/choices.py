from django.db import models
from django.utils.translation import gettext_lazy as _


class EquipmentCategory(models.TextChoices):
    """Fixed codes rather than a table: plans per category and reports group by them across estates."""

    ELEVATOR = "elevator", _("Elevator")  # 电梯
    FIRE = "fire", _("Fire protection")  # 消防
    WATER_PUMP = "water_pump", _("Water pump")  # 水泵
    HVAC = "hvac", _("Air conditioning and ventilation")  # 空调
    POWER = "power", _("Power distribution")  # 配电
    ACCESS = "access", _("Access control")  # 门禁
    CAMERA = "camera", _("Surveillance camera")  # 监控
    OTHER = "other", _("Other")


class EquipmentStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    UNDER_REPAIR = "under_repair", _("Under repair")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    RETIRED = "retired", _("Retired")


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    PHOTO = "photo", _("Photo")
