"""Equipment-ledger services: estate rules, warranties, due maintenance and the plan's advance."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.core.errors import ValidationFailed
from backoffice.core.models import AuditEntry
from backoffice.facilities import selectors, services
from backoffice.facilities.models import Equipment, MaintenancePlan, MaintenanceRecord, Supplier
from backoffice.facilities.selectors import DueMaintenance

from .. import factories as f
from .builders import make_equipment, make_plan, make_supplier

D = dt.date
pytestmark = pytest.mark.django_db


def record(plan, equipment, performed_on, *, due_date=None, actor=None, **extra):
    return services.maintenance_record_create(
        actor=actor,
        plan=plan,
        equipment=equipment,
        performed_on=performed_on,
        results=extra.pop("results", [{"item": "曳引机", "ok": True}]),
        defects_found=extra.pop("defects_found", False),
        notes=extra.pop("notes", ""),
        due_date=due_date,
        **extra,
    )


# --- equipment ----------------------------------------------------------------------------------------------


def test_equipment_create_is_audited_and_registers_a_supplier_by_name(estate):
    manager = f.make_user({estate: ["manager"]})
    first = services.equipment_create(
        actor=manager,
        data={"estate": estate, "name": "1号电梯", "model": "GeN2", "supplier": " 奥的斯电梯 "},
    )
    second = services.equipment_create(
        actor=manager, data={"estate": estate, "name": "2号电梯", "supplier": "奥的斯电梯"}
    )
    assert first.supplier_id == second.supplier_id
    assert Supplier.objects.get().name == "奥的斯电梯"
    entries = AuditEntry.objects.filter(object_type="facilities.equipment", estate=estate)
    assert entries.count() == 2
    assert entries.first().actor == manager


@pytest.mark.parametrize("field", ["building", "unit", "supplier"])
def test_references_to_another_estate_are_refused(estate, other_estate, field):
    building = f.make_building(other_estate)
    refs = {
        "building": building,
        "unit": f.make_unit(building),
        "supplier": make_supplier(other_estate),
    }
    with pytest.raises(ValidationFailed) as exc:
        services.equipment_create(actor=None, data={"estate": estate, "name": "水泵", field: refs[field]})
    assert exc.value.fields[field][0]["code"] == "other_estate"
    assert Equipment.objects.count() == 0


def test_unit_sets_the_building_and_must_be_in_it(estate):
    building, elsewhere = f.make_building(estate), f.make_building(estate)
    unit = f.make_unit(building)
    item = services.equipment_create(actor=None, data={"estate": estate, "name": "空调", "unit": unit})
    assert item.building_id == building.pk
    with pytest.raises(ValidationFailed) as exc:
        services.equipment_update(actor=None, equipment=item, changes={"building": elsewhere})
    assert exc.value.fields["unit"][0]["code"] == "other_building"


def test_warranty_cannot_end_before_purchase(estate):
    data = {
        "estate": estate,
        "name": "配电柜",
        "purchase_date": D(2026, 5, 1),
        "warranty_until": D(2026, 4, 30),
    }
    with pytest.raises(ValidationFailed) as exc:
        services.equipment_create(actor=None, data=data)
    assert exc.value.fields["warranty_until"][0]["code"] == "before_purchase"
    item = services.equipment_create(actor=None, data={**data, "warranty_until": D(2026, 5, 1)})
    with pytest.raises(ValidationFailed):
        services.equipment_update(actor=None, equipment=item, changes={"purchase_date": D(2026, 6, 1)})
    item.refresh_from_db()
    assert item.purchase_date == D(2026, 5, 1)


def test_serial_number_unique_per_estate_when_given(estate, other_estate):
    services.equipment_create(actor=None, data={"estate": estate, "name": "A", "serial_number": "SN-1"})
    services.equipment_create(actor=None, data={"estate": other_estate, "name": "A", "serial_number": "SN-1"})
    services.equipment_create(actor=None, data={"estate": estate, "name": "B"})
    services.equipment_create(actor=None, data={"estate": estate, "name": "C"})  # no serial: no conflict
    with pytest.raises(ValidationFailed) as exc:
        services.equipment_create(actor=None, data={"estate": estate, "name": "D", "serial_number": " SN-1"})
    assert exc.value.fields["serial_number"][0]["code"] == "unique"


def test_equipment_cannot_move_estate(estate, other_estate):
    item = make_equipment(estate)
    with pytest.raises(ValidationFailed) as exc:
        services.equipment_update(actor=None, equipment=item, changes={"estate": other_estate})
    assert exc.value.fields["estate"][0]["code"] == "immutable"


def test_supplier_phone_is_normalized_and_validated(estate):
    supplier = services.supplier_create(
        actor=None, data={"estate": estate, "name": "泵业", "phone": "021 5432 1234"}
    )
    assert supplier.phone == "+862154321234"
    with pytest.raises(ValidationFailed) as exc:
        services.supplier_update(actor=None, supplier=supplier, changes={"phone": "12345"})
    assert exc.value.fields["phone"][0]["code"] == "invalid_phone"


def test_supplier_in_use_cannot_be_deleted(estate):
    supplier = make_supplier(estate)
    make_equipment(estate, supplier=supplier)
    with pytest.raises(Exception) as exc:
        services.supplier_delete(actor=None, supplier=supplier)
    assert exc.value.code == "in_use"
    assert Supplier.objects.filter(pk=supplier.pk).exists()


# --- warranties ---------------------------------------------------------------------------------------------


def test_warranty_ending_within_days(estate, other_estate):
    today = D(2027, 6, 1)
    make = lambda estate, days, **kw: make_equipment(  # noqa: E731
        estate, warranty_until=today + dt.timedelta(days=days), **kw
    )
    ends_today, ends_in_30, ends_in_10 = make(estate, 0), make(estate, 30), make(estate, 10)
    make(estate, 31)
    make(estate, -1)
    make(estate, 5, status="retired")
    make_equipment(estate)  # no warranty recorded
    make(other_estate, 3)
    found = selectors.equipment_warranty_ending(estate_ids=[estate.pk], within_days=30, today=today)
    assert list(found) == [ends_today, ends_in_10, ends_in_30]
    assert selectors.equipment_warranty_ending(estate_ids=None, within_days=3, today=today).count() == 2


# --- plans --------------------------------------------------------------------------------------------------


def test_plan_takes_the_estate_of_its_equipment_and_normalizes_the_interval(estate):
    plan = make_plan(make_equipment(estate), interval=" p2w ", checklist=[" 检查钢丝绳 "])
    assert (plan.estate_id, plan.interval, plan.checklist, plan.anchor_day) == (
        estate.pk,
        "P2W",
        ["检查钢丝绳"],
        31,
    )


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"interval": "weekly"}, "interval", "invalid_interval"),
        ({"interval": "PT12H"}, "interval", "invalid_interval"),
        ({"category": "elevator"}, "category", "equipment_and_category"),
        ({"responsible_group": "owner"}, "responsible_group", "invalid_choice"),
        ({"checklist": ["ok", ""]}, "checklist", "invalid_checklist"),
        ({"checklist": [f"item {n}" for n in range(51)]}, "checklist", "too_many_items"),
    ],
)
def test_plan_rules(estate, data, field, code):
    with pytest.raises(ValidationFailed) as exc:
        make_plan(make_equipment(estate), **data)
    assert exc.value.fields[field][0]["code"] == code
    assert MaintenancePlan.objects.count() == 0


def test_plan_equipment_must_be_in_the_plans_estate(estate, other_estate):
    with pytest.raises(ValidationFailed) as exc:
        make_plan(make_equipment(other_estate), estate=estate)
    assert exc.value.fields["equipment"][0]["code"] == "other_estate"
    plan = make_plan(make_equipment(estate))
    with pytest.raises(ValidationFailed) as exc:
        services.maintenance_plan_update(
            actor=None, plan=plan, changes={"equipment": make_equipment(other_estate)}
        )
    assert exc.value.fields["equipment"][0]["code"] == "other_estate"


def test_plan_names_equipment_or_category(estate):
    with pytest.raises(ValidationFailed) as exc:
        make_plan(estate=estate)
    assert exc.value.fields["equipment"][0]["code"] == "required"


def test_category_plan_needs_an_estate(estate):
    with pytest.raises(ValidationFailed) as exc:
        make_plan(category="fire")
    assert exc.value.fields["estate"][0]["code"] == "required"
    assert make_plan(category="fire", estate=estate).equipment_id is None


# --- maintenance done ---------------------------------------------------------------------------------------


def test_record_advances_next_due_from_the_due_date_once(estate):
    technician = f.make_user({estate: ["technician"]})
    item = make_equipment(estate)
    plan = make_plan(item, interval="monthly", next_due=D(2027, 1, 31))

    first = record(plan, item, D(2027, 2, 3), due_date=D(2027, 1, 31), actor=technician)
    plan.refresh_from_db()
    assert (plan.next_due, plan.last_done) == (D(2027, 2, 28), D(2027, 2, 3))
    assert (first.due_date, first.performed_by, first.estate_id) == (D(2027, 1, 31), technician, estate.pk)

    again = record(plan, item, D(2027, 2, 4), due_date=D(2027, 1, 31), actor=technician)
    plan.refresh_from_db()
    assert again.pk == first.pk
    assert MaintenanceRecord.objects.count() == 1
    assert (plan.next_due, plan.last_done) == (D(2027, 2, 28), D(2027, 2, 3))

    record(plan, item, D(2027, 2, 27))  # due date defaults to the plan's next_due
    plan.refresh_from_db()
    assert plan.next_due == D(2027, 3, 31)  # back on the 31st after February


def test_late_work_does_not_shift_the_schedule(estate):
    item = make_equipment(estate)
    plan = make_plan(item, interval="P2W", next_due=D(2027, 3, 1))
    record(plan, item, D(2027, 3, 5))
    plan.refresh_from_db()
    assert plan.next_due == D(2027, 3, 15)


def test_work_months_late_skips_the_dates_already_past(estate):
    item = make_equipment(estate)
    plan = make_plan(item, interval="monthly", next_due=D(2027, 1, 10))
    record(plan, item, D(2027, 4, 20))
    plan.refresh_from_db()
    assert plan.next_due == D(2027, 5, 10)


def test_record_for_an_older_due_date_leaves_the_plan_where_it_is(estate):
    item = make_equipment(estate)
    plan = make_plan(item, interval="quarterly", next_due=D(2027, 4, 1))
    record(plan, item, D(2027, 4, 2), due_date=D(2027, 1, 1))
    plan.refresh_from_db()
    assert (plan.next_due, plan.last_done) == (D(2027, 4, 1), D(2027, 4, 2))


def test_equipment_outside_the_plan_is_refused(estate):
    plan = make_plan(make_equipment(estate))
    with pytest.raises(ValidationFailed) as exc:
        record(plan, make_equipment(estate), D(2027, 2, 1))
    assert exc.value.fields["equipment"][0]["code"] == "not_in_plan"
    category_plan = make_plan(estate=estate, category="water_pump")
    with pytest.raises(ValidationFailed):
        record(category_plan, make_equipment(estate, category="elevator"), D(2027, 2, 1))
    assert MaintenanceRecord.objects.count() == 0


def test_results_are_validated(estate):
    item = make_equipment(estate)
    plan = make_plan(item)
    with pytest.raises(ValidationFailed) as exc:
        record(plan, item, D(2027, 2, 1), results=[{"item": "门机", "ok": "yes"}])
    assert exc.value.fields["results"][0]["code"] == "invalid_results"
    plan.refresh_from_db()
    assert plan.next_due == D(2027, 1, 31)


def test_ad_hoc_record_without_a_plan(estate):
    item = make_equipment(estate)
    one = record(None, item, D(2027, 2, 1), due_date=D(2027, 1, 1))
    two = record(None, item, D(2027, 2, 1))
    assert one.pk != two.pk and one.due_date is None


# --- due maintenance ----------------------------------------------------------------------------------------


def test_plans_due_on_a_day(estate, other_estate):
    due_item, later_item, paused_item, retired = (make_equipment(estate) for _ in range(4))
    retired.status = "retired"
    retired.save()
    due = make_plan(due_item, next_due=D(2027, 3, 1))
    make_plan(later_item, next_due=D(2027, 3, 2))
    make_plan(paused_item, next_due=D(2027, 2, 1), active=False)
    make_plan(retired, next_due=D(2027, 2, 1))
    other = make_plan(make_equipment(other_estate), next_due=D(2027, 2, 15))

    assert selectors.maintenance_plans_due(on=D(2027, 3, 1)) == [
        DueMaintenance(other.pk, D(2027, 2, 15), other.equipment_id),
        DueMaintenance(due.pk, D(2027, 3, 1), due_item.pk),
    ]
    assert selectors.maintenance_plans_due(on=D(2027, 3, 1), estate_ids=[estate.pk]) == [
        DueMaintenance(due.pk, D(2027, 3, 1), due_item.pk)
    ]


def test_category_plan_expands_to_in_service_equipment_and_advances_when_all_are_done(estate, other_estate):
    pumps = [make_equipment(estate, category="water_pump") for _ in range(2)]
    make_equipment(estate, category="water_pump", status="under_repair")
    make_equipment(estate, category="elevator")
    make_equipment(other_estate, category="water_pump")
    plan = make_plan(estate=estate, category="water_pump", interval="quarterly", next_due=D(2027, 3, 31))
    on = D(2027, 4, 1)

    assert selectors.maintenance_plans_due(on=on) == [
        DueMaintenance(plan.pk, D(2027, 3, 31), p.pk) for p in pumps
    ]

    record(plan, pumps[0], D(2027, 4, 1), due_date=D(2027, 3, 31))
    plan.refresh_from_db()
    assert plan.next_due == D(2027, 3, 31)  # one pump still to do
    assert selectors.maintenance_plans_due(on=on) == [DueMaintenance(plan.pk, D(2027, 3, 31), pumps[1].pk)]

    record(plan, pumps[1], D(2027, 4, 2), due_date=D(2027, 3, 31))
    plan.refresh_from_db()
    assert (plan.next_due, plan.last_done) == (D(2027, 6, 30), D(2027, 4, 2))
    assert selectors.maintenance_plans_due(on=on) == []
    assert len(selectors.maintenance_plans_due(on=D(2027, 6, 30))) == 2


def test_plans_due_takes_four_queries(estate, django_assert_num_queries):
    for category in ("fire", "water_pump", "power"):
        make_equipment(estate, category=category)
        make_plan(estate=estate, category=category, next_due=D(2027, 1, 1))
        make_plan(make_equipment(estate, category=category), next_due=D(2027, 1, 1))
    with django_assert_num_queries(4):
        assert len(selectors.maintenance_plans_due(on=D(2027, 1, 1))) == 9


def test_history_lists_records_newest_first(estate):
    item = make_equipment(estate)
    plan = make_plan(item, next_due=D(2027, 1, 31))
    older = record(plan, item, D(2027, 1, 30))
    newer = record(plan, item, D(2027, 2, 27))
    record(None, make_equipment(estate), D(2027, 3, 1))
    assert list(selectors.equipment_history(equipment=item)) == [newer, older]
