"""Estate scoping for the Django admin, the same rule the API follows.

A superuser sees everything. Any other staff user who was given admin access sees only rows of estates they
hold a staff role in, and may change only rows of estates where they hold one of the admin's write roles.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet

from backoffice.core.admin_services import ServiceModelAdmin
from backoffice.estates.selectors import estate_list

from .choices import ESTATE_EDITORS, STAFF_ROLES
from .selectors import estate_ids_with_roles, has_role_in


class EstateScopedAdmin(ServiceModelAdmin):
    estate_field: ClassVar[str] = "estate_id"
    write_roles: ClassVar[frozenset[str]] = ESTATE_EDITORS

    def estate_id_of(self, obj: Any) -> int | None:
        return getattr(obj, self.estate_field, None)

    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request)
        estate_ids = estate_ids_with_roles(request.user, STAFF_ROLES)
        if estate_ids is None:
            return queryset
        return queryset.filter(**{f"{self.estate_field}__in": estate_ids})

    def may_write(self, actor: Any, obj: Any) -> bool:
        return has_role_in(actor, self.estate_id_of(obj), self.write_roles)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.may_write(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.may_write(request.user, obj))

    def import_estates(self, request) -> QuerySet:
        """Estates the user may import into: where they hold a write role."""
        return estate_list(estate_ids=estate_ids_with_roles(request.user, self.write_roles))
