"""Work orders (报修) and the repair report. Creating an order starts `bpmn/repair.bpmn`; every later step
happens through the task API, as the diagram says."""

from __future__ import annotations

import datetime as dt
import io

from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from openpyxl import Workbook
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.accounts.choices import STAFF_ROLES, Role
from backoffice.accounts.selectors import estate_ids_with_roles
from backoffice.core.errors import ValidationFailed
from backoffice.repairs import selectors, services

from . import serializers


class WorkOrderViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = serializers.WorkOrderSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["estate", "unit", "status", "category", "priority", "channel", "technician"]
    search_fields = ["number", "description", "location", "unit__label"]
    ordering_fields = ["created_at", "priority", "status"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.work_order_list(estate_ids=None).none()
        user = self.request.user
        estates = estate_ids_with_roles(user, STAFF_ROLES)
        if estates is None:
            return selectors.work_order_list(estate_ids=None)
        own = selectors.work_orders_of_owner(user=user)
        return selectors.work_order_list(estate_ids=None).filter(
            Q(estate_id__in=estates) | Q(pk__in=own.values("pk"))
        )

    def perform_create(self, serializer):
        serializer.instance = services.work_order_report(
            user=self.request.user, data=dict(serializer.validated_data)
        )

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={201: serializers.WorkOrderPhotoSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request, pk=None):
        """Attach a photo (jpg, png, webp, heic; at most 10 MB)."""
        order = self.get_object()
        photo = services.work_order_photo_add(
            user=request.user, order=order, upload=request.FILES.get("file")
        )
        return Response(serializers.WorkOrderPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


GROUPS = ("estate", "category", "technician")


class RepairReportView(APIView):
    """Repair figures per estate, category or technician: counts, median and p90 response and resolution
    times (minutes), share within SLA, rework rate, average rating. `?export=xlsx` for a spreadsheet."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("estate", int),
            OpenApiParameter("start", dt.date),
            OpenApiParameter("end", dt.date, description="exclusive"),
            OpenApiParameter("group_by", str, enum=list(GROUPS)),
            OpenApiParameter("export", str, enum=["xlsx"]),
        ],
        responses=serializers.RepairReportRowSerializer(many=True),
    )
    def get(self, request):
        readers = {Role.ADMIN, Role.MANAGER, Role.SUPERVISOR, Role.DISPATCHER}
        estates = estate_ids_with_roles(request.user, readers)
        if estates is not None and not estates:
            raise PermissionDenied()
        params = request.query_params
        if params.get("estate"):
            try:
                wanted = int(params["estate"])
            except ValueError:
                raise ValidationFailed.for_field("estate", _("Enter a number."), code="invalid") from None
            estates = {wanted} & estates if estates is not None else {wanted}
        group_by = params.get("group_by", "estate")
        if group_by not in GROUPS:
            raise ValidationFailed.for_field(
                "group_by", _("Choose estate, category or technician."), code="invalid_choice"
            )
        try:
            start = dt.date.fromisoformat(params["start"]) if params.get("start") else None
            end = dt.date.fromisoformat(params["end"]) if params.get("end") else None
        except ValueError:
            raise ValidationFailed.for_field("start", _("Dates are YYYY-MM-DD."), code="invalid") from None
        rows = selectors.repair_report(estate_ids=estates, start=start, end=end, group_by=group_by)
        if params.get("export") == "xlsx":
            return _xlsx(rows, group_by)
        return Response({"group_by": group_by, "start": start, "end": end, "results": rows})


def _xlsx(rows: list[dict], group_by: str) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = "repairs"
    columns = (
        [group_by, *[key for key in (rows[0] if rows else {}) if key != group_by]] if rows else [group_by]
    )
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="repairs.xlsx"'
    return response
