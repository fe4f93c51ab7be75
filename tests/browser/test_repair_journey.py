"""A repair from the owner's phone to the closed order, through the staff workspace, in a real browser."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from backoffice.repairs.models import WorkOrder
from workflows.models import HumanTask

pytestmark = pytest.mark.browser

# a 1x1 PNG: the owner's photo of the leak
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _open_task(page, task_key: str):
    row = page.locator(f"li[data-task-key='{task_key}']").first
    expect(row).to_be_visible(timeout=20_000)  # the inbox polls: no reload needed
    row.locator("a.title").click()
    page.wait_for_load_state()


def test_owner_reports_staff_work_owner_confirms(site, open_as, shot, tmp_path):
    users = site["users"]
    dispatcher = open_as(users["dispatcher"])
    dispatcher.goto("/tasks/")
    expect(dispatcher.locator("li.empty")).to_be_visible()
    shot(dispatcher, "inbox-empty-desktop")

    # the owner reports from the phone, with a photo
    owner = open_as(users["owner"], phone=True)
    owner.goto("/portal/repairs/new/")
    photo = tmp_path / "leak.png"
    photo.write_bytes(PNG)
    owner.select_option("select[name=category]", "plumbing")
    owner.fill("textarea[name=description]", "厨房水龙头漏水")
    owner.set_input_files("input[name=photos]", str(photo))
    shot(owner, "portal-report-phone")
    owner.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    owner.wait_for_load_state()
    order = WorkOrder.objects.get()
    expect(owner.locator("body")).to_contain_text(order.number)
    assert order.photos.count() == 1

    # the dispatcher sees it appear without reloading, claims and dispatches to tech1
    row = dispatcher.locator("li[data-task-key='dispatch']")
    expect(row).to_be_visible(timeout=20_000)
    expect(row).to_contain_text(order.number)
    shot(dispatcher, "inbox-desktop")
    row.locator("button.claim").click()
    dispatcher.wait_for_load_state()
    _open_task(dispatcher, "dispatch")
    expect(dispatcher.locator("#task-assignee")).to_have_text("dispatch")
    expect(dispatcher.locator("#business")).to_contain_text("厨房水龙头漏水")
    shot(dispatcher, "task-dispatch-desktop")
    dispatcher.fill("#f-technician", "tech1")
    dispatcher.click("#complete-button")
    dispatcher.wait_for_load_state()
    expect(dispatcher.locator(".messages")).to_be_visible()

    # the technician accepts, then records the work: a bad cost first, the error shows, then a good one
    tech = open_as(users["tech"], phone=True)
    tech.goto("/tasks/")
    _open_task(tech, "accept")
    tech.click("#complete-button")
    tech.wait_for_load_state()
    _open_task(tech, "repair_work")
    tech.fill("#f-diagnosis", "阀芯老化")
    tech.fill("#f-work_done", "更换阀芯")
    tech.fill("#f-parts_cost", "十块")
    tech.click("#complete-button")
    tech.wait_for_load_state()
    error = tech.locator("[data-field='parts_cost'] .field-error")
    expect(error).to_be_visible()
    shot(tech, "task-form-error-phone")
    assert HumanTask.objects.get(task_key="repair_work").status == "open"
    tech.fill("#f-parts_cost", "35.50")
    tech.click("#complete-button")
    tech.wait_for_load_state()
    assert HumanTask.objects.get(task_key="repair_work").status == "completed"

    # the owner confirms with a rating
    owner.goto(f"/portal/repairs/{order.pk}/")
    form = owner.locator("form#task-form")
    expect(form).to_be_visible()
    form.locator("input[name=satisfied]").check()
    form.locator("input[name=rating][value='5']").check()
    form.locator("[name=comment]").fill("很及时")
    shot(owner, "portal-confirm-phone")
    form.locator("#complete-button").click()
    owner.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == "closed" and order.rating == 5
    shot(owner, "portal-order-closed-phone")

    # the instance page shows the path taken
    manager = open_as(users["manager"])
    manager.goto(f"/instances/{order.process_instance_id}/")
    expect(manager.locator("#diagram[data-ready='1']")).to_be_attached(timeout=20_000)
    for step in ("dispatch", "accept", "repair_work", "confirm"):
        expect(manager.locator(f"#diagram .djs-element.pm-done[data-element-id='{step}']")).to_have_count(1)
    expect(manager.locator("#instance-status")).to_have_text(re.compile(".+"))
    expect(manager.locator("#history tr[data-event='completed']")).to_have_count(4)
    shot(manager, "instance-desktop")
    phone_manager = open_as(users["manager"], phone=True)
    phone_manager.goto(f"/instances/{order.process_instance_id}/")
    expect(phone_manager.locator("#diagram[data-ready='1']")).to_be_attached(timeout=20_000)
    shot(phone_manager, "instance-phone")
    phone_manager.goto("/tasks/")
    shot(phone_manager, "inbox-phone")
    phone_manager.goto("/dashboard/")
    expect(phone_manager.locator("h1")).to_be_visible()
    shot(phone_manager, "dashboard-phone")
    manager.goto("/dashboard/")
    shot(manager, "dashboard-desktop")
    owner.goto("/portal/")
    expect(owner.locator("body")).to_contain_text(order.number)
    shot(owner, "portal-home-phone")
    owner_desktop = open_as(users["owner"])
    owner_desktop.goto(f"/portal/repairs/{order.pk}/")
    shot(owner_desktop, "portal-order-desktop")
    dispatcher.goto("/processes/")
    shot(dispatcher, "processes-desktop")
