"""Two dispatchers at once never send the same notification twice (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from backoffice.notifications.models import Notification
from backoffice.notifications.services import (
    notification_queue,
    notification_send,
    notifications_dispatch_due,
)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def in_thread(action, results: list, index: int) -> threading.Thread:
    def runner():
        try:
            results[index] = ("ok", action())
        except Exception as exc:  # the test shows what went wrong
            results[index] = ("error", repr(exc))
        finally:
            connections.close_all()

    thread = threading.Thread(target=runner)
    thread.start()
    return thread


def queue_sms(owner, count: int) -> list[int]:
    return [
        notification_queue(recipient=owner, channel="sms", template="generic", context={"body": f"#{n}"}).pk
        for n in range(count)
    ]


def test_a_row_being_sent_is_skipped_by_the_other_worker(owner, sms, settings):
    settings.NOTIFICATION_SEND_ON_COMMIT = False
    [notification_id] = queue_sms(owner, 1)
    sms.hold = threading.Event()
    results: list = [None, None]

    first = in_thread(lambda: notification_send(notification_id=notification_id), results, 0)
    assert sms.entered.wait(timeout=10)  # the first worker holds the row and is inside the provider
    second = in_thread(lambda: notification_send(notification_id=notification_id), results, 1)
    second.join(timeout=10)
    assert results[1] == ("ok", None)  # skipped at once, not waiting for the first
    sms.hold.set()
    first.join(timeout=10)

    assert results[0][0] == "ok" and results[0][1].status == "sent"
    assert sms.calls == 1 and len(sms.sent) == 1
    assert Notification.objects.get(pk=notification_id).attempts == 1


def test_racing_sweeps_send_each_notification_once(owner, sms, settings):
    settings.NOTIFICATION_SEND_ON_COMMIT = False
    ids = queue_sms(owner, 40)
    barrier = threading.Barrier(3)
    results: list = [None] * 3

    def sweep():
        barrier.wait()
        return notifications_dispatch_due()

    threads = [in_thread(sweep, results, i) for i in range(3)]
    for thread in threads:
        thread.join(timeout=60)

    assert all(kind == "ok" for kind, _ in results), results
    assert sum(count for _, count in results) == 40
    assert sms.calls == 40
    assert sorted(text for _phone, text in sms.sent) == sorted(f"#{n}" for n in range(40))
    assert set(Notification.objects.filter(pk__in=ids).values_list("status", "attempts")) == {("sent", 1)}


def test_on_commit_send_and_sweep_at_once_send_once(owner, sms, settings):
    """The moment the outbox exists for: the request's after-commit send meets a sweep."""
    settings.NOTIFICATION_SEND_ON_COMMIT = False
    ids = queue_sms(owner, 10)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def one_by_one():
        barrier.wait()
        return [notification_send(notification_id=i) for i in ids]

    def sweep():
        barrier.wait()
        return notifications_dispatch_due()

    threads = [in_thread(one_by_one, results, 0), in_thread(sweep, results, 1)]
    for thread in threads:
        thread.join(timeout=60)
    assert results[0][0] == "ok" and results[1][0] == "ok", results
    assert sms.calls == 10 and len(sms.sent) == 10
    assert Notification.objects.filter(pk__in=ids, status="sent", attempts=1).count() == 10
