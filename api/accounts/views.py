from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.accounts import selectors, services
from backoffice.accounts.choices import ACCOUNT_ADMINS

from ..errors import error_body
from ..viewsets import ScopedModelViewSet
from . import serializers


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class TokenView(APIView):
    """Exchange a username and password for an API token; DELETE revokes the token in use."""

    authentication_classes = [*APIView.authentication_classes]
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        request=serializers.TokenRequestSerializer,
        responses={200: serializers.TokenResponseSerializer},
        auth=[],
    )
    def post(self, request):
        body = serializers.TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key, token = services.token_login(
            username=body.validated_data["username"],
            password=body.validated_data["password"],
            ip_address=client_ip(request),
        )
        return Response({"token": key, "expires_at": token.expires_at})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if not request.user.is_authenticated or not isinstance(request.auth, str):
            return Response(error_body("not_authenticated", "Send the token to revoke."), status=401)
        services.token_revoke(key=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The caller's account and roles per estate."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


class UserViewSet(ScopedModelViewSet):
    """User accounts and their roles per estate (admin). DELETE deactivates; accounts are never erased."""

    selector = selectors.user_list
    serializer_class = serializers.UserSerializer
    read_roles = ACCOUNT_ADMINS
    write_roles = ACCOUNT_ADMINS
    owner_readable = False
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "date_joined"]
    filterset_fields: list = []

    def estate_id_of(self, obj):
        mine = selectors.estate_ids_with_roles(self.request.user, ACCOUNT_ADMINS)
        theirs = [m.estate_id for m in obj.memberships.all()]
        if mine is None:
            return theirs[0] if theirs else None
        return next((estate_id for estate_id in theirs if estate_id in mine), None)

    def check_create_allowed(self, validated):
        """Per-estate checks happen in the service (it names the estate that is refused)."""

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.user_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            actor=self.request.user, user=serializer.instance, changes=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.user_deactivate(actor=self.request.user, user=instance)
