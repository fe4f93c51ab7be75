"""Admin for estates, buildings, units and parking; every save goes through the estate services.

Units number in the hundreds of thousands: references use autocomplete, lists skip the full count, and
spreadsheets come in through "Import from spreadsheet" on the unit list.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.admin_scope import EstateScopedAdmin
from backoffice.accounts.choices import ACCOUNT_ADMINS
from backoffice.core.admin_spreadsheets import SpreadsheetImportAdminMixin, single_estate, xlsx_response

from . import services
from .imports import UNIT_COLUMNS, units_export, units_import
from .models import Building, Estate, ParkingLot, ParkingSpace, ParkingZone, Unit


@admin.register(Estate)
class EstateAdmin(EstateScopedAdmin):
    estate_field = "id"
    write_roles = ACCOUNT_ADMINS
    list_display = ("code", "name", "address", "time_zone")
    search_fields = ("code", "name", "address")
    fields = ("code", "name", "address", "land_area", "building_area", "time_zone")
    create_service = services.estate_create
    update_service = services.estate_update
    delete_service = services.estate_delete
    service_object_name = "estate"

    def has_add_permission(self, request):
        return request.user.is_superuser  # other administrators create estates through the API


@admin.register(Building)
class BuildingAdmin(EstateScopedAdmin):
    list_display = ("name", "estate", "floors", "basement_floors")
    list_filter = ("estate",)
    search_fields = ("name", "estate__code")
    list_select_related = ("estate",)
    autocomplete_fields = ("estate",)
    fields = ("estate", "name", "floors", "basement_floors", "units")
    readonly_fields = ("units",)
    create_service = services.building_create
    update_service = services.building_update
    delete_service = services.building_delete
    service_object_name = "building"

    def get_readonly_fields(self, request, obj=None):
        return ("estate", "units") if obj else ("units",)  # a building never moves to another estate

    @admin.display(description=_("units"))
    def units(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:estates_unit_changelist") + f"?building__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, Unit.objects.filter(building=obj).count())


class OwnershipInline(admin.TabularInline):
    """Who owns the unit, read-only here: ownerships are edited on their own page (share and period rules)."""

    model = apps.get_model("people", "Ownership")  # estates does not import people; the registry does
    fields = ("person", "share", "start_date", "end_date")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(SpreadsheetImportAdminMixin, EstateScopedAdmin):
    list_display = ("label", "estate", "building", "floor", "unit_type", "area")
    list_filter = ("unit_type", "estate")
    search_fields = ("label",)
    list_select_related = ("estate", "building")
    autocomplete_fields = ("building",)
    fields = ("building", "number", "floor", "unit_type", "area", "label", "estate")
    readonly_fields = ("label", "estate")
    inlines = [OwnershipInline]
    actions = ["export_selected"]
    create_service = services.unit_create
    update_service = services.unit_update
    delete_service = services.unit_delete
    service_object_name = "unit"
    import_function = staticmethod(units_import)
    import_columns = UNIT_COLUMNS

    @admin.action(description=_("Export selected to .xlsx"))
    def export_selected(self, request, queryset):
        if not single_estate(queryset):
            self.message_user(request, _("Select units of one estate at a time."), messages.ERROR)
            return None
        return xlsx_response(units_export(estate_ids=None, units=queryset), stem="units")


@admin.register(ParkingLot)
class ParkingLotAdmin(EstateScopedAdmin):
    list_display = ("code", "name", "estate")
    list_filter = ("estate",)
    search_fields = ("code", "name")
    autocomplete_fields = ("estate",)
    fields = ("estate", "code", "name")
    create_service = services.parking_lot_create
    update_service = services.parking_lot_update
    delete_service = services.parking_lot_delete
    service_object_name = "lot"


@admin.register(ParkingZone)
class ParkingZoneAdmin(EstateScopedAdmin):
    list_display = ("code", "name", "lot", "kind", "estate")
    list_filter = ("kind", "estate")
    search_fields = ("code", "name", "lot__code")
    list_select_related = ("lot", "estate")
    autocomplete_fields = ("lot",)
    fields = ("lot", "code", "name", "kind")
    create_service = services.parking_zone_create
    update_service = services.parking_zone_update
    delete_service = services.parking_zone_delete
    service_object_name = "zone"


@admin.register(ParkingSpace)
class ParkingSpaceAdmin(EstateScopedAdmin):
    list_display = ("number", "zone", "status", "unit", "estate")
    list_filter = ("status", "estate")
    search_fields = ("number", "zone__code", "unit__label")
    list_select_related = ("zone", "unit", "estate")
    autocomplete_fields = ("zone", "unit")
    fields = ("zone", "number", "status", "unit")
    create_service = services.parking_space_create
    update_service = services.parking_space_update
    delete_service = services.parking_space_delete
    service_object_name = "space"
