"""The equipment ledger (设备台账), suppliers, maintenance plans and records.

Every staff role reads; administrators and estate managers keep the ledger and the plans; technicians,
managers and administrators record maintenance. Owners see none of it. Attachments are downloaded through
`/equipment/{id}/attachments/{attachment_id}/download/` with the caller's credentials, never from a public
media URL.
"""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from backoffice.accounts.choices import Role
from backoffice.facilities import selectors, services

from ..viewsets import ScopedModelViewSet, created
from . import filtersets, serializers

LEDGER_KEEPERS = frozenset({Role.ADMIN, Role.MANAGER})
MAINTAINERS = frozenset({Role.ADMIN, Role.MANAGER, Role.TECHNICIAN})
ATTACHMENT_ID = OpenApiParameter("attachment_pk", int, OpenApiParameter.PATH, description="Attachment id.")


class SupplierViewSet(ScopedModelViewSet):
    """Suppliers and maintenance contractors (供应商/维保单位) of an estate."""

    selector = selectors.supplier_list
    serializer_class = serializers.SupplierSerializer
    filterset_class = filtersets.SupplierFilterSet
    write_roles = LEDGER_KEEPERS
    owner_readable = False
    search_fields = ["name", "contact", "phone"]
    ordering_fields = ["name", "created_at"]
    create_service = services.supplier_create
    update_service = services.supplier_update
    delete_service = services.supplier_delete
    service_object_name = "supplier"


class EquipmentViewSet(ScopedModelViewSet):
    """The equipment ledger (设备台账). `?warranty_within=30`: warranties ending in the next 30 days.
    `?search=` matches name, model, serial number and location."""

    selector = selectors.equipment_list
    serializer_class = serializers.EquipmentSerializer
    filterset_class = filtersets.EquipmentFilterSet
    write_roles = LEDGER_KEEPERS
    owner_readable = False
    search_fields = ["name", "model", "serial_number", "location"]
    ordering_fields = ["name", "purchase_date", "warranty_until", "created_at"]
    create_service = services.equipment_create
    update_service = services.equipment_update
    delete_service = services.equipment_delete
    service_object_name = "equipment"

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=serializers.EquipmentHistoryPageSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """The item's maintenance history, newest first (repairs join it once work orders name equipment)."""
        records = selectors.equipment_history(equipment=self.get_object())
        page = self.paginate_queryset(records)
        return self.get_paginated_response(serializers.EquipmentHistoryEntrySerializer(page, many=True).data)

    @extend_schema(responses=serializers.EquipmentAttachmentSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """Documents and photos of the item."""
        attachments = selectors.equipment_attachment_list(equipment=self.get_object())
        return Response(serializers.EquipmentAttachmentSerializer(attachments, many=True).data)

    @extend_schema(
        request={"multipart/form-data": serializers.EquipmentAttachmentUploadSerializer},
        responses={201: serializers.EquipmentAttachmentSerializer},
        filters=False,
    )
    @attachments.mapping.post
    def add_attachment(self, request, pk=None):
        """Attach a document or photo (20 MB at most; types as `file` says)."""
        equipment = self.get_object()
        upload = serializers.EquipmentAttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = services.equipment_attachment_add(
            actor=request.user,
            equipment=equipment,
            kind=upload.validated_data["kind"],
            file=upload.validated_data["file"],
            title=upload.validated_data.get("title", ""),
        )
        return created(serializers.EquipmentAttachmentSerializer(attachment).data)

    def _attachment(self, attachment_pk):
        attachment = (
            selectors.equipment_attachment_list(equipment=self.get_object()).filter(pk=attachment_pk).first()
        )
        if attachment is None:
            raise NotFound()
        return attachment

    @extend_schema(
        parameters=[ATTACHMENT_ID],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_pk>[0-9]+)/download",
        url_name="attachment-download",
    )
    def download_attachment(self, request, pk=None, attachment_pk=None):
        """The file, as a download."""
        attachment = self._attachment(attachment_pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise NotFound(_("The file is missing from storage.")) from None
        return FileResponse(handle, as_attachment=True, filename=attachment.file_name)

    @extend_schema(parameters=[ATTACHMENT_ID], request=None, responses={204: None}, filters=False)
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"attachments/(?P<attachment_pk>[0-9]+)",
        url_name="attachment-detail",
    )
    def delete_attachment(self, request, pk=None, attachment_pk=None):
        services.equipment_attachment_delete(actor=request.user, attachment=self._attachment(attachment_pk))
        return Response(status=204)


class MaintenancePlanViewSet(ScopedModelViewSet):
    """Maintenance plans (保养计划). `?due_before=2026-12-31`: plans due on or before that day."""

    selector = selectors.maintenance_plan_list
    serializer_class = serializers.MaintenancePlanSerializer
    filterset_class = filtersets.MaintenancePlanFilterSet
    write_roles = LEDGER_KEEPERS
    owner_readable = False
    search_fields = ["title", "equipment__name"]
    ordering_fields = ["next_due", "title", "created_at"]
    create_service = services.maintenance_plan_create
    update_service = services.maintenance_plan_update
    delete_service = services.maintenance_plan_delete
    service_object_name = "plan"

    def estate_id_for_new(self, validated):
        if validated.get("estate") is not None:
            return validated["estate"].pk
        equipment = validated.get("equipment")
        return equipment.estate_id if equipment is not None else None

    def check_create_allowed(self, validated):
        if self.estate_id_for_new(validated) is None:
            return  # nothing names an estate: the service refuses with a 400 that says what is missing
        super().check_create_allowed(validated)


class MaintenanceRecordViewSet(ScopedModelViewSet):
    """Maintenance done (保养记录): read by all staff, recorded by technicians, managers and administrators.
    Records are history: they are neither changed nor deleted."""

    selector = selectors.maintenance_record_list
    serializer_class = serializers.MaintenanceRecordSerializer
    filterset_class = filtersets.MaintenanceRecordFilterSet
    write_roles = MAINTAINERS
    owner_readable = False
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["performed_on", "created_at"]

    def estate_id_for_new(self, validated):
        return validated["equipment"].estate_id

    def perform_create(self, serializer):
        data = serializer.validated_data
        self.check_create_allowed(data)
        serializer.instance = services.maintenance_record_create(
            actor=self.request.user,
            plan=data.get("plan"),
            equipment=data["equipment"],
            due_date=data.get("due_date"),
            performed_on=data["performed_on"],
            results=[dict(entry) for entry in data.get("results", [])],
            defects_found=data.get("defects_found", False),
            notes=data.get("notes", ""),
        )
