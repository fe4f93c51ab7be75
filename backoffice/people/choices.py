from django.db import models
from django.utils.translation import gettext_lazy as _


class IdType(models.TextChoices):
    RESIDENT_ID = "ric", _("Resident identity card (身份证)")
    CREDIT_CODE = "uscc", _("Unified social credit code (统一社会信用代码)")


class HouseholdRelation(models.TextChoices):
    OWNER = "owner", _("Owner")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    RELATIVE = "relative", _("Relative")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")
