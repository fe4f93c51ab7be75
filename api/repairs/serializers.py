from __future__ import annotations

from rest_framework import serializers

from backoffice.estates import selectors as estate_selectors
from backoffice.facilities import selectors as facility_selectors
from backoffice.people.selectors import unit_ids_of_person
from backoffice.repairs.choices import RepairCategory
from backoffice.repairs.models import RepairCharge, WorkOrder, WorkOrderPhoto

from ..fields import ScopedPrimaryKeyRelatedField


class ReportableUnitField(ScopedPrimaryKeyRelatedField):
    """Staff report for units of their estates; an owner for the units they own, rent or live in."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.person_id:
            own = estate_selectors.unit_list(estate_ids=None).filter(
                pk__in=unit_ids_of_person(person_id=user.person_id)
            )
            queryset = queryset | own
        return queryset


class WorkOrderPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkOrderPhoto
        fields = ["id", "uploaded_at"]


class WorkOrderSerializer(serializers.ModelSerializer):
    """A repair request (报修). Create with `unit`, `category`, `description`; the `repair` process starts."""

    estate = ScopedPrimaryKeyRelatedField(selector=estate_selectors.estate_list, required=False)
    unit = ReportableUnitField(selector=estate_selectors.unit_list, required=False, allow_null=True)
    equipment = ScopedPrimaryKeyRelatedField(
        selector=facility_selectors.equipment_list, required=False, allow_null=True
    )
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
