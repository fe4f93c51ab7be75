from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone

from backoffice.facilities.models import Equipment, MaintenancePlan, MaintenanceRecord, Supplier
from backoffice.facilities.selectors import warranty_ends_within


class SupplierFilterSet(django_filters.FilterSet):
    class Meta:
        model = Supplier
        fields = ["estate"]


class DaysFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class EquipmentFilterSet(django_filters.FilterSet):
    warranty_within = DaysFilter(
        method="filter_warranty_within",
        min_value=0,
        max_value=3650,
        help_text="Items whose warranty ends within this many days from today (not retired), soonest first.",
    )

    class Meta:
        model = Equipment
        fields = ["estate", "category", "status", "building", "unit", "supplier"]

    def filter_warranty_within(self, queryset, name, value):
        condition = warranty_ends_within(today=timezone.localdate(), within_days=int(value))
        return queryset.filter(condition).order_by("warranty_until", "id")


class MaintenancePlanFilterSet(django_filters.FilterSet):
    due_before = django_filters.DateFilter(
        field_name="next_due", lookup_expr="lte", help_text="Plans due on or before this date."
    )

    class Meta:
        model = MaintenancePlan
        fields = ["estate", "equipment", "category", "active", "responsible_group"]


class MaintenanceRecordFilterSet(django_filters.FilterSet):
    performed_after = django_filters.DateFilter(field_name="performed_on", lookup_expr="gte")
    performed_before = django_filters.DateFilter(field_name="performed_on", lookup_expr="lte")

    class Meta:
        model = MaintenanceRecord
        fields = ["estate", "equipment", "plan", "defects_found"]
