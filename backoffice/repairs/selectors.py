"""Read-only queries on work orders, and the repair figures (维修报表)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from .choices import Priority, WorkOrderStatus
from .models import WorkOrder

RESPONSE_SLA = dt.timedelta(minutes=30)
RESOLUTION_SLA = {Priority.URGENT: dt.timedelta(hours=4), Priority.NORMAL: dt.timedelta(hours=24)}


def work_order_list(*, estate_ids: Iterable[int] | None) -> QuerySet[WorkOrder]:
    queryset = WorkOrder.objects.select_related("unit", "technician", "reporter")
    return queryset if estate_ids is None else queryset.filter(estate_id__in=list(estate_ids))


def work_orders_of_owner(*, user) -> QuerySet[WorkOrder]:
    """An owner's own orders: reported by them, or for them."""
    condition = Q(reporter_id=user.pk)
    if getattr(user, "person_id", None):
        condition |= Q(requester_id=user.person_id)
    return work_order_list(estate_ids=None).filter(condition)


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))
    return ordered[index]


def repair_report(
    *,
    estate_ids: Iterable[int] | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    group_by: str = "estate",
) -> list[dict[str, Any]]:
    """Per group (estate, category or technician): count, median and p90 response and resolution minutes,
    share within SLA, rework rate and average rating, over orders created in [start, end)."""
    orders = work_order_list(estate_ids=estate_ids).exclude(status=WorkOrderStatus.CANCELLED)
    if start:
        orders = orders.filter(created_at__date__gte=start)
    if end:
        orders = orders.filter(created_at__date__lt=end)
    key_field = {"estate": "estate_id", "category": "category", "technician": "technician__username"}[
        group_by
    ]
    rows = orders.values_list(
        key_field, "created_at", "accepted_at", "resolved_at", "priority", "rework_count", "rating", "status"
    )
    groups: dict[Any, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for key, created, accepted, resolved, priority, rework, rating, status in rows.iterator(chunk_size=5000):
        group = groups[key]
        group["count"].append(1)
        if accepted:
            response = accepted - created
            group["response"].append(response.total_seconds() / 60)
            group["response_ok"].append(response <= RESPONSE_SLA)
        if resolved:
            resolution = resolved - created
            group["resolution"].append(resolution.total_seconds() / 60)
            group["resolution_ok"].append(
                resolution <= RESOLUTION_SLA.get(priority, RESOLUTION_SLA[Priority.NORMAL])
            )
        group["rework"].append(rework > 0)
        if rating:
            group["rating"].append(rating)
        group["closed"].append(status == WorkOrderStatus.CLOSED)
    report = []
    for key, group in sorted(groups.items(), key=lambda item: str(item[0])):

        def share(values):
            return round(sum(values) / len(values), 4) if values else None

        report.append(
            {
                group_by: key,
                "count": len(group["count"]),
                "closed": sum(group["closed"]),
                "response_minutes_median": _round(
                    statistics.median(group["response"]) if group["response"] else None
                ),
                "response_minutes_p90": _round(_percentile(group["response"], 0.9)),
                "resolution_minutes_median": _round(
                    statistics.median(group["resolution"]) if group["resolution"] else None
                ),
                "resolution_minutes_p90": _round(_percentile(group["resolution"], 0.9)),
                "response_within_sla": share(group["response_ok"]),
                "resolution_within_sla": share(group["resolution_ok"]),
                "rework_rate": share(group["rework"]),
                "average_rating": _round(statistics.fmean(group["rating"]) if group["rating"] else None),
            }
        )
    return report


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
