"""The facilities admin: every page opens, and saves go through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.core.models import AuditEntry
from backoffice.facilities.models import Equipment, MaintenancePlan
from backoffice.facilities.services import maintenance_record_create

from .. import factories as f
from .builders import make_equipment, make_plan, make_supplier

MODELS = ["supplier", "equipment", "equipmentattachment", "maintenanceplan", "maintenancerecord"]


@pytest.fixture
def client(db):
    root = f.make_user(username="root", superuser=True)
    root.is_staff = True
    root.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(root)
    return browser


@pytest.mark.parametrize("model", MODELS)
def test_pages_open(client, estate, model):
    item = make_equipment(estate, supplier=make_supplier(estate))
    plan = make_plan(item)
    record = maintenance_record_create(
        actor=None,
        plan=plan,
        equipment=item,
        performed_on=dt.date(2027, 2, 1),
        results=[],
        defects_found=False,
    )
    rows = {
        "supplier": item.supplier,
        "equipment": item,
        "maintenanceplan": plan,
        "maintenancerecord": record,
    }
    assert client.get(reverse(f"admin:facilities_{model}_changelist")).status_code == 200
    if model in rows:
        change = reverse(f"admin:facilities_{model}_change", args=[rows[model].pk])
        assert client.get(change).status_code == 200


def test_saves_go_through_the_services(client, estate, other_estate):
    item = make_equipment(estate)
    add = reverse("admin:facilities_maintenanceplan_add")
    form = {
        "estate": "",
        "equipment": item.pk,
        "category": "",
        "title": "月检",
        "interval": "weekly",
        "checklist": "[]",
        "responsible_group": "technician",
        "next_due": "2027-01-31",
        "active": "on",
    }
    refused = client.post(add, form)
    assert refused.status_code == 200
    assert "interval" in refused.context["adminform"].form.errors
    assert MaintenancePlan.objects.count() == 0
    assert client.post(add, {**form, "interval": "quarterly"}).status_code == 302
    plan = MaintenancePlan.objects.get()
    assert (plan.estate_id, plan.anchor_day) == (estate.pk, 31)

    building = f.make_building(other_estate)
    change = reverse("admin:facilities_equipment_change", args=[item.pk])
    page = client.post(
        change,
        {
            "category": "elevator",
            "name": item.name,
            "building": building.pk,
            "status": "in_service",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert page.status_code == 200
    assert "building" in page.context["adminform"].form.errors
    assert Equipment.objects.get(pk=item.pk).building_id is None
    assert AuditEntry.objects.filter(object_type="facilities.maintenanceplan").count() == 1
