"""Role codes (public contract) and which roles may do what on master data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Estate manager")
    SUPERVISOR = "supervisor", _("Supervisor")
    SERVICE_DESK = "service_desk", _("Service desk")
    DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Technician")
    FINANCE = "finance", _("Finance")
    SECURITY = "security", _("Security guard")
    PROCESS_OWNER = "process_owner", _("Process owner")
    OWNER = "owner", _("Owner / resident")


STAFF_ROLES = frozenset(role.value for role in Role if role != Role.OWNER)
# Who may change the estate's structure (buildings, units, parking).
ESTATE_EDITORS = frozenset({Role.ADMIN, Role.MANAGER})
# Who may register and change persons, ownerships, leases and household members.
PEOPLE_EDITORS = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVICE_DESK})
# Who manages user accounts and reads the audit trail.
ACCOUNT_ADMINS = frozenset({Role.ADMIN})
