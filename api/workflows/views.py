"""The process-engine API (CONTRACT.md "Process engine"): views translate, `workflows.services` act."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import CountedPagination
from backoffice.accounts.choices import STAFF_ROLES, Role
from backoffice.accounts.selectors import estate_ids_with_roles, estate_roles, has_any_role, has_role_in
from backoffice.core.errors import DomainError
from workflows import selectors, services
from workflows.definitions import definition_deploy
from workflows.models import HumanTask, ProcessVersion
from workflows.runtime import Actor

from . import serializers


def actor_for(request) -> Actor:
    """The caller as the engine sees them: user, roles per estate, superuser flag."""
    user = request.user
    return Actor(user=user, groups=estate_roles(user), is_superuser=user.is_superuser)


def staff_estates(request) -> set[int] | None:
    return estate_ids_with_roles(request.user, STAFF_ROLES)


class StaffOnly(IsAuthenticated):
    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and has_any_role(request.user, STAFF_ROLES)


class ProcessDefinitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Process keys with their versions; POST deploys a new version (process owners)."""

    serializer_class = serializers.ProcessDefinitionSerializer
    permission_classes = [StaffOnly]
    lookup_field = "key"
    lookup_value_regex = r"[A-Za-z0-9_.\-]+"
    filter_backends: list = []

    def get_queryset(self):
        return selectors.definition_list()

    @extend_schema(
        request=serializers.DeployRequestSerializer, responses={201: serializers.DeployResponseSerializer}
    )
    def create(self, request):
        if not has_any_role(request.user, {Role.PROCESS_OWNER}):
            raise PermissionDenied(_("Only process owners deploy diagrams."))
        body = serializers.DeployRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version, created = definition_deploy(
            actor=request.user,
            bpmn_xml=body.validated_data["bpmn_xml"],
            dmn_xml=body.validated_data["dmn_xml"],
        )
        data = serializers.ProcessVersionSerializer(version).data | {"created": created}
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ProcessVersionXmlView(APIView):
    """The BPMN XML of one version, exactly as deployed (for the modeler and for download)."""

    permission_classes = [StaffOnly]

    @extend_schema(responses={(200, "application/xml"): str})
    def get(self, request, key: str, number: int):
        version = get_object_or_404(ProcessVersion, definition__key=key, version=number)
        response = HttpResponse(version.bpmn_xml, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{key}-v{number}.bpmn"'
        return response


class ProcessInstanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [StaffOnly]
    filterset_fields = ["process_key", "business_key", "status", "estate"]
    ordering_fields = ["started_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.instance_list(estate_ids=None).none()
        return selectors.instance_list(estate_ids=staff_estates(self.request))

    def get_serializer_class(self):
        return (
            serializers.InstanceDetailSerializer if self.action != "list" else serializers.InstanceSerializer
        )

    def get_serializer_context(self):
        return super().get_serializer_context() | {"now": timezone.now()}

    @extend_schema(
        request=serializers.StartRequestSerializer, responses={201: serializers.InstanceDetailSerializer}
    )
    def create(self, request):
        body = serializers.StartRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        estate_id = body.validated_data["estate"]
        visible = staff_estates(request)
        if visible is not None and estate_id not in visible:
            raise NotFound(_("No such estate."))
        if not has_role_in(request.user, estate_id, STAFF_ROLES):
            raise PermissionDenied()
        instance = services.instance_start(
            actor=actor_for(request),
            process_key=body.validated_data["process_key"],
            estate_id=estate_id,
            business_key=body.validated_data["business_key"],
            variables=body.validated_data["variables"],
        )
        instance.refresh_from_db()
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def _act(self, service, pk):
        instance = self.get_object()
        instance = service(actor=actor_for(self.request), instance_id=instance.pk)
        instance.refresh_from_db()
        return Response(
            serializers.InstanceDetailSerializer(instance, context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses=serializers.InstanceDetailSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run an instance in `incident` again from the failed step (managers)."""
        return self._act(services.instance_retry, pk)

    @extend_schema(request=None, responses=serializers.InstanceDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(services.instance_cancel, pk)

    @extend_schema(request=None, responses=serializers.InstanceDetailSerializer)
    @action(detail=True, methods=["post"])
    def migrate(self, request, pk=None):
        """Move to the latest version when safe; 422 `migration_unsafe` otherwise (managers)."""
        return self._act(services.instance_migrate, pk)


TASK_ORDERING = {
    "due_at": ("due_at", "id"),
    "-priority": ("-priority", "id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "-due_at": ("-due_at", "-id"),
    "priority": ("priority", "id"),
}


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The inbox: open tasks the caller may act on (`?status=completed` for their finished ones).

    Owners use it too: a task assigned to them by name (confirming a repair) is theirs to complete."""

    serializer_class = serializers.TaskSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    pagination_class = CountedPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.task_visible(actor=Actor(), estate_ids=set()).none()
        actor = actor_for(self.request)
        if self.action != "list":
            return selectors.task_visible(actor=actor, estate_ids=staff_estates(self.request))
        params = self.request.query_params
        wanted = "completed" if params.get("status") == "completed" else "open"
        filters = {}
        if params.get("assignee") == "me":
            filters["assignee_id"] = actor.user_id
        for name in ("process_key", "business_key"):
            if params.get(name):
                filters[name] = params[name]
        if params.get("estate", "").isdigit():
            filters["estate_id"] = int(params["estate"])
        tasks = selectors.task_inbox(actor=actor, status=wanted).filter(**filters)
        if wanted == "open":
            self.paginator.count_with = lambda: selectors.task_inbox_count(actor=actor, **filters)
        return tasks.order_by(*TASK_ORDERING.get(params.get("ordering", ""), ("-priority", "due_at", "id")))

    def get_serializer_context(self):
        return super().get_serializer_context() | {
            "now": timezone.now(),
            "with_variables": self.action != "list",
        }

    @extend_schema(
        parameters=[
            OpenApiParameter("assignee", str, enum=["me"]),
            OpenApiParameter("process_key", str),
            OpenApiParameter("business_key", str),
            OpenApiParameter("estate", int),
            OpenApiParameter("status", str, enum=["open", "completed"]),
            OpenApiParameter("ordering", str, enum=sorted(TASK_ORDERING)),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _task_response(self, task):
        # One query for the row as saved and the usernames the serializer shows (refresh_from_db would
        # load the assignee and the completer with a query each).
        task = HumanTask.objects.select_related("assignee", "completed_by").get(pk=task.pk)
        return Response(self.get_serializer(task).data)

    @extend_schema(request=None, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        task = self.get_object()
        return self._task_response(services.task_claim(actor=actor_for(request), task_id=task.pk))

    @extend_schema(request=None, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"])
    def unclaim(self, request, pk=None):
        task = self.get_object()
        return self._task_response(services.task_unclaim(actor=actor_for(request), task_id=task.pk))

    @extend_schema(request=serializers.AssignRequestSerializer, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self.get_object()
        body = serializers.AssignRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._task_response(
            services.task_assign(
                actor=actor_for(request), task_id=task.pk, username=body.validated_data["user"]
            )
        )

    @extend_schema(request=serializers.CompleteRequestSerializer, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """The busiest call: the service locks, checks and completes in one transaction; whether the caller may
        see the task at all (404) is asked only when something is refused, and the answer is built from the
        row the service returns (no second read)."""
        task_id, data = _task_id(pk), _complete_data(request.data)
        if task_id is None or data is None:
            self.get_object()  # an unknown or invisible task is a 404 before any 400
            body = serializers.CompleteRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            task_id, data = int(pk), body.validated_data["data"]
        actor = actor_for(request)
        try:
            task = services.task_complete(actor=actor, task_id=task_id, data=data)
        except DomainError:
            self.get_object()
            raise
        task.completed_by = actor.user
        if task.assignee_id == actor.user_id:
            task.assignee = actor.user
        return Response(self.get_serializer(task).data)

    @extend_schema(request=serializers.CommentSerializer, responses=serializers.CommentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        task = self.get_object()
        if request.method == "POST":
            body = serializers.CommentSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            comment = services.task_comment_add(
                actor=actor_for(request), task_id=task.pk, text=body.validated_data["text"]
            )
            return Response(serializers.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        return Response(serializers.CommentSerializer(task.comments.select_related("author"), many=True).data)


def _task_id(pk) -> int | None:
    """The id in the URL when it can name a task row (ASCII digits within the id column's range); None sends
    the request through `get_object`, which answers 404 for anything else."""
    text = str(pk)
    if text.isascii() and text.isdigit() and 0 < int(text) < 2**63:
        return int(text)
    return None


def _complete_data(body) -> dict | None:
    """The submitted form data of a well-formed completion body (`{"data": {...}}`, or no data at all), read
    without building a serializer; None when CompleteRequestSerializer must look at it and say what is wrong."""
    if not isinstance(body, dict):
        return None
    data = body.get("data", {})
    return data if isinstance(data, dict) else None


class MessageView(APIView):
    """Deliver a message to the instances (in the caller's estates) waiting for it with the business key."""

    permission_classes = [StaffOnly]

    @extend_schema(
        request=serializers.MessageRequestSerializer, responses=serializers.MessageResponseSerializer
    )
    def post(self, request):
        body = serializers.MessageRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visible = staff_estates(request)
        start_estate = body.validated_data.get("estate")
        if start_estate is None and visible is not None and len(visible) == 1:
            start_estate = next(iter(visible))
        if start_estate is not None and not has_role_in(request.user, start_estate, STAFF_ROLES):
            raise NotFound(_("No such estate."))
        delivered = services.message_deliver(
            actor=actor_for(request),
            name=body.validated_data["name"],
            business_key=body.validated_data["business_key"],
            payload=body.validated_data["payload"],
            estate_ids=visible,
            start_estate_id=start_estate,
        )
        return Response({"delivered_to": delivered})
