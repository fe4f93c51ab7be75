"""Role checks for the API. Which roles read and which write is declared on each viewset."""

from __future__ import annotations

from rest_framework import permissions

from backoffice.accounts.choices import Role
from backoffice.accounts.selectors import has_any_role, has_role_in


class EstateRolePermission(permissions.BasePermission):
    """Reads need a read role (or an owner account, where the viewset serves owners); writes a write role.

    Object-level checks use the object's estate, so a manager of estate A cannot change estate B even by id.
    Objects outside the caller's estates never get here: the scoped queryset already answered 404.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            readers = set(view.read_roles) | ({Role.OWNER} if view.owner_readable else set())
            return has_any_role(user, readers)
        return has_any_role(user, view.write_roles)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return has_role_in(request.user, view.estate_id_of(obj), view.write_roles)
