import django_filters

from backoffice.core.models import AuditEntry


class AuditEntryFilterSet(django_filters.FilterSet):
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    actor = django_filters.CharFilter(field_name="actor__username")

    class Meta:
        model = AuditEntry
        fields = ["estate", "action", "object_type", "object_id"]
