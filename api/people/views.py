from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from backoffice.accounts.choices import PEOPLE_EDITORS
from backoffice.accounts.selectors import estate_ids_with_roles
from backoffice.core.errors import ValidationFailed
from backoffice.estates import selectors as estate_selectors
from backoffice.people import selectors, services

from ..viewsets import ScopedModelViewSet
from . import filtersets, serializers


class PersonViewSet(ScopedModelViewSet):
    """Owners, tenants and residents (业主/住户). Filter `?id_number=` for an exact ID lookup."""

    selector = selectors.person_list
    serializer_class = serializers.PersonSerializer
    filterset_class = filtersets.PersonFilterSet
    write_roles = PEOPLE_EDITORS
    search_fields = ["name", "phone", "email"]
    ordering_fields = ["name", "created_at"]
    create_service = services.person_create
    update_service = services.person_update
    delete_service = services.person_delete
    service_object_name = "person"

    def owner_queryset(self, user):
        """The owner themself and everyone registered in the units they own."""
        owned = selectors.unit_ids_owned_by_person(person_id=user.person_id)
        members = selectors.household_member_list(estate_ids=None).filter(unit_id__in=owned)
        return selectors.person_list(estate_ids=None).filter(
            pk__in=[user.person_id, *members.values_list("person_id", flat=True)]
        )

    def perform_create(self, serializer):
        if serializer.validated_data.get("estate") is None:
            writable = estate_ids_with_roles(self.request.user, self.write_roles) or set()
            if len(writable) != 1:
                raise ValidationFailed.for_field(
                    "estate", _("Say which estate the person belongs to."), code="required"
                )
            serializer.validated_data["estate"] = estate_selectors.estate_list(estate_ids=writable).get()
        super().perform_create(serializer)


def _owner_period_rows(selector, user):
    """Periods of the owner themself, or of any unit they own."""
    owned = selectors.unit_ids_owned_by_person(person_id=user.person_id)
    return selector(estate_ids=None).filter(Q(person_id=user.person_id) | Q(unit_id__in=owned))


class OwnershipViewSet(ScopedModelViewSet):
    """Who owns which unit (产权), with history: an ended ownership keeps its end date."""

    selector = selectors.ownership_list
    serializer_class = serializers.OwnershipSerializer
    filterset_class = filtersets.OwnershipFilterSet
    write_roles = PEOPLE_EDITORS
    search_fields = ["person__name", "unit__label"]
    ordering_fields = ["start_date", "end_date", "created_at"]
    create_service = services.ownership_create
    update_service = services.ownership_update
    delete_service = services.ownership_delete
    service_object_name = "ownership"

    def owner_queryset(self, user):
        return _owner_period_rows(selectors.ownership_list, user)


class TenancyViewSet(ScopedModelViewSet):
    """Leases (租赁). Leases of one unit never overlap."""

    selector = selectors.tenancy_list
    serializer_class = serializers.TenancySerializer
    filterset_class = filtersets.TenancyFilterSet
    write_roles = PEOPLE_EDITORS
    search_fields = ["person__name", "unit__label"]
    ordering_fields = ["start_date", "end_date", "created_at"]
    create_service = services.tenancy_create
    update_service = services.tenancy_update
    delete_service = services.tenancy_delete
    service_object_name = "tenancy"

    def owner_queryset(self, user):
        return _owner_period_rows(selectors.tenancy_list, user)


class HouseholdMemberViewSet(ScopedModelViewSet):
    """Residents registered in a unit (家庭成员/住户)."""

    selector = selectors.household_member_list
    serializer_class = serializers.HouseholdMemberSerializer
    filterset_class = filtersets.HouseholdMemberFilterSet
    write_roles = PEOPLE_EDITORS
    search_fields = ["person__name", "unit__label"]
    ordering_fields = ["start_date", "created_at"]
    create_service = services.household_member_create
    update_service = services.household_member_update
    delete_service = services.household_member_delete
    service_object_name = "member"

    def owner_queryset(self, user):
        return _owner_period_rows(selectors.household_member_list, user)
