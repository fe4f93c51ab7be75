from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.accounts.choices import ACCOUNT_ADMINS
from backoffice.core import selectors

from ..viewsets import ReadOnlyScopedViewSet
from . import filtersets, serializers


class HealthView(APIView):
    """Liveness and database reachability, without authentication (for load balancers)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Health", {"status": drf_serializers.CharField(), "database": drf_serializers.CharField()}
        ),
        auth=[],
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:  # any database failure means "not healthy", never a 500 page
            return Response({"status": "error", "database": type(exc).__name__}, status=503)
        return Response({"status": "ok", "database": connection.vendor})


class AuditEntryViewSet(ReadOnlyScopedViewSet):
    """The audit trail of master data (administrators): who changed what, when, before and after."""

    selector = selectors.audit_entry_list
    serializer_class = serializers.AuditEntrySerializer
    filterset_class = filtersets.AuditEntryFilterSet
    read_roles = ACCOUNT_ADMINS
    search_fields = ["object_repr"]
    ordering_fields = ["at"]
