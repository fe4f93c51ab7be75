from __future__ import annotations

from rest_framework import serializers

from backoffice.estates import selectors
from backoffice.estates.models import Building, Estate, ParkingLot, ParkingSpace, ParkingZone, Unit

from ..fields import ScopedPrimaryKeyRelatedField


class EstateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Estate
        fields = [
            "id",
            "code",
            "name",
            "address",
            "land_area",
            "building_area",
            "time_zone",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []
        extra_kwargs = {"code": {"validators": []}}


class EstateFiguresSerializer(serializers.Serializer):
    buildings = serializers.IntegerField()
    units = serializers.IntegerField()
    households = serializers.IntegerField(help_text="Units with a current owner (户数).")
    occupied_units = serializers.IntegerField(
        help_text="Units where a tenant or household member lives today."
    )
    vacant_units = serializers.IntegerField()
    total_unit_area = serializers.DecimalField(max_digits=14, decimal_places=2)
    billable_area = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Area of units with a current owner (计费面积)."
    )
    parking_spaces = serializers.IntegerField()
    parking_spaces_free = serializers.IntegerField()


class EstateDetailSerializer(EstateSerializer):
    figures = EstateFiguresSerializer(read_only=True)

    class Meta(EstateSerializer.Meta):
        fields = [*EstateSerializer.Meta.fields, "figures"]


class BuildingSerializer(serializers.ModelSerializer):
    estate = ScopedPrimaryKeyRelatedField(selector=selectors.estate_list)

    class Meta:
        model = Building
        fields = ["id", "estate", "name", "floors", "basement_floors", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


class UnitSerializer(serializers.ModelSerializer):
    building = ScopedPrimaryKeyRelatedField(selector=selectors.building_list)
    building_name = serializers.CharField(source="building.name", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "estate",
            "building",
            "building_name",
            "number",
            "label",
            "floor",
            "unit_type",
            "area",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["estate", "label", "created_at", "updated_at"]
        validators: list = []


class ParkingLotSerializer(serializers.ModelSerializer):
    estate = ScopedPrimaryKeyRelatedField(selector=selectors.estate_list)

    class Meta:
        model = ParkingLot
        fields = ["id", "estate", "code", "name", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


class ParkingZoneSerializer(serializers.ModelSerializer):
    lot = ScopedPrimaryKeyRelatedField(selector=selectors.parking_lot_list)

    class Meta:
        model = ParkingZone
        fields = ["id", "estate", "lot", "code", "name", "kind", "created_at", "updated_at"]
        read_only_fields = ["estate", "created_at", "updated_at"]
        validators: list = []


class ParkingSpaceSerializer(serializers.ModelSerializer):
    zone = ScopedPrimaryKeyRelatedField(selector=selectors.parking_zone_list)
    unit = ScopedPrimaryKeyRelatedField(selector=selectors.unit_list, required=False, allow_null=True)

    class Meta:
        model = ParkingSpace
        fields = ["id", "estate", "zone", "number", "status", "unit", "created_at", "updated_at"]
        read_only_fields = ["estate", "created_at", "updated_at"]
        validators: list = []
