from __future__ import annotations

import django_filters

from backoffice.estates.models import Building, ParkingLot, ParkingSpace, ParkingZone, Unit


class BuildingFilterSet(django_filters.FilterSet):
    class Meta:
        model = Building
        fields = ["estate"]


class UnitFilterSet(django_filters.FilterSet):
    class Meta:
        model = Unit
        fields = ["estate", "building", "unit_type", "floor"]


class ParkingLotFilterSet(django_filters.FilterSet):
    class Meta:
        model = ParkingLot
        fields = ["estate"]


class ParkingZoneFilterSet(django_filters.FilterSet):
    class Meta:
        model = ParkingZone
        fields = ["estate", "lot", "kind"]


class ParkingSpaceFilterSet(django_filters.FilterSet):
    class Meta:
        model = ParkingSpace
        fields = ["estate", "zone", "status", "unit"]
