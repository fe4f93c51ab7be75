"""Admin for persons, ownerships, leases and household members; every save goes through the people services.

ID numbers are typed in clear into a write-only field and only ever shown masked; the search box finds a
person by exact ID number through the blind index.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.admin_scope import EstateScopedAdmin
from backoffice.accounts.choices import PEOPLE_EDITORS
from backoffice.core.admin_services import ServiceModelForm
from backoffice.core.admin_spreadsheets import SpreadsheetImportAdminMixin, single_estate, xlsx_response

from . import services
from .imports import OWNER_COLUMNS, owners_export, owners_import
from .models import HouseholdMember, Ownership, Person, Tenancy
from .services import RIC_SHAPE, id_number_index


class PersonForm(ServiceModelForm):
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "身份证号 or 统一社会信用代码. Stored encrypted and shown masked; leave empty to keep it."
        ),
    )
    clear_id_number = forms.BooleanField(label=_("Remove the ID number"), required=False)

    class Meta:
        model = Person
        fields = ("estate", "name", "phone", "email", "id_type", "note")


class PeopleAdmin(EstateScopedAdmin):
    write_roles = PEOPLE_EDITORS


@admin.register(Person)
class PersonAdmin(PeopleAdmin):
    form = PersonForm
    list_display = ("name", "phone", "id_number_masked", "email", "estate")
    list_filter = ("estate", "id_type")
    search_fields = ("name", "phone", "email")
    list_select_related = ("estate",)
    autocomplete_fields = ("estate",)
    fields = (
        "estate",
        "name",
        "phone",
        "email",
        "id_type",
        "id_number_masked",
        "id_number",
        "clear_id_number",
        "note",
    )
    readonly_fields = ("id_number_masked",)
    actions = ["export_ownerships"]
    create_service = services.person_create
    update_service = services.person_update
    delete_service = services.person_delete
    service_object_name = "person"

    def get_readonly_fields(self, request, obj=None):
        return ("estate", "id_number_masked") if obj else ("id_number_masked",)

    def service_data(self, form):
        data = super().service_data(form)
        if form.cleaned_data.get("clear_id_number"):
            data["id_number"] = ""
        elif form.cleaned_data.get("id_number"):
            data["id_number"] = form.cleaned_data["id_number"]
        return data

    def get_search_results(self, request, queryset, search_term):
        """An exact ID number finds its person through the blind index; nothing is decrypted."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if RIC_SHAPE.match(term) or len(term) == 18:
            results = results | queryset.filter(id_number_hmac=id_number_index(term))
        return results, may_have_duplicates

    @admin.action(description=_("Export the selected persons' ownerships to .xlsx"))
    def export_ownerships(self, request, queryset):
        if not single_estate(queryset):
            self.message_user(request, _("Select persons of one estate at a time."), messages.ERROR)
            return None
        ownerships = Ownership.objects.filter(person__in=queryset.values("pk"))
        return xlsx_response(owners_export(estate_ids=None, ownerships=ownerships), stem="owners")


class _PeriodAdmin(PeopleAdmin):
    list_filter = ("estate", "start_date", "end_date")
    search_fields = ("unit__label", "person__name")
    list_select_related = ("unit", "person", "estate")
    autocomplete_fields = ("unit", "person")
    date_hierarchy = "start_date"


@admin.register(Ownership)
class OwnershipAdmin(SpreadsheetImportAdminMixin, _PeriodAdmin):
    list_display = ("unit", "person", "share", "start_date", "end_date", "estate")
    fields = ("unit", "person", "share", "start_date", "end_date")
    actions = ["export_selected"]
    create_service = services.ownership_create
    update_service = services.ownership_update
    delete_service = services.ownership_delete
    service_object_name = "ownership"
    import_function = staticmethod(owners_import)
    import_columns = OWNER_COLUMNS

    @admin.action(description=_("Export selected to .xlsx"))
    def export_selected(self, request, queryset):
        if not single_estate(queryset):
            self.message_user(request, _("Select ownerships of one estate at a time."), messages.ERROR)
            return None
        return xlsx_response(owners_export(estate_ids=None, ownerships=queryset), stem="owners")


@admin.register(Tenancy)
class TenancyAdmin(_PeriodAdmin):
    list_display = ("unit", "person", "start_date", "end_date", "monthly_rent", "estate")
    fields = ("unit", "person", "start_date", "end_date", "monthly_rent", "note")
    create_service = services.tenancy_create
    update_service = services.tenancy_update
    delete_service = services.tenancy_delete
    service_object_name = "tenancy"


@admin.register(HouseholdMember)
class HouseholdMemberAdmin(_PeriodAdmin):
    list_display = ("person", "relation", "unit", "start_date", "end_date", "estate")
    list_filter = ("estate", "relation", "start_date")
    fields = ("unit", "person", "relation", "start_date", "end_date")
    create_service = services.household_member_create
    update_service = services.household_member_update
    delete_service = services.household_member_delete
    service_object_name = "member"
