"""Admin for the equipment ledger; every save goes through the facilities services.

Attachments are added through the API (the upload checks run once, with the file); here they are listed and
may be deleted. Maintenance records are written by the `maintenance` process or the API and are read-only.
"""

from __future__ import annotations

from django.contrib import admin

from backoffice.accounts.admin_scope import EstateScopedAdmin
from backoffice.core.admin_services import ReadOnlyAdminMixin, ServiceModelForm

from . import services
from .models import Equipment, EquipmentAttachment, MaintenancePlan, MaintenanceRecord, Supplier


@admin.register(Supplier)
class SupplierAdmin(EstateScopedAdmin):
    list_display = ("name", "contact", "phone", "email", "estate")
    list_filter = ("estate",)
    search_fields = ("name", "contact", "phone")
    list_select_related = ("estate",)
    raw_id_fields = ("estate",)
    fields = ("estate", "name", "contact", "phone", "email", "note")
    create_service = services.supplier_create
    update_service = services.supplier_update
    delete_service = services.supplier_delete
    service_object_name = "supplier"


class AttachmentInline(admin.TabularInline):
    model = EquipmentAttachment
    fields = ("kind", "title", "file", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Equipment)
class EquipmentAdmin(EstateScopedAdmin):
    list_display = (
        "name",
        "category",
        "model",
        "serial_number",
        "location",
        "status",
        "warranty_until",
        "estate",
    )
    list_filter = ("category", "status", "estate")
    search_fields = ("name", "model", "serial_number", "location")
    list_select_related = ("estate",)
    raw_id_fields = ("estate", "building", "unit", "supplier")
    fields = (
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
        "purchase_date",
        "purchase_price",
        "installed_on",
        "warranty_until",
        "status",
        "note",
    )
    inlines = [AttachmentInline]
    create_service = services.equipment_create
    update_service = services.equipment_update
    delete_service = services.equipment_delete
    service_object_name = "equipment"

    def get_readonly_fields(self, request, obj=None):
        return ("estate",) if obj else ()  # equipment never moves to another estate


@admin.register(EquipmentAttachment)
class EquipmentAttachmentAdmin(ReadOnlyAdminMixin, EstateScopedAdmin):
    can_delete = True
    list_display = ("title", "kind", "equipment", "size", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "estate")
    search_fields = ("title", "equipment__name")
    list_select_related = ("equipment", "uploaded_by")
    raw_id_fields = ("equipment", "uploaded_by")
    delete_service = services.equipment_attachment_delete
    service_object_name = "attachment"


class MaintenancePlanForm(ServiceModelForm):
    class Meta:
        model = MaintenancePlan
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "estate" in self.fields:  # taken from the equipment; needed only for a plan per category
            self.fields["estate"].required = False


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(EstateScopedAdmin):
    form = MaintenancePlanForm
    list_display = ("title", "equipment", "category", "interval", "next_due", "last_done", "active", "estate")
    list_filter = ("active", "category", "responsible_group", "estate")
    search_fields = ("title", "equipment__name")
    list_select_related = ("equipment", "estate")
    raw_id_fields = ("estate", "equipment")
    fields = (
        "estate",
        "equipment",
        "category",
        "title",
        "interval",
        "checklist",
        "responsible_group",
        "next_due",
        "active",
        "last_done",
    )
    create_service = services.maintenance_plan_create
    update_service = services.maintenance_plan_update
    delete_service = services.maintenance_plan_delete
    service_object_name = "plan"

    def get_readonly_fields(self, request, obj=None):
        return ("estate", "last_done") if obj else ("last_done",)


@admin.register(MaintenanceRecord)
class MaintenanceRecordAdmin(ReadOnlyAdminMixin, EstateScopedAdmin):
    list_display = ("equipment", "plan", "due_date", "performed_on", "performed_by", "defects_found")
    list_filter = ("defects_found", "estate")
    search_fields = ("equipment__name", "plan__title", "notes")
    list_select_related = ("equipment", "plan", "performed_by")
    raw_id_fields = ("estate", "plan", "equipment", "performed_by")
    date_hierarchy = "performed_on"
