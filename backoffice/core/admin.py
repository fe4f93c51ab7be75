"""Admin for the audit trail (操作日志): readable by the system administrator, never editable."""

from django.contrib import admin

from .admin_services import ReadOnlyAdminMixin, SuperuserOnlyAdminMixin
from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_repr", "estate")
    list_filter = ("action", "object_type", "at")
    search_fields = ("object_repr", "=object_id", "=actor__username")
    list_select_related = ("actor", "estate")
    raw_id_fields = ("actor", "estate")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    date_hierarchy = "at"
    show_full_result_count = False
