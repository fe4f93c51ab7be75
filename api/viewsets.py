"""The base every resource viewset stands on: scoping, roles, error shape and service calls in one place.

A resource declares its selector, serializer, filterset, roles and service functions; the base class does
the rest, so each resource is a few lines and every resource behaves the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from backoffice.accounts.choices import STAFF_ROLES, Role
from backoffice.accounts.selectors import estate_ids_with_roles, has_any_role, has_role_in

from .permissions import EstateRolePermission


def visible_estate_ids(request, roles=STAFF_ROLES) -> set[int] | None:
    """Estates whose data the caller may read as staff (None: all, for superusers)."""
    return estate_ids_with_roles(request.user, roles)


class ScopedModelViewSet(viewsets.ModelViewSet):
    """CRUD on estate-scoped master data, with writes through domain services."""

    permission_classes = [EstateRolePermission]
    read_roles: ClassVar[frozenset[str]] = STAFF_ROLES
    write_roles: ClassVar[frozenset[str]] = frozenset({Role.ADMIN, Role.MANAGER})
    owner_readable: ClassVar[bool] = True
    estate_attr: ClassVar[str] = "estate_id"
    selector: ClassVar[Callable[..., QuerySet]]
    create_service: ClassVar[Callable[..., Any]]
    update_service: ClassVar[Callable[..., Any]]
    delete_service: ClassVar[Callable[..., Any]]
    service_object_name: ClassVar[str]

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        selector = type(self).selector
        if getattr(self, "swagger_fake_view", False):
            return selector(estate_ids=None).none()
        estate_ids = visible_estate_ids(self.request, self.read_roles)
        queryset = selector(estate_ids=estate_ids)
        if estate_ids is None:
            return queryset
        if self.owner_readable and user.person_id and has_any_role(user, {Role.OWNER}):
            return queryset | self.owner_queryset(user)
        return queryset

    def owner_queryset(self, user) -> QuerySet:
        """What an owner account sees of this resource beyond its staff estates (default: nothing)."""
        return type(self).selector(estate_ids=[]).none()

    def estate_id_of(self, obj) -> int | None:
        return getattr(obj, self.estate_attr)

    def estate_id_for_new(self, validated: dict[str, Any]) -> int | None:
        """The estate a new object will belong to, from its validated references."""
        for name in ("estate", "building", "unit", "lot", "zone"):
            ref = validated.get(name)
            if ref is not None:
                return ref.pk if name == "estate" else ref.estate_id
        return None

    def check_create_allowed(self, validated: dict[str, Any]) -> None:
        if not has_role_in(self.request.user, self.estate_id_for_new(validated), self.write_roles):
            raise PermissionDenied(_("You do not have a role in this estate that may do this."))

    def perform_create(self, serializer) -> None:
        self.check_create_allowed(serializer.validated_data)
        service = type(self).create_service
        serializer.instance = service(actor=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer) -> None:
        service = type(self).update_service
        serializer.instance = service(
            actor=self.request.user,
            **{self.service_object_name: serializer.instance},
            changes=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance) -> None:
        type(self).delete_service(actor=self.request.user, **{self.service_object_name: instance})


class ReadOnlyScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read-only lists scoped like ScopedModelViewSet."""

    permission_classes = [EstateRolePermission]
    read_roles: ClassVar[frozenset[str]] = STAFF_ROLES
    write_roles: ClassVar[frozenset[str]] = frozenset()
    owner_readable: ClassVar[bool] = False
    estate_attr: ClassVar[str] = "estate_id"
    selector: ClassVar[Callable[..., QuerySet]]

    def get_queryset(self) -> QuerySet:
        selector = type(self).selector
        if getattr(self, "swagger_fake_view", False):
            return selector(estate_ids=None).none()
        return selector(estate_ids=visible_estate_ids(self.request, self.read_roles))

    def estate_id_of(self, obj) -> int | None:
        return getattr(obj, self.estate_attr)


def created(data: Any) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)
