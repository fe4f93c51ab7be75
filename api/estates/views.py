from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from backoffice.accounts.choices import ESTATE_EDITORS, Role
from backoffice.accounts.selectors import has_any_role
from backoffice.estates import selectors, services
from backoffice.people.selectors import unit_ids_of_person

from ..viewsets import ScopedModelViewSet
from . import filtersets, serializers


def _owner_unit_ids(user) -> set[int]:
    return unit_ids_of_person(person_id=user.person_id)


class EstateViewSet(ScopedModelViewSet):
    """Estates (物业项目). Creating one needs an administrator; the creator administers the new estate."""

    selector = selectors.estate_list
    serializer_class = serializers.EstateSerializer
    write_roles = frozenset({Role.ADMIN})
    estate_attr = "id"
    search_fields = ["code", "name", "address"]
    ordering_fields = ["code", "name", "created_at"]
    create_service = services.estate_create
    update_service = services.estate_update
    delete_service = services.estate_delete
    service_object_name = "estate"

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.EstateDetailSerializer
        return serializers.EstateSerializer

    def get_object(self):
        estate = super().get_object()
        if self.action == "retrieve":
            estate.figures = selectors.estate_figures(estate=estate)
        return estate

    def owner_queryset(self, user):
        units = selectors.unit_list(estate_ids=None).filter(pk__in=_owner_unit_ids(user))
        return selectors.estate_list(estate_ids=None).filter(pk__in=units.values("estate_id"))

    def check_create_allowed(self, validated):
        if not has_any_role(self.request.user, {Role.ADMIN}):
            raise PermissionDenied(_("Only administrators create estates."))

    @extend_schema(responses=serializers.EstateFiguresSerializer)
    @action(detail=True, methods=["get"])
    def figures(self, request, pk=None):
        """Buildings, units, households, occupied and vacant units, billable area."""
        estate = self.get_object()
        return Response(serializers.EstateFiguresSerializer(selectors.estate_figures(estate=estate)).data)


class BuildingViewSet(ScopedModelViewSet):
    selector = selectors.building_list
    serializer_class = serializers.BuildingSerializer
    filterset_class = filtersets.BuildingFilterSet
    write_roles = ESTATE_EDITORS
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    create_service = services.building_create
    update_service = services.building_update
    delete_service = services.building_delete
    service_object_name = "building"

    def owner_queryset(self, user):
        units = selectors.unit_list(estate_ids=None).filter(pk__in=_owner_unit_ids(user))
        return selectors.building_list(estate_ids=None).filter(pk__in=units.values("building_id"))


class UnitViewSet(ScopedModelViewSet):
    """Units (房屋). `?search=` matches the building name and unit number (e.g. `3栋-1201`)."""

    selector = selectors.unit_list
    serializer_class = serializers.UnitSerializer
    filterset_class = filtersets.UnitFilterSet
    write_roles = ESTATE_EDITORS
    search_fields = ["label"]
    ordering_fields = ["label", "number", "floor", "area", "created_at"]
    create_service = services.unit_create
    update_service = services.unit_update
    delete_service = services.unit_delete
    service_object_name = "unit"

    def get_queryset(self):
        # Buildings (for `building_name`) come in a second query of at most one page of ids instead of a
        # join: with the join, PostgreSQL answers `?search=` terms that match a whole building (`12栋`)
        # with a nested loop over every building, ~6x slower at 100,000 units (bench/bench_master_data.py).
        return super().get_queryset().select_related(None).prefetch_related("building")

    def owner_queryset(self, user):
        return selectors.unit_list(estate_ids=None).filter(pk__in=_owner_unit_ids(user))


class ParkingLotViewSet(ScopedModelViewSet):
    selector = selectors.parking_lot_list
    serializer_class = serializers.ParkingLotSerializer
    filterset_class = filtersets.ParkingLotFilterSet
    write_roles = ESTATE_EDITORS
    owner_readable = False
    search_fields = ["code", "name"]
    create_service = services.parking_lot_create
    update_service = services.parking_lot_update
    delete_service = services.parking_lot_delete
    service_object_name = "lot"


class ParkingZoneViewSet(ScopedModelViewSet):
    selector = selectors.parking_zone_list
    serializer_class = serializers.ParkingZoneSerializer
    filterset_class = filtersets.ParkingZoneFilterSet
    write_roles = ESTATE_EDITORS
    owner_readable = False
    search_fields = ["code", "name"]
    create_service = services.parking_zone_create
    update_service = services.parking_zone_update
    delete_service = services.parking_zone_delete
    service_object_name = "zone"


class ParkingSpaceViewSet(ScopedModelViewSet):
    selector = selectors.parking_space_list
    serializer_class = serializers.ParkingSpaceSerializer
    filterset_class = filtersets.ParkingSpaceFilterSet
    write_roles = ESTATE_EDITORS
    search_fields = ["number"]
    create_service = services.parking_space_create
    update_service = services.parking_space_update
    delete_service = services.parking_space_delete
    service_object_name = "space"

    def owner_queryset(self, user):
        return selectors.parking_space_list(estate_ids=None).filter(unit_id__in=_owner_unit_ids(user))
