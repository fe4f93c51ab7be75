"""The outbox: written with the change, sent after commit, once; nothing when the change rolls back."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from backoffice.core.errors import ValidationFailed
from backoffice.notifications.models import Notification
from backoffice.notifications.services import (
    notification_queue,
    notification_send,
    notifications_dispatch_due,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
DONE = {"number": "WO-20261201-0001", "unit": "1栋-1201"}


def test_rolled_back_change_sends_nothing(owner, mailoutbox, sms, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notification_queue(recipient=owner, channel="email", template="work_order.done", context=DONE)
        notification_queue(recipient=owner, channel="sms", template="work_order.done", context=DONE)
        raise RuntimeError("the change fails after queueing")
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mailoutbox == []
    assert sms.calls == 0
    assert notifications_dispatch_due(now=T0 + dt.timedelta(days=1)) == 0


def test_email_is_sent_after_commit_exactly_once(owner, mailoutbox, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notification = notification_queue(
                recipient=owner, channel="email", template="work_order.done", context=DONE
            )
        # Written, not yet sent: sending waits for the commit.
        assert notification.status == "pending" and mailoutbox == []
        assert len(callbacks) == 1
        callbacks[0]()

    assert len(mailoutbox) == 1
    [message] = mailoutbox
    assert message.to == ["owner@example.com"]
    assert message.subject == "报修 WO-20261201-0001 已完成"
    assert message.body == "您的报修 WO-20261201-0001（1栋-1201）已维修完成。"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.sent_at) == ("sent", 1, T0)
    assert notification.address == "owner@example.com" and notification.next_attempt_at is None

    # Neither running the callback again, nor a sweep, nor a direct send sends it a second time.
    callbacks[0]()
    assert notifications_dispatch_due(now=T0 + dt.timedelta(hours=1)) == 0
    assert notification_send(notification_id=notification.pk, now=T0 + dt.timedelta(hours=1)) is None
    assert len(mailoutbox) == 1


def test_same_dedup_key_makes_one_notification(owner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notification_queue(
            recipient=owner, channel="email", template="work_order.done", context=DONE, dedup_key="wo:1:done"
        )
        again = notification_queue(
            recipient=owner, channel="email", template="work_order.done", context=DONE, dedup_key="wo:1:done"
        )
    assert again.pk == first.pk
    assert Notification.objects.filter(dedup_key="wo:1:done").count() == 1
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1


def test_in_app_is_delivered_by_being_written(owner, mailoutbox, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notification_queue(
            recipient=owner,
            channel="in_app",
            template="work_order.assigned",
            context={"number": "WO-1", "technician": "李师傅"},
            estate_id=owner.memberships.get().estate_id,
        )
    assert callbacks == []
    assert notification.status == "sent" and notification.sent_at is not None
    assert notification.subject == "报修 WO-1 已派工"
    assert notification.body == "维修师傅 李师傅 将为您处理报修 WO-1。"  # no unit: "()" left out
    assert notification.read_at is None and notification.next_attempt_at is None
    assert mailoutbox == [] and sms.calls == 0


def test_english_when_asked(owner):
    notification = notification_queue(
        recipient=owner, channel="in_app", template="work_order.confirm_request", context=DONE, language="en"
    )
    assert notification.language == "en"
    assert notification.subject == "Please confirm repair WO-20261201-0001"
    assert notification.body.startswith(
        "Please confirm in the app that the repair WO-20261201-0001 (1栋-1201)"
    )


def test_sms_goes_to_the_persons_phone(owner, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_queue(
            recipient=owner, channel="sms", template="work_order.accepted", context=DONE
        )
    assert sms.sent == [
        ("+8613900000001", "您的报修 WO-20261201-0001（1栋-1201）已受理，我们将尽快安排维修师傅。")
    ]
    notification.refresh_from_db()
    assert (notification.status, notification.address) == ("sent", "+8613900000001")


def test_no_address_fails_at_once_and_is_not_retried(
    estate, mailoutbox, sms, django_capture_on_commit_callbacks
):
    from .. import factories as f

    nobody = f.make_user({estate: ["owner"]}, username="no_contact")  # no e-mail, no person
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        by_mail = notification_queue(recipient=nobody, channel="email", template="generic", context={})
        by_sms = notification_queue(recipient=nobody, channel="sms", template="generic", context={})
    by_mail.refresh_from_db()
    by_sms.refresh_from_db()
    assert (by_mail.status, by_mail.attempts, by_mail.next_attempt_at) == ("failed", 1, None)
    assert by_mail.last_error == "The recipient has no e-mail address on file."
    assert (by_sms.status, by_sms.next_attempt_at) == ("failed", None)
    assert by_sms.last_error == "The recipient has no mobile phone on file."
    assert notifications_dispatch_due(now=T0 + dt.timedelta(days=7)) == 0
    by_mail.refresh_from_db()
    assert by_mail.attempts == 1 and mailoutbox == [] and sms.calls == 0


def test_email_falls_back_to_the_persons_address(owner, mailoutbox, django_capture_on_commit_callbacks):
    owner.email = ""
    owner.save(update_fields=["email"])
    owner.person.email = "home@example.com"
    owner.person.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notification_queue(recipient=owner, channel="email", template="generic", context={"subject": "Hi"})
    assert [m.to for m in mailoutbox] == [["home@example.com"]]


def test_unknown_template_or_channel_is_refused(owner):
    with pytest.raises(ValidationFailed) as refused:
        notification_queue(recipient=owner, channel="in_app", template="nope", context={})
    assert refused.value.fields["template"][0]["code"] == "unknown_template"
    with pytest.raises(ValidationFailed) as refused:
        notification_queue(recipient=owner, channel="pigeon", template="generic", context={})
    assert refused.value.fields["channel"][0]["code"] == "unknown_channel"
    assert Notification.objects.count() == 0


def test_context_values_are_stored_as_json(owner):
    from decimal import Decimal

    notification = notification_queue(
        recipient=owner,
        channel="in_app",
        template="generic",
        context={"subject": "收费 {amount}", "body": "{unit.__class__}", "amount": Decimal("12.50")},
    )
    notification.refresh_from_db()
    assert notification.context["amount"] == "12.50"
    # Values are inserted as text, never interpreted as templates themselves.
    assert (notification.subject, notification.body) == ("收费 {amount}", "{unit.__class__}")


def test_send_on_commit_can_be_left_to_the_sweep(
    owner, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_SEND_ON_COMMIT = False
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification_queue(recipient=owner, channel="email", template="work_order.done", context=DONE)
    assert callbacks == [] and mailoutbox == []
    assert notifications_dispatch_due(now=T0) == 1
    assert len(mailoutbox) == 1


def test_inactive_recipient_is_not_sent_to(owner, mailoutbox, django_capture_on_commit_callbacks):
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_queue(recipient=owner, channel="email", template="generic", context={})
    notification.refresh_from_db()
    assert (notification.status, notification.next_attempt_at) == ("failed", None)
    assert notification.last_error == "The recipient's account is inactive."
    assert mailoutbox == []
