"""The caller's own in-app notifications (站内通知). Anyone signed in, owners included, sees theirs and
nobody else's: another user's notification is 404, as if it did not exist."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from backoffice.notifications import selectors, services
from backoffice.notifications.models import Notification

from . import serializers
from .filtersets import NotificationFilter


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's in-app notifications, newest first; `?unread=true` for the unread ones."""

    serializer_class = serializers.NotificationSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list_for(user=self.request.user)

    @extend_schema(request=None, responses=serializers.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read (again: no change)."""
        notification = services.notification_mark_read(user=request.user, notification_id=int(pk))
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=serializers.ReadAllResponseSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification of the caller read."""
        return Response({"updated": services.notifications_mark_all_read(user=request.user)})

    @extend_schema(responses=serializers.NotificationSummarySerializer)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request):
        """The unread count, for the badge on the bell."""
        return Response({"unread_count": selectors.notification_unread_count(user=request.user)})
