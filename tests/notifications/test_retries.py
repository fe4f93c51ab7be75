"""A failing provider: retried with back-off by the sweep (the clock moved by time-machine), then dead."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backoffice.notifications.models import Notification
from backoffice.notifications.services import (
    notification_queue,
    notification_send,
    notifications_dispatch_due,
    retry_delay,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def queue_sms(owner, django_capture_on_commit_callbacks) -> Notification:
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        notification = notification_queue(
            recipient=owner, channel="sms", template="work_order.done", context={"number": "WO-1"}
        )
    notification.refresh_from_db()
    return notification


def sweep_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return notifications_dispatch_due(now=moment)


def test_failing_provider_is_retried_with_backoff_then_dead(owner, sms, django_capture_on_commit_callbacks):
    sms.failures_left = 99
    notification = queue_sms(owner, django_capture_on_commit_callbacks)
    # The attempt right after commit failed: retry in 1 minute.
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert notification.next_attempt_at == T0 + MINUTE
    assert notification.last_error == "SmsError: gateway says no"

    # Not due yet: nothing is tried.
    assert sweep_at(T0 + dt.timedelta(seconds=59)) == 0
    assert sms.calls == 1

    assert sweep_at(T0 + MINUTE) == 0
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", 2)
    assert notification.next_attempt_at == T0 + MINUTE + 5 * MINUTE
    assert sms.calls == 2

    # Third attempt of three: dead, and no sweep ever tries it again.
    assert sweep_at(T0 + 6 * MINUTE) == 0
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.next_attempt_at) == ("dead", 3, None)
    sms.failures_left = 0
    assert sweep_at(T0 + dt.timedelta(days=30)) == 0
    assert notification_send(notification_id=notification.pk, now=T0 + dt.timedelta(days=30)) is None
    assert sms.calls == 3 and sms.sent == []


def test_a_retry_that_succeeds_sends_once(owner, sms, django_capture_on_commit_callbacks):
    sms.failures_left = 1
    notification = queue_sms(owner, django_capture_on_commit_callbacks)
    assert notification.status == "failed"
    assert sweep_at(T0 + MINUTE) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.sent_at) == ("sent", 2, T0 + MINUTE)
    assert notification.last_error == ""
    assert sweep_at(T0 + dt.timedelta(hours=1)) == 0
    assert sms.calls == 2
    assert sms.sent == [("+8613900000001", "您的报修 WO-1已维修完成。")]


def test_backoff_schedule(settings):
    settings.NOTIFICATION_RETRY_MINUTES = [1, 5, 30]
    assert [retry_delay(n) for n in (1, 2, 3, 4, 9)] == [
        MINUTE,
        5 * MINUTE,
        30 * MINUTE,
        30 * MINUTE,
        30 * MINUTE,
    ]


def test_sweep_respects_its_limit(owner, sms, settings):
    settings.NOTIFICATION_SEND_ON_COMMIT = False
    with time_machine.travel(T0, tick=False):
        for n in range(5):
            notification_queue(recipient=owner, channel="sms", template="generic", context={"body": f"#{n}"})
    with time_machine.travel(T0, tick=False):
        assert notifications_dispatch_due(now=T0, limit=2) == 2
    assert [text for _phone, text in sms.sent] == ["#0", "#1"]  # oldest first
    assert sweep_at(T0) == 3
    assert Notification.objects.filter(status="sent").count() == 5
