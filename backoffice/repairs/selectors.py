"""Read-only queries on work orders, and the repair figures (维修报表)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet

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


_REPORT_SQL = """
SELECT {key} AS key,
       count(*) AS count,
       count(*) FILTER (WHERE status = %s) AS closed,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY extract(epoch FROM accepted_at - created_at) / 60.0)
           FILTER (WHERE accepted_at IS NOT NULL) AS response,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at) / 60.0)
           FILTER (WHERE resolved_at IS NOT NULL) AS resolution,
       count(*) FILTER (WHERE accepted_at IS NOT NULL) AS accepted,
       count(*) FILTER (WHERE accepted_at <= created_at + %s) AS response_ok,
       count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE resolved_at <= created_at + CASE WHEN priority = %s
                                                         THEN %s ELSE %s END) AS resolution_ok,
       count(*) FILTER (WHERE rework_count > 0) AS reworked,
       avg(rating) AS average_rating
FROM ({orders}) AS orders
GROUP BY 1
"""


def _repair_report_sql(orders: QuerySet, key_field: str, group_by: str) -> list[dict[str, Any]]:
    """The same figures computed by PostgreSQL in one pass: one sort per duration for both percentiles."""
    source = orders.order_by().values(
        "status",
        "priority",
        "created_at",
        "accepted_at",
        "resolved_at",
        "rework_count",
        "rating",
        key=F(key_field),
    )
    inner_sql, inner_params = source.query.sql_with_params()
    sql = _REPORT_SQL.format(key="key", orders=inner_sql)
    params = [  # in the order their placeholders stand in the text, the inner query's last
        WorkOrderStatus.CLOSED.value,
        RESPONSE_SLA,
        Priority.URGENT.value,
        RESOLUTION_SLA[Priority.URGENT],
        RESOLUTION_SLA[Priority.NORMAL],
        *inner_params,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")  # sort 100k durations in memory, not on disk
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    report = []
    for row in rows:
        response = row["response"] or [None, None]
        resolution = row["resolution"] or [None, None]
        report.append(
            {
                group_by: row["key"],
                "count": row["count"],
                "closed": row["closed"],
                "response_minutes_median": _round(response[0]),
                "response_minutes_p90": _round(response[1]),
                "resolution_minutes_median": _round(resolution[0]),
                "resolution_minutes_p90": _round(resolution[1]),
                "response_within_sla": _ratio(row["response_ok"], row["accepted"]),
                "resolution_within_sla": _ratio(row["resolution_ok"], row["resolved"]),
                "rework_rate": _ratio(row["reworked"], row["count"]),
                "average_rating": _round(
                    float(row["average_rating"]) if row["average_rating"] is not None else None
                ),
            }
        )
    return sorted(report, key=lambda item: str(item[group_by]))


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


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
    if connection.vendor == "postgresql":
        return _repair_report_sql(orders, key_field, group_by)
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


def work_order_by_number(*, number: str, estate_ids: Iterable[int] | None) -> WorkOrder | None:
    """The order a repair process runs for (its business key), with what a task page shows of it."""
    return (
        work_order_list(estate_ids=estate_ids)
        .select_related("unit", "requester", "equipment", "technician", "reporter")
        .prefetch_related("photos")
        .filter(number=number)
        .first()
    )
