"""GET /api/v1/notifications/: the caller's own in-app notifications; another user's is 404."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backoffice.notifications.models import Notification
from backoffice.notifications.services import notification_queue

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
BASE = "/api/v1/notifications/"


def tell(user, number: str, *, channel: str = "in_app", at: dt.datetime = T0) -> Notification:
    with time_machine.travel(at, tick=False):
        return notification_queue(
            recipient=user, channel=channel, template="work_order.done", context={"number": number}
        )


@pytest.fixture
def inbox(owner, neighbour, settings):
    settings.NOTIFICATION_SEND_ON_COMMIT = False
    return {
        "old": tell(owner, "WO-1", at=T0),
        "new": tell(owner, "WO-2", at=T0 + dt.timedelta(hours=1)),
        "by_mail": tell(owner, "WO-3", channel="email"),
        "theirs": tell(neighbour, "WO-9"),
    }


def test_lists_only_my_in_app_notifications_newest_first(api, owner, inbox):
    body = api.as_user(owner).get(BASE).json()
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    assert [n["id"] for n in body["results"]] == [inbox["new"].pk, inbox["old"].pk]
    first = body["results"][0]
    assert first["subject"] == "报修 WO-2 已完成"
    assert first["context"] == {"number": "WO-2"}
    assert first["is_read"] is False and first["read_at"] is None
    assert set(first) == {
        "id",
        "template",
        "subject",
        "body",
        "context",
        "estate",
        "created_at",
        "read_at",
        "is_read",
    }


def test_another_users_notification_is_not_found(api, owner, inbox):
    api.as_user(owner)
    theirs = inbox["theirs"].pk
    for response in (api.get(f"{BASE}{theirs}/"), api.post(f"{BASE}{theirs}/read/")):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    # An e-mail notification is not in the in-app list either, and ids that are no ids are 404 too.
    assert api.get(f"{BASE}{inbox['by_mail'].pk}/").status_code == 404
    assert api.post(f"{BASE}{inbox['by_mail'].pk}/read/").status_code == 404
    assert api.post(f"{BASE}99999999999999999999999/read/").status_code == 404
    assert api.post(f"{BASE}abc/read/").status_code == 404
    inbox["theirs"].refresh_from_db()
    assert inbox["theirs"].read_at is None


def test_mark_read_and_filter_unread(api, owner, inbox):
    api.as_user(owner)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        response = api.post(f"{BASE}{inbox['old'].pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert response.json()["read_at"] == "2026-12-02T17:00:00+08:00"
    # Reading again changes nothing.
    again = api.post(f"{BASE}{inbox['old'].pk}/read/").json()
    assert again["read_at"] == "2026-12-02T17:00:00+08:00"

    assert [n["id"] for n in api.get(BASE, {"unread": "true"}).json()["results"]] == [inbox["new"].pk]
    assert [n["id"] for n in api.get(BASE, {"unread": "false"}).json()["results"]] == [inbox["old"].pk]
    assert api.get(f"{BASE}summary/").json() == {"unread_count": 1}


def test_read_all_and_summary(api, owner, neighbour, inbox):
    api.as_user(owner)
    assert api.get(f"{BASE}summary/").json() == {"unread_count": 2}
    response = api.post(f"{BASE}read-all/")
    assert response.status_code == 200 and response.json() == {"updated": 2}
    assert api.get(f"{BASE}summary/").json() == {"unread_count": 0}
    assert api.post(f"{BASE}read-all/").json() == {"updated": 0}
    # The neighbour's stays unread.
    assert api.as_user(neighbour).get(f"{BASE}summary/").json() == {"unread_count": 1}


def test_staff_see_their_own_too(api, manager, owner, inbox):
    mine = tell(manager, "WO-5")
    body = api.as_user(manager).get(BASE).json()
    assert [n["id"] for n in body["results"]] == [mine.pk]


def test_anonymous_is_refused(api, inbox):
    response = api.anonymous().get(BASE)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert api.post(f"{BASE}read-all/").status_code == 401


@pytest.mark.django_db
def test_admin_lists_notifications_read_only(client, estate, inbox):
    from .. import factories as f

    root = f.make_user(superuser=True, username="root")
    root.is_staff = True
    root.save(update_fields=["is_staff"])
    client.force_login(root)
    response = client.get("/admin/notifications/notification/", {"status__exact": "pending"})
    assert response.status_code == 200
    assert "WO-3" in response.content.decode()
    assert client.get("/admin/notifications/notification/add/").status_code == 403
    detail = client.get(f"/admin/notifications/notification/{inbox['old'].pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
