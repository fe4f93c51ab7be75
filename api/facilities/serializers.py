from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from backoffice.estates import selectors as estate_selectors
from backoffice.facilities import selectors
from backoffice.facilities.choices import AttachmentKind, EquipmentCategory
from backoffice.facilities.models import (
    MAX_CHECKLIST_ITEM_LENGTH,
    MAX_CHECKLIST_ITEMS,
    MAX_RESULTS,
    Equipment,
    EquipmentAttachment,
    MaintenancePlan,
    MaintenanceRecord,
    Supplier,
)

from ..fields import ScopedPrimaryKeyRelatedField


class SupplierSerializer(serializers.ModelSerializer):
    """A supplier or maintenance contractor (供应商/维保单位) of one estate."""

    estate = ScopedPrimaryKeyRelatedField(selector=estate_selectors.estate_list)
    phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Chinese mobile or landline; stored as E.164.",
    )

    class Meta:
        model = Supplier
        fields = ["id", "estate", "name", "contact", "phone", "email", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 100}],
        "nullable": True,
        "description": "A supplier's id, or on writes a supplier's name: a name new to the estate registers "
        "that supplier. Read back as the id.",
    }
)
class SupplierRefField(serializers.Field):
    """A supplier by id, or by name as typed on an equipment form (a name of digits only: use the id)."""

    default_error_messages = {
        "invalid": "Give a supplier id or a supplier name.",
        "max_length": "A supplier name has at most 100 characters.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)
        self.by_id = ScopedPrimaryKeyRelatedField(selector=selectors.supplier_list)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.by_id.bind(field_name, parent)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int) or (isinstance(data, str) and data.strip().isdigit()):
            return self.by_id.to_internal_value(data)
        if not isinstance(data, str):
            self.fail("invalid")
        if len(data.strip()) > 100:
            self.fail("max_length")
        return data.strip() or None

    def to_representation(self, value):
        return value.pk


class EquipmentSerializer(serializers.ModelSerializer):
    """One item of the equipment ledger (设备台账). `location` describes where it stands (a common area);
    `building` and `unit` are optional references in the same estate."""

    estate = ScopedPrimaryKeyRelatedField(selector=estate_selectors.estate_list)
    building = ScopedPrimaryKeyRelatedField(
        selector=estate_selectors.building_list, required=False, allow_null=True
    )
    unit = ScopedPrimaryKeyRelatedField(selector=estate_selectors.unit_list, required=False, allow_null=True)
    supplier = SupplierRefField()
    supplier_name = serializers.CharField(source="supplier.name", default=None, read_only=True)

    class Meta:
        model = Equipment
        fields = [
            "id",
            "estate",
            "category",
            "name",
            "brand",
            "model",
            "serial_number",
            "building",
            "unit",
            "location",
            "supplier",
            "supplier_name",
            "purchase_date",
            "purchase_price",
            "installed_on",
            "warranty_until",
            "status",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


class EquipmentAttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", default=None, read_only=True)
    file_name = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EquipmentAttachment
        fields = [
            "id",
            "equipment",
            "kind",
            "title",
            "file_name",
            "size",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        """Download through the API with the caller's credentials; files have no public URL."""
        return reverse(
            "equipment-attachment-download", kwargs={"pk": obj.equipment_id, "attachment_pk": obj.pk}
        )


@extend_schema_serializer(
    component_name="EquipmentAttachment"
)  # its request body: EquipmentAttachmentRequest
class EquipmentAttachmentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.DOCUMENT)
    file = serializers.FileField(
        help_text="Documents: pdf, jpg, jpeg, png, webp, docx, xlsx; photos: jpg, jpeg, png, webp; 20 MB at most."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema_field({"type": "string"})
class PlanCategoryField(serializers.ChoiceField):
    """The equipment category enum is described once, on equipment; two components sharing it under the
    field name `category` (work orders have another) would need a schema-wide enum name override."""


class MaintenancePlanSerializer(serializers.ModelSerializer):
    """A maintenance plan (保养计划) for one item (`equipment`) or for every in-service item of a `category`
    in an `estate`. `interval`: `monthly`, `quarterly`, `semiannual`, `annual` or an ISO-8601 duration in
    days, weeks, months or years (`P2W`, `P10D`, `P1Y6M`); months are calendar months."""

    estate = ScopedPrimaryKeyRelatedField(
        selector=estate_selectors.estate_list,
        required=False,
        help_text="The equipment's estate by default; required for a plan per category.",
    )
    equipment = ScopedPrimaryKeyRelatedField(
        selector=selectors.equipment_list, required=False, allow_null=True
    )
    equipment_name = serializers.CharField(source="equipment.name", default=None, read_only=True)
    category = PlanCategoryField(
        choices=EquipmentCategory.choices,
        required=False,
        allow_blank=True,
        help_text="For a plan per category, instead of `equipment`: an equipment category ("
        + ", ".join(EquipmentCategory.values)
        + "); empty for a plan of one item.",
    )
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=MAX_CHECKLIST_ITEM_LENGTH),
        max_length=MAX_CHECKLIST_ITEMS,
        required=False,
    )

    class Meta:
        model = MaintenancePlan
        fields = [
            "id",
            "estate",
            "equipment",
            "equipment_name",
            "category",
            "title",
            "interval",
            "checklist",
            "responsible_group",
            "next_due",
            "active",
            "last_done",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_done", "created_at", "updated_at"]
        validators: list = []


class ChecklistResultSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=MAX_CHECKLIST_ITEM_LENGTH)
    ok = serializers.BooleanField()
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class MaintenanceRecordSerializer(serializers.ModelSerializer):
    """One maintenance done (保养记录). With a `plan`, `due_date` names the due date it fulfils (default: the
    plan's `next_due`); recording the same plan, equipment and due date again returns the first record."""

    estate = serializers.PrimaryKeyRelatedField(read_only=True)
    plan = ScopedPrimaryKeyRelatedField(
        selector=selectors.maintenance_plan_list, required=False, allow_null=True
    )
    plan_title = serializers.CharField(source="plan.title", default=None, read_only=True)
    equipment = ScopedPrimaryKeyRelatedField(selector=selectors.equipment_list)
    equipment_name = serializers.CharField(source="equipment.name", read_only=True)
    performed_by = serializers.CharField(source="performed_by.username", default=None, read_only=True)
    results = ChecklistResultSerializer(many=True, required=False, max_length=MAX_RESULTS)
    process_instance = serializers.IntegerField(source="process_instance_id", read_only=True)

    class Meta:
        model = MaintenanceRecord
        fields = [
            "id",
            "estate",
            "plan",
            "plan_title",
            "equipment",
            "equipment_name",
            "due_date",
            "performed_on",
            "performed_by",
            "results",
            "defects_found",
            "notes",
            "process_instance",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators: list = []


class EquipmentHistoryEntrySerializer(MaintenanceRecordSerializer):
    """One entry of an item's history; `kind` tells maintenance from repairs (work orders, to come)."""

    kind = serializers.SerializerMethodField()

    class Meta(MaintenanceRecordSerializer.Meta):
        fields = ["kind", *MaintenanceRecordSerializer.Meta.fields]

    def get_kind(self, obj) -> str:
        return "maintenance"


class EquipmentHistoryPageSerializer(serializers.Serializer):
    """One page of an item's history, paginated like every list."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EquipmentHistoryEntrySerializer(many=True)
