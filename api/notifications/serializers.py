from __future__ import annotations

from rest_framework import serializers

from backoffice.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """One in-app notification as its recipient sees it."""

    is_read = serializers.BooleanField(read_only=True, help_text="Whether the recipient has read it.")
    context = serializers.DictField(
        read_only=True, help_text="The values the text was made from (e.g. `number`), for links in the app."
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "template",
            "subject",
            "body",
            "context",
            "estate",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields


class NotificationSummarySerializer(serializers.Serializer):
    unread_count = serializers.IntegerField(
        help_text="How many in-app notifications the caller has not read."
    )


class ReadAllResponseSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many notifications were unread and are now read.")
