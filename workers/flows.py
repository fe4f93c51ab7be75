"""Prefect flows and their schedules.

Rules for every flow here (ARCHITECTURE.md, "Scheduled work"):

* Thin: a flow calls one service of `backoffice` or `workflows` and returns what it returned. No business
  rule, no query, no model import lives in this module.
* Id-based: parameters are ids, codes or an ISO moment (`now`), never model instances or payloads.
* Idempotent: the services they call are; running a flow twice creates nothing twice, so Prefect retries
  and overlapping runs are safe.

Async flows, sync services. A synchronous Prefect flow run costs at least 1.1 s here (a heartbeat thread);
an async one about 0.2 s, so the flows are `async def`. The Django ORM refuses to run on a thread that has
an event loop, so each flow hands its service call to `in_django()`, which runs it through asgiref's
`sync_to_async(thread_sensitive=True)`: one dedicated thread per process (or, inside `async_to_sync`, the
calling thread - which is how the tests share pytest-django's transaction). The service still runs in one
ordinary Django transaction of its own, exactly as when `manage.py process_timers` calls it.

Adding a flow (billing cycle, dunning sweep, maintenance plans, notification dispatch, ...): write an
`async def` flow that awaits `in_django(<service>, ...)`, then append a `ScheduledFlow` to `SCHEDULED`.
`python -m workers serve` serves whatever that list holds, and `python -m workers run <name>` runs it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from prefect import Flow, flow, get_run_logger
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.exceptions import MissingContextError
from prefect.schedules import Cron, Schedule

from . import django_setup

# Importing the flows prepares Django, so the subprocess Prefect spawns for each flow run (which imports
# this module to find the flow) can use the ORM. A no-op when Django is already set up.
django_setup.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402

from backoffice.facilities.maintenance import maintenance_start_due  # noqa: E402
from backoffice.notifications.services import notifications_dispatch_due  # noqa: E402
from workflows.services import timers_fire_due  # noqa: E402

T = TypeVar("T")
log = logging.getLogger(__name__)


def _release_stale_connections() -> None:
    """Drop database connections that broke or outlived CONN_MAX_AGE (what Django does around a request).

    A connection inside a transaction belongs to the caller (e.g. a test) and is left alone."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def _call_service(service: Callable[..., T], kwargs: dict[str, Any]) -> T:
    _release_stale_connections()
    try:
        return service(**kwargs)
    finally:
        _release_stale_connections()


async def in_django(service: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a synchronous service (ORM, transactions) from an async flow, on Django's sync thread."""
    return await sync_to_async(_call_service, thread_sensitive=True)(service, kwargs)


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """The flow-run logger inside a Prefect run (its lines reach the Prefect UI), a plain one outside."""
    try:
        return get_run_logger()
    except MissingContextError:
        return log


# --- flows -----------------------------------------------------------------------------------------------


@flow(name="timers_sweep", retries=2, retry_delay_seconds=10)
async def timers_sweep(now: dt.datetime | None = None) -> int:
    """Fire every process timer due at `now` (default: the current time); return how many fired.

    The same sweep as `manage.py process_timers`. Idempotent: a timer fires once, so a retry or a second
    sweeper fires nothing twice (on PostgreSQL, instances another sweeper holds are skipped)."""
    fired = await in_django(timers_fire_due, now=now)
    run_logger().info("fired %s timer(s)", fired)
    return fired


@flow(name="maintenance_plans", retries=2, retry_delay_seconds=30)
async def maintenance_plans(on: dt.date | None = None) -> int:
    """Start a `maintenance` process for every plan that falls due on `on` (default: today).

    Idempotent: each (plan, equipment, due date) starts once, however often the flow runs."""
    started = await in_django(maintenance_start_due, on=on)
    run_logger().info("started %s maintenance process(es)", len(started))
    return len(started)


@flow(name="notifications_dispatch", retries=2, retry_delay_seconds=10)
async def notifications_dispatch(now: dt.datetime | None = None) -> int:
    """Send the e-mails and SMS that are due (first tries left to this sweep, and retries with back-off).

    Idempotent: each notification is claimed before it is sent, so two sweeps never send one twice."""
    sent = await in_django(notifications_dispatch_due, now=now)
    run_logger().info("sent %s notification(s)", sent)
    return sent


# --- schedules -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledFlow:
    """A flow and when `serve` runs it. `name` (the flow name, which is also the function name) names the
    deployment and is what `python -m workers run` takes."""

    flow: Flow
    schedule: Schedule
    description: str = ""
    tags: tuple[str, ...] = field(default=("property-backoffice",))

    @property
    def name(self) -> str:
        return self.flow.name

    @property
    def when(self) -> str:
        """The schedule as people read it, e.g. `cron '* * * * *' (Asia/Shanghai)`."""
        s = self.schedule
        text = f"cron {s.cron!r}" if s.cron else f"rrule {s.rrule!r}" if s.rrule else f"every {s.interval}"
        return f"{text} ({s.timezone or 'UTC'})"

    def to_deployment(self) -> RunnerDeployment:
        return self.flow.to_deployment(
            name=self.name,
            schedule=self.schedule,
            description=self.description or None,
            tags=list(self.tags),
            # `workers.flows:<fn>` rather than a file path, so workers on other machines find it too.
            entrypoint_type=EntrypointType.MODULE_PATH,
        )


def _cron(expression: str) -> Schedule:
    """A cron schedule read in the estates' default zone (so `0 2 * * *` means 02:00 in Asia/Shanghai)."""
    return Cron(expression, timezone=settings.TIME_ZONE)


SCHEDULED: list[ScheduledFlow] = [
    ScheduledFlow(
        timers_sweep,
        _cron("* * * * *"),
        description="Fire every due BPMN timer (SLA escalations, deadlines, waits); every minute.",
    ),
    ScheduledFlow(
        maintenance_plans,
        _cron("5 * * * *"),
        description="Start the maintenance process for plans that fall due; hourly, once per plan and due date.",
    ),
    ScheduledFlow(
        notifications_dispatch,
        _cron("* * * * *"),
        description="Send due e-mail and SMS notifications, retrying failures with back-off; every minute.",
    ),
]


def scheduled_by_name() -> dict[str, ScheduledFlow]:
    return {entry.name: entry for entry in SCHEDULED}
