"""Admin for the outbox: the system administrator reads what was sent to whom and why it failed.

Read-only: notifications are written by services and sent by the dispatcher, never edited by hand.
"""

from django.contrib import admin

from backoffice.core.admin_services import ReadOnlyAdminMixin, SuperuserOnlyAdminMixin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "recipient",
        "channel",
        "template",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "read_at",
    )
    list_filter = ("status", "channel", "template", "language", "estate", "created_at")
    search_fields = ("=recipient__username", "subject", "=dedup_key", "=address")
    list_select_related = ("recipient", "estate")
    raw_id_fields = ("recipient", "estate")
    readonly_fields = [f.name for f in Notification._meta.fields]
    date_hierarchy = "created_at"
    show_full_result_count = False
