from __future__ import annotations

import django_filters
from django.db.models import Q

from backoffice.people.models import HouseholdMember, Ownership, Person, Tenancy
from backoffice.people.selectors import current_period
from backoffice.people.services import id_number_index


class PersonFilterSet(django_filters.FilterSet):
    id_number = django_filters.CharFilter(method="filter_id_number", help_text="Exact ID number (any case).")
    unit = django_filters.NumberFilter(
        method="filter_unit", help_text="Persons who own, rent or live in a unit."
    )
    building = django_filters.NumberFilter(method="filter_building")

    class Meta:
        model = Person
        fields = ["estate", "id_type"]

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(id_number_hmac=id_number_index(value))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(
            Q(ownerships__unit_id=value) | Q(tenancies__unit_id=value) | Q(households__unit_id=value)
        ).distinct()

    def filter_building(self, queryset, name, value):
        return queryset.filter(
            Q(ownerships__unit__building_id=value)
            | Q(tenancies__unit__building_id=value)
            | Q(households__unit__building_id=value)
        ).distinct()


class _PeriodFilterSet(django_filters.FilterSet):
    building = django_filters.NumberFilter(field_name="unit__building_id")
    current = django_filters.BooleanFilter(method="filter_current", help_text="Only periods running today.")

    def filter_current(self, queryset, name, value):
        return queryset.filter(current_period()) if value else queryset.exclude(current_period())


class OwnershipFilterSet(_PeriodFilterSet):
    class Meta:
        model = Ownership
        fields = ["estate", "unit", "person"]


class TenancyFilterSet(_PeriodFilterSet):
    class Meta:
        model = Tenancy
        fields = ["estate", "unit", "person"]


class HouseholdMemberFilterSet(_PeriodFilterSet):
    class Meta:
        model = HouseholdMember
        fields = ["estate", "unit", "person", "relation"]
