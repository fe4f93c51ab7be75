"""Read-only queries of the core app."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import AuditEntry


def audit_entry_list(*, estate_ids: Iterable[int] | None) -> QuerySet[AuditEntry]:
    """Audit entries of the given estates (None: every estate, for superusers), newest first.

    Entries of objects that belong to no estate (persons, users) are visible to every auditor.
    """
    queryset = AuditEntry.objects.select_related("actor")
    if estate_ids is None:
        return queryset
    return queryset.filter(Q(estate_id__in=list(estate_ids)) | Q(estate__isnull=True))
