from __future__ import annotations

from rest_framework import serializers

from backoffice.accounts.choices import Role
from backoffice.accounts.models import User
from backoffice.estates import selectors as estate_selectors
from backoffice.people import selectors as people_selectors

from ..fields import ScopedPrimaryKeyRelatedField


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class MembershipSerializer(serializers.Serializer):
    estate = serializers.IntegerField(source="estate_id")
    role = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=True, trim_whitespace=False, max_length=128)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        allow_empty=False,
        write_only=True,
        help_text="Role codes granted in every estate listed in `estates`; read back as the union held.",
    )
    estates = serializers.ListField(
        child=ScopedPrimaryKeyRelatedField(selector=estate_selectors.estate_list),
        allow_empty=True,
        write_only=True,
        help_text="Estate ids the roles are granted in.",
    )
    person = ScopedPrimaryKeyRelatedField(
        selector=people_selectors.person_list, required=False, allow_null=True
    )
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "person",
            "roles",
            "estates",
            "memberships",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["is_active", "last_login", "date_joined"]
        extra_kwargs = {"username": {"validators": []}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["password"].required = False
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        memberships = list(instance.memberships.all())
        data["roles"] = sorted({m.role for m in memberships})
        data["estates"] = sorted({m.estate_id for m in memberships})
        return data


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "person",
            "is_superuser",
            "memberships",
        ]
