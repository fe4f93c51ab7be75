"""The owners' portal: report a repair with photos, follow it, confirm it; read notifications."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from backoffice.notifications.models import Notification
from backoffice.notifications.services import notification_queue
from backoffice.repairs.models import WorkOrder, WorkOrderPhoto
from web.access import actor_for
from workflows.models import HumanTask, ProcessInstance
from workflows.services import task_complete

from .. import factories as f
from ..sites import build_repair_site

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def site(db, estate):
    return build_repair_site(estate)


def client_for(user) -> Client:
    """A logged-in browser that reads the pages in English (the site's default language is Chinese)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def photo(name="leak.jpg", content=JPEG):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def report(client, unit, **extra):
    body = {"unit": unit.pk, "category": "plumbing", "description": "厨房水管漏水", **extra}
    return client.post(reverse("web:portal_repair_new"), body)


def open_task(number, key) -> HumanTask:
    return HumanTask.objects.get(business_key=number, task_key=key, status="open")


def act(user, number, key, data=None):
    task_complete(actor=actor_for(user), task_id=open_task(number, key).pk, data=data or {})


def to_confirmation(site, number, *, charge=False):
    """The dispatcher and the technician do their part; the owner is then asked to confirm."""
    users = site["users"]
    act(users["dispatcher"], number, "dispatch", {"technician": "tech1"})
    act(users["tech1"], number, "accept")
    act(
        users["tech1"],
        number,
        "repair_work",
        {
            "diagnosis": "阀门老化",
            "work_done": "更换阀门",
            "parts": "阀门 x1",
            "parts_cost": "35.50" if charge else "0",
            "charge_owner": charge,
        },
    )


def reported(site, client=None) -> WorkOrder:
    client = client or client_for(site["users"]["owner"])
    response = report(client, site["unit"])
    assert response.status_code == 302, response.content.decode()
    return WorkOrder.objects.get()


def field_errors(response) -> dict[str, str]:
    """The per-field messages on a page, by the field's name."""
    html = response.content.decode()
    return dict(re.findall(r'<p class="field-error" id="e-([\w-]+)">(.*?)</p>', html, re.S))


# ------------------------------------------------------------------------------------------------ access


def test_staff_and_anonymous_may_not_open_the_portal(site):
    staff = client_for(site["users"]["manager"])
    for name in ("web:portal", "web:portal_repair_new", "web:notifications"):
        assert staff.get(reverse(name)).status_code == 403
    anonymous = Client().get(reverse("web:portal"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_another_owner_cannot_see_the_order(site):
    order = reported(site)
    neighbour = client_for(site["users"]["neighbour"])
    assert neighbour.get(reverse("web:portal_repair", args=[order.pk])).status_code == 404
    assert order.number not in neighbour.get(reverse("web:portal")).content.decode()
    to_confirmation(site, order.number)
    confirm = open_task(order.number, "confirm")
    response = neighbour.post(
        reverse("web:portal_task_complete", args=[confirm.pk]), {"satisfied": "on", "rating": "5"}
    )
    assert response.status_code == 404
    assert open_task(order.number, "confirm").pk == confirm.pk
    assert (
        client_for(site["users"]["owner"]).get(reverse("web:portal_repair", args=[10**12])).status_code == 404
    )


# ------------------------------------------------------------------------------------------------ report


def test_the_form_offers_the_owners_units(site):
    response = client_for(site["users"]["owner"]).get(reverse("web:portal_repair_new"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="photos"' in html and "multiple" in html
    assert f'<option value="{site["unit"].pk}" selected>' in html  # the only unit: preselected
    assert f'value="{site["neighbour_unit"].pk}"' not in html


def test_report_a_repair_with_photos(site):
    client = client_for(site["users"]["owner"])
    response = report(
        client,
        site["unit"],
        contact_phone="13911112222",
        preferred_time="晚上",
        photos=[photo("a.jpg"), photo("b.PNG")],
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:portal_repair", args=[order.pk])
    assert (order.channel, order.unit_id, order.reporter, order.category) == (
        "app",
        site["unit"].pk,
        site["users"]["owner"],
        "plumbing",
    )
    assert (order.contact_phone, order.preferred_time) == ("13911112222", "晚上")
    instance = ProcessInstance.objects.get(pk=order.process_instance_id)
    assert (instance.business_key, instance.status) == (order.number, "running")
    assert WorkOrderPhoto.objects.filter(work_order=order).count() == 2

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Repair reported: {order.number}" in html
    assert html.count('<img src="/media/work_orders/') == 2
    assert '<li class="current" aria-current="step">Dispatched' in html
    assert html.count('<li class="done"') == 1

    home = client.get(reverse("web:portal")).content.decode()
    assert order.number in home and reverse("web:portal_repair_new") in home


def test_a_unit_of_someone_else_is_refused(site):
    response = report(client_for(site["users"]["owner"]), site["neighbour_unit"], photos=[photo()])
    assert response.status_code == 400
    assert field_errors(response)["unit"] == "Choose one of your units."
    assert "厨房水管漏水" in response.content.decode()  # what was typed is kept
    assert not WorkOrder.objects.exists() and not ProcessInstance.objects.exists()
    assert not WorkOrderPhoto.objects.exists()


@pytest.mark.parametrize("unit", ["", "abc", "999999999", "99999999999999999999999"])
def test_a_missing_or_unknown_unit_is_refused(site, unit):
    client = client_for(site["users"]["owner"])
    response = client.post(
        reverse("web:portal_repair_new"), {"unit": unit, "category": "plumbing", "description": "x"}
    )
    assert response.status_code == 400
    assert field_errors(response)["unit"] == "Choose one of your units."
    assert not WorkOrder.objects.exists()


def test_a_bad_photo_creates_nothing(site):
    response = report(
        client_for(site["users"]["owner"]), site["unit"], photos=[photo("good.jpg"), photo("virus.exe")]
    )
    assert response.status_code == 400
    assert "virus.exe: Photos must be JPG, PNG, WebP or HEIC." in field_errors(response)["photos"]
    assert not WorkOrder.objects.exists() and not ProcessInstance.objects.exists()
    assert not WorkOrderPhoto.objects.exists()


def test_a_too_large_photo_creates_nothing(site, monkeypatch):
    monkeypatch.setattr("backoffice.repairs.services.MAX_PHOTO_BYTES", 10)
    response = report(client_for(site["users"]["owner"]), site["unit"], photos=[photo("big.jpg")])
    assert response.status_code == 400
    assert "The photo is larger than 10 MB." in field_errors(response)["photos"]
    assert not WorkOrder.objects.exists()


def test_domain_refusals_show_next_to_their_fields(site):
    client = client_for(site["users"]["owner"])
    response = report(client, site["unit"], description="   ", category="teleport", contact_phone="1" * 30)
    errors = field_errors(response)
    assert response.status_code == 400
    assert {"description", "category", "contact_phone"} <= set(errors)
    assert 'value="111111111111111111111111111111"' in response.content.decode()
    assert not WorkOrder.objects.exists() and not ProcessInstance.objects.exists()


def test_an_owner_without_units_is_told_so(site, estate):
    person = f.make_person(estate, "访客", phone="13900000009")
    lonely = f.make_user({estate: ["owner"]}, username="lonely", person=person)
    client = client_for(lonely)
    page = client.get(reverse("web:portal_repair_new"))
    assert page.status_code == 200 and 'id="no-units"' in page.content.decode()
    response = report(client, site["unit"])
    assert response.status_code == 400 and not WorkOrder.objects.exists()


# ------------------------------------------------------------------------------------ follow and confirm


def test_confirm_from_the_portal_closes_the_order(site):
    owner = site["users"]["owner"]
    client = client_for(owner)
    order = reported(site, client)
    to_confirmation(site, order.number)

    home = client.get(reverse("web:portal")).content.decode()
    assert "Please confirm" in home
    page = client.get(reverse("web:portal_repair", args=[order.pk]))
    html = page.content.decode()
    confirm = open_task(order.number, "confirm")
    assert reverse("web:portal_task_complete", args=[confirm.pk]) in html
    assert "Confirm the repair" in html and 'name="satisfied"' in html
    assert html.count('type="radio" name="rating"') == 5
    assert "tech1" in html and "阀门老化" in html and "更换阀门" in html

    url = reverse("web:portal_task_complete", args=[confirm.pk])
    refused = client.post(url, {"satisfied": "on", "rating": "9", "comment": "很好"})
    assert refused.status_code == 400
    assert "rating" in field_errors(refused)
    assert "很好" in refused.content.decode()  # the comment is kept
    assert HumanTask.objects.get(pk=confirm.pk).status == "open"
    assert WorkOrder.objects.get(pk=order.pk).status == "awaiting_confirmation"

    done = client.post(url, {"satisfied": "on", "rating": "5", "comment": "很好"})
    assert done.status_code == 302 and done["Location"] == reverse("web:portal_repair", args=[order.pk])
    closed = WorkOrder.objects.get(pk=order.pk)
    assert (closed.status, closed.rating, closed.comment, closed.auto_confirmed) == (
        "closed",
        5,
        "很好",
        False,
    )
    assert HumanTask.objects.get(pk=confirm.pk).status == "completed"

    html = client.get(done["Location"]).content.decode()
    assert 'id="rating">5 / 5' in html and "Confirm the repair" in html  # the success message
    assert html.count('<li class="done"') == 5

    again = client.post(url, {"satisfied": "on", "rating": "4"})
    assert again.status_code == 302  # already done: a message, not an error page
    assert "already" in client.get(again["Location"]).content.decode()
    assert WorkOrder.objects.get(pk=order.pk).rating == 5


def test_approve_the_charge_then_confirm(site):
    client = client_for(site["users"]["owner"])
    order = reported(site, client)
    to_confirmation(site, order.number, charge=True)
    charge = open_task(order.number, "approve_charge")
    html = client.get(reverse("web:portal_repair", args=[order.pk])).content.decode()
    assert "Approve the repair charge" in html and "35.50" in html
    response = client.post(reverse("web:portal_task_complete", args=[charge.pk]), {"charge_approved": "on"})
    assert response.status_code == 302
    assert WorkOrder.objects.get(pk=order.pk).charge_status == "approved"
    confirm = open_task(order.number, "confirm")
    response = client.post(
        reverse("web:portal_task_complete", args=[confirm.pk]), {"rating": "2", "comment": "还在漏"}
    )
    assert response.status_code == 302
    assert WorkOrder.objects.get(pk=order.pk).status == "rework"  # not satisfied: back to the technician


def test_task_complete_takes_posts_only_and_unknown_tasks_are_not_found(site):
    client = client_for(site["users"]["owner"])
    order = reported(site, client)
    dispatch = open_task(order.number, "dispatch")
    url = reverse("web:portal_task_complete", args=[dispatch.pk])
    assert client.get(url).status_code == 405
    # the dispatcher's task of the owner's own order: not theirs to complete
    response = client.post(url, {"technician": "tech1"})
    assert response.status_code == 302
    assert HumanTask.objects.get(pk=dispatch.pk).status == "open"
    assert client.post(reverse("web:portal_task_complete", args=[10**12])).status_code == 404


# ------------------------------------------------------------------------------------------ notifications


def test_notifications_list_and_mark_read(site):
    owner = site["users"]["owner"]
    client = client_for(owner)
    order = reported(site, client)
    to_confirmation(site, order.number)
    mine = Notification.objects.filter(recipient=owner, channel="in_app")
    assert mine.count() >= 3 and mine.filter(read_at__isnull=True).count() == mine.count()
    other = notification_queue(
        recipient=site["users"]["neighbour"], channel="in_app", template="work_order.done", context={}
    )

    home = client.get(reverse("web:portal")).content.decode()
    assert re.search(rf'<span class="badge" id="unread-count"[^>]*>{mine.count()}</span>', home)
    page = client.get(reverse("web:notifications"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<li class="unread"') == mine.count()
    for notification in mine:
        assert str(notification.subject) in html
    assert f'data-id="{other.pk}"' not in html

    first = mine.first()
    response = client.post(reverse("web:notifications_read"), {"notification": first.pk})
    assert response.status_code == 302 and response["Location"] == reverse("web:notifications")
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert client.post(reverse("web:notifications_read"), {"notification": other.pk}).status_code == 302
    assert Notification.objects.get(pk=other.pk).read_at is None  # another's: untouched
    assert client.post(reverse("web:notifications_read"), {"notification": "x"}).status_code == 302

    response = client.post(reverse("web:notifications_read"))
    assert response.status_code == 302
    assert not mine.filter(read_at__isnull=True).exists()
    html = client.get(reverse("web:notifications")).content.decode()
    assert '<li class="unread"' not in html and 'id="mark-all-read"' not in html
    assert client.get(reverse("web:notifications_read")).status_code == 405
