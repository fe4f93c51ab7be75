"""A process owner changes a task's candidate group in the editor and deploys version 2; an invalid diagram
shows the engine's reasons and deploys nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from workflows.models import ProcessVersion

pytestmark = pytest.mark.browser

USER_ASSIGNMENT = "[data-group-id='group-CamundaPlatform__UserAssignment']"


def _open_editor(page, path: str):
    page.goto(path)
    expect(page.locator("#canvas[data-ready='1']")).to_be_attached(timeout=20_000)


def _select(page, element_id: str):
    page.evaluate(
        """(id) => { const m = window.PMEditor.modeler;
                     m.get('selection').select(m.get('elementRegistry').get(id)); }""",
        element_id,
    )


def _open_group(page, selector: str):
    group = page.locator(selector)
    expect(group).to_be_visible()
    if group.locator(".bio-properties-panel-group-entries.open").count() == 0:
        group.locator(".bio-properties-panel-group-header").click()


def test_change_candidate_group_and_deploy_version_2(site, open_as, shot):
    page = open_as(site["users"]["process_owner"])
    page.goto("/processes/")
    expect(page.locator("[data-process='repair'] tr[data-version='1']")).to_be_visible()
    page.locator("[data-process='repair'] tr[data-version='1'] a").first.click()
    expect(page.locator("#canvas[data-ready='1']")).to_be_attached(timeout=20_000)
    _select(page, "dispatch")
    _open_group(page, USER_ASSIGNMENT)
    groups = page.locator("#bio-properties-panel-candidateGroups")
    expect(groups).to_have_value("dispatcher")
    groups.fill("service_desk")
    groups.blur()
    shot(page, "editor-desktop")
    page.click("#deploy-button")
    page.wait_for_url("**/processes/repair/v2/**")
    expect(page.locator("#versions tr[data-version='2']")).to_be_visible()
    expect(page.locator("#versions tr[data-version='1']")).to_be_visible()
    version = ProcessVersion.objects.get(definition__key="repair", version=2)
    assert version.deployed_by.username == "designer"
    assert (
        'id="dispatch" name="Dispatch the repair" camunda:candidateGroups="service_desk"' in version.bpmn_xml
    )
    phone = open_as(site["users"]["process_owner"], phone=True)
    _open_editor(phone, "/processes/repair/v2/")
    shot(phone, "editor-phone")


def test_invalid_diagram_shows_the_reasons(site, open_as, shot):
    page = open_as(site["users"]["process_owner"])
    _open_editor(page, "/processes/repair/v1/")
    _select(page, "dispatch")
    _open_group(page, USER_ASSIGNMENT)
    page.locator("#bio-properties-panel-candidateGroups").fill("")
    page.locator("#bio-properties-panel-priority").fill("urgent")
    page.locator("#bio-properties-panel-priority").blur()
    page.click("#validate-button")
    reasons = page.locator("#editor-reasons")
    expect(reasons).to_be_visible()
    expect(reasons).to_contain_text("Dispatch the repair")
    expect(reasons.locator("li")).to_have_count(2)
    expect(page.locator("#canvas .djs-element.pm-error[data-element-id='dispatch']")).to_have_count(1)
    page.click("#deploy-button")
    expect(reasons.locator("li")).to_have_count(2)
    shot(page, "editor-refused-desktop")
    assert ProcessVersion.objects.filter(definition__key="repair").count() == 1


def test_new_diagram_opens_empty(site, open_as):
    page = open_as(site["users"]["process_owner"])
    _open_editor(page, "/processes/new/")
    assert page.evaluate("() => window.PMEditor.modeler.get('elementRegistry').getAll().length") > 0
