"""Spreadsheet onboarding over HTTP: POST a file to /imports/{kind}/, GET /exports/{kind}/?estate= for .xlsx.

The views check who may do it in which estate and hand the bytes to the domain importers, which do all the
validation in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.accounts.choices import ESTATE_EDITORS, PEOPLE_EDITORS, STAFF_ROLES
from backoffice.accounts.selectors import has_any_role, has_role_in
from backoffice.core.tabular import MAX_BYTES, XLSX_CONTENT_TYPE
from backoffice.estates.imports import units_export, units_import
from backoffice.people.imports import owners_export, owners_import

from . import serializers


@dataclass(frozen=True)
class Kind:
    importer: Callable
    exporter: Callable
    import_roles: frozenset[str]
    export_roles: frozenset[str]


# Owners lists carry personal data, so exporting them needs the roles that may edit persons.
KINDS = {
    "units": Kind(units_import, units_export, ESTATE_EDITORS, STAFF_ROLES),
    "owners": Kind(owners_import, owners_export, PEOPLE_EDITORS, PEOPLE_EDITORS),
}
KIND_PARAMETER = OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=sorted(KINDS))


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise NotFound(_("Unknown list; use one of: %(kinds)s.") % {"kinds": ", ".join(sorted(KINDS))})
    return KINDS[name]


def _check_role(user, estate_id: int | None, roles: frozenset[str]) -> None:
    if not has_role_in(user, estate_id, roles):
        raise PermissionDenied(_("You do not have a role in this estate that may do this."))


class ImportView(APIView):
    """Import units (`kind=units`: admin, manager) or owners (`kind=owners`: admin, manager, service desk).

    All rows or none: any bad row answers 400 `import_failed` with `error.rows` listing every problem by
    row and column, and nothing is saved. Rows already on file are updated or left alone, so a corrected
    export can be uploaded again.
    """

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="imports_create",
        parameters=[KIND_PARAMETER],
        request={"multipart/form-data": serializers.ImportRequestSerializer},
        responses={
            201: serializers.ImportResultSerializer,
            200: OpenApiResponse(serializers.ImportResultSerializer, description="Dry run: nothing saved."),
            400: serializers.ImportErrorResponseSerializer,
        },
    )
    def post(self, request, kind: str):
        spec = _kind(kind)
        if not has_any_role(request.user, spec.import_roles):
            raise PermissionDenied(_("You do not have a role that may import this list."))
        body = serializers.ImportRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        estate = body.validated_data["estate"]
        _check_role(request.user, estate.pk, spec.import_roles)
        upload = body.validated_data["file"]
        result = spec.importer(
            actor=request.user,
            estate=estate,
            file_name=upload.name or "",
            content=upload.read(MAX_BYTES + 1),  # one byte more than allowed lets the domain say "too large"
            dry_run=body.validated_data["dry_run"],
        )
        return Response(
            serializers.ImportResultSerializer(result).data,
            status=status.HTTP_200_OK if result.dry_run else status.HTTP_201_CREATED,
        )


class ExportView(APIView):
    """One estate's units or owners as .xlsx, with the columns the import reads (ID numbers masked)."""

    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # The body is a file, not a rendering of data: an `Accept` naming the spreadsheet type is fine.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="exports_retrieve",
        parameters=[KIND_PARAMETER, OpenApiParameter("estate", int, required=True)],
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request, kind: str):
        spec = _kind(kind)
        if not has_any_role(request.user, spec.export_roles):
            raise PermissionDenied(_("You do not have a role that may export this list."))
        query = serializers.ExportQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        estate = query.validated_data["estate"]
        _check_role(request.user, estate.pk, spec.export_roles)
        content = spec.exporter(estate_ids=[estate.pk])
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        file_name = f"{kind}-{estate.code}-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
        return response
