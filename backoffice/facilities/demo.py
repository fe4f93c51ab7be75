"""Demo equipment and maintenance plans for the demo estate (idempotent: keyed by serial number)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from backoffice.estates.models import Building, Estate

from .models import Equipment, MaintenancePlan
from .services import equipment_create, maintenance_plan_create, supplier_for_name


@transaction.atomic
def demo_equipment(*, actor: Any, estate: Estate, today: dt.date) -> dict[str, int]:
    """An elevator per building, two water pumps and a fire pump, each with a maintenance plan."""
    if Equipment.objects.filter(estate=estate, serial_number__startswith="DEMO-").exists():
        return _counts(estate)
    elevators = supplier_for_name(actor=actor, estate_id=estate.pk, name="上海三菱电梯有限公司")
    pumps = supplier_for_name(actor=actor, estate_id=estate.pk, name="格兰富水泵（上海）有限公司")
    items = []
    for index, building in enumerate(Building.objects.filter(estate=estate).order_by("name")):
        items.append(
            (
                "elevator",
                f"{building.name}客梯",
                "LEHY-III",
                elevators,
                building,
                f"{building.name}电梯井",
                index,
            )
        )
    items += [
        ("water_pump", "生活水泵 1号", "CR 32-4", pumps, None, "地下泵房", 20),
        ("water_pump", "生活水泵 2号", "CR 32-4", pumps, None, "地下泵房", 21),
        ("fire", "消防泵", "NB 80-200", pumps, None, "消防泵房", 22),
    ]
    for category, name, model, supplier, building, location, index in items:
        equipment = equipment_create(
            actor=actor,
            data={
                "estate": estate,
                "category": category,
                "name": name,
                "brand": supplier.name[:4],
                "model": model,
                "serial_number": f"DEMO-{index:03d}",
                "building": building,
                "location": location,
                "supplier": supplier,
                "purchase_date": dt.date(2021, 3, 1),
                "purchase_price": Decimal("268000.00") if category == "elevator" else Decimal("18500.00"),
                "installed_on": dt.date(2021, 4, 15),
                "warranty_until": dt.date(2026, 12, 31) if index % 2 else dt.date(2027, 4, 14),
            },
        )
        maintenance_plan_create(
            actor=actor,
            data={
                "equipment": equipment,
                "title": f"{name}月度保养",
                "interval": "monthly" if category == "elevator" else "quarterly",
                "checklist": ["检查运行声音", "检查润滑", "检查安全装置", "清洁"],
                "responsible_group": "technician",
                "next_due": today + dt.timedelta(days=index % 10),
            },
        )
    return _counts(estate)


def _counts(estate: Estate) -> dict[str, int]:
    return {
        "equipment": Equipment.objects.filter(estate=estate).count(),
        "maintenance_plans": MaintenancePlan.objects.filter(estate=estate).count(),
    }
