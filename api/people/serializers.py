from __future__ import annotations

from rest_framework import serializers

from backoffice.estates import selectors as estate_selectors
from backoffice.people import selectors
from backoffice.people.models import HouseholdMember, Ownership, Person, Tenancy

from ..fields import ScopedPrimaryKeyRelatedField


class PersonSerializer(serializers.ModelSerializer):
    """`id_number` is written in clear and always read back masked (`1101**********1234`)."""

    estate = ScopedPrimaryKeyRelatedField(
        selector=estate_selectors.estate_list,
        required=False,
        help_text="Defaults to the caller's estate when they work in only one.",
    )
    id_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="身份证号 or 统一社会信用代码; read back masked.",
    )
    phone = serializers.CharField(max_length=32, help_text="Chinese mobile or landline; stored as E.164.")

    class Meta:
        model = Person
        fields = [
            "id",
            "estate",
            "name",
            "phone",
            "email",
            "id_type",
            "id_number",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["id_number"] = instance.id_number_masked
        return data


class _UnitPeriodSerializer(serializers.ModelSerializer):
    """A person's period in a unit (ownership, lease, household membership): the same references and labels."""

    unit = ScopedPrimaryKeyRelatedField(selector=estate_selectors.unit_list)
    person = ScopedPrimaryKeyRelatedField(selector=selectors.person_list)
    unit_label = serializers.CharField(source="unit.label", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)

    HEAD = ["id", "estate", "unit", "unit_label", "person", "person_name"]
    TAIL = ["start_date", "end_date", "created_at", "updated_at"]

    class Meta:
        read_only_fields = ["estate", "created_at", "updated_at"]
        validators: list = []


class OwnershipSerializer(_UnitPeriodSerializer):
    class Meta(_UnitPeriodSerializer.Meta):
        model = Ownership
        fields = [*_UnitPeriodSerializer.HEAD, "share", *_UnitPeriodSerializer.TAIL]


class TenancySerializer(_UnitPeriodSerializer):
    class Meta(_UnitPeriodSerializer.Meta):
        model = Tenancy
        fields = [*_UnitPeriodSerializer.HEAD, *_UnitPeriodSerializer.TAIL, "monthly_rent", "note"]


class HouseholdMemberSerializer(_UnitPeriodSerializer):
    class Meta(_UnitPeriodSerializer.Meta):
        model = HouseholdMember
        fields = [*_UnitPeriodSerializer.HEAD, "relation", *_UnitPeriodSerializer.TAIL]
