from __future__ import annotations

from rest_framework import serializers

from backoffice.estates import selectors as estate_selectors
from backoffice.repairs.choices import RepairCategory
from backoffice.repairs.models import RepairCharge, WorkOrder, WorkOrderPhoto

from ..fields import ScopedPrimaryKeyRelatedField


class WorkOrderPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkOrderPhoto
        fields = ["id", "uploaded_at"]


class WorkOrderSerializer(serializers.ModelSerializer):
    """A repair request (报修). Create with `unit`, `category`, `description`; the `repair` process starts."""

    estate = ScopedPrimaryKeyRelatedField(selector=estate_selectors.estate_list, required=False)
    unit = ScopedPrimaryKeyRelatedField(selector=estate_selectors.unit_list, required=False, allow_null=True)
    technician = serializers.CharField(source="technician.username", default=None, read_only=True)
    process_instance = serializers.IntegerField(source="process_instance_id", read_only=True)
    category = serializers.ChoiceField(choices=RepairCategory.choices)
    photos = WorkOrderPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "estate",
            "unit",
            "location",
            "equipment",
            "category",
            "description",
            "channel",
            "priority",
            "preferred_time",
            "contact_phone",
            "status",
            "technician",
            "process_instance",
            "dispatched_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "diagnosis",
            "work_done",
            "parts",
            "parts_cost",
            "charge_status",
            "charge_amount",
            "rework_count",
            "rating",
            "comment",
            "auto_confirmed",
            "response_escalated",
            "resolution_escalation",
            "photos",
            "created_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "dispatched_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "diagnosis",
            "work_done",
            "parts",
            "parts_cost",
            "charge_status",
            "charge_amount",
            "rework_count",
            "rating",
            "comment",
            "auto_confirmed",
            "response_escalated",
            "resolution_escalation",
            "created_at",
        ]


class RepairChargeSerializer(serializers.ModelSerializer):
    class Meta:
        model = RepairCharge
        fields = ["id", "work_order", "unit", "amount", "description", "billed", "created_at"]


class RepairReportRowSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    closed = serializers.IntegerField()
    response_minutes_median = serializers.FloatField(allow_null=True)
    response_minutes_p90 = serializers.FloatField(allow_null=True)
    resolution_minutes_median = serializers.FloatField(allow_null=True)
    resolution_minutes_p90 = serializers.FloatField(allow_null=True)
    response_within_sla = serializers.FloatField(allow_null=True)
    resolution_within_sla = serializers.FloatField(allow_null=True)
    rework_rate = serializers.FloatField(allow_null=True)
    average_rating = serializers.FloatField(allow_null=True)
