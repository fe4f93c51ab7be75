"""Buildings and units from a spreadsheet (开荒导入), and the same list back out as .xlsx.

A row is one unit: building, number, floor, type, area; optionally the building's floors and basement
floors. Buildings that do not exist yet are created (floors from the column, else the highest floor seen);
a unit already on file is updated when the sheet differs and left alone when it does not, so an exported
list can be corrected and uploaded again. Every write goes through the estate services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from backoffice.core.importing import ImportResult, ImportRun, run_import
from backoffice.core.tabular import (
    CellError,
    Column,
    cell_amount,
    cell_int,
    cell_text,
    chinese_ui,
    read_sheet,
    write_xlsx,
)

from . import selectors, services
from .choices import UnitType
from .models import Building, Estate, Unit

UNIT_COLUMNS = (
    Column("building", "楼栋", aliases=("楼号", "楼栋名称", "building name"), required=True),
    Column("number", "房号", aliases=("房间号", "房屋编号", "unit number"), required=True),
    Column("floor", "楼层", aliases=("所在楼层",), required=True),
    Column("unit_type", "房屋类型", aliases=("类型", "用途", "type"), required=True),
    Column("area", "面积", aliases=("建筑面积", "area m2"), required=True),
    Column("floors", "总层数", aliases=("楼层数", "building floors")),
    Column("basement_floors", "地下层数", aliases=("地下室层数",)),
)
_TYPE_WORDS = {
    "residential": UnitType.RESIDENTIAL,
    "住宅": UnitType.RESIDENTIAL,
    "shop": UnitType.SHOP,
    "商铺": UnitType.SHOP,
    "商业": UnitType.SHOP,
    "office": UnitType.OFFICE,
    "写字楼": UnitType.OFFICE,
    "办公": UnitType.OFFICE,
}
_TYPE_ZH = {UnitType.RESIDENTIAL: "住宅", UnitType.SHOP: "商铺", UnitType.OFFICE: "写字楼"}
# Service field -> sheet column, for reporting a refused row against the right cell.
_UNIT_FIELDS = {
    "number": "number",
    "floor": "floor",
    "unit_type": "unit_type",
    "area": "area",
    "building": "building",
}
_BUILDING_FIELDS = {"name": "building", "floors": "floors", "basement_floors": "basement_floors"}


def parse_unit_type(value: Any) -> str:
    unit_type = _TYPE_WORDS.get(cell_text(value).lower())
    if unit_type is None:
        raise CellError("invalid_choice", _("Use 住宅/residential, 商铺/shop or 写字楼/office."))
    return unit_type


def _count(value: Any) -> int:
    number = cell_int(value)
    if number < 0:
        raise CellError("min_value", _("Must not be negative."))
    return number


@dataclass
class _UnitRow:
    row: int
    building: str
    number: str
    floor: int
    unit_type: str
    area: Decimal


@dataclass
class _BuildingPlan:
    """What the sheet says about one building, gathered from all its rows."""

    name: str
    first_row: int
    floors: int | None = None
    basement_floors: int | None = None
    highest: int = 1
    lowest: int = 1
    rows: list[_UnitRow] = field(default_factory=list)


def _read_rows(run: ImportRun) -> dict[str, _BuildingPlan]:
    plans: dict[str, _BuildingPlan] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, values in run.sheet.rows:
        cells = {
            "building": run.cell(number, values, "building", cell_text),
            "number": run.cell(number, values, "number", cell_text),
            "floor": run.cell(number, values, "floor", cell_int),
            "unit_type": run.cell(number, values, "unit_type", parse_unit_type),
            "area": run.cell(number, values, "area", cell_amount),
            "floors": run.cell(number, values, "floors", _count),
            "basement_floors": run.cell(number, values, "basement_floors", _count),
        }
        if cells["building"] is None:
            continue
        plan = plans.setdefault(cells["building"], _BuildingPlan(cells["building"], number))
        for key in ("floors", "basement_floors"):
            declared = cells[key]
            if declared is not None and getattr(plan, key) not in (None, declared):
                run.fail(
                    number,
                    key,
                    "inconsistent",
                    _("Another row gives this building %(value)s.") % {"value": getattr(plan, key)},
                )
            elif declared is not None:
                setattr(plan, key, declared)
        if any(cells[key] is None for key in ("number", "floor", "unit_type", "area")):
            continue
        duplicate = seen.setdefault((cells["building"], cells["number"]), number)
        if duplicate != number:
            run.fail(
                number,
                "number",
                "duplicate_row",
                _("The same unit is already on row %(row)s.") % {"row": duplicate},
            )
            continue
        plan.highest, plan.lowest = max(plan.highest, cells["floor"]), min(plan.lowest, cells["floor"])
        plan.rows.append(
            _UnitRow(
                number, cells["building"], cells["number"], cells["floor"], cells["unit_type"], cells["area"]
            )
        )
    return plans


def _ensure_building(
    run: ImportRun, *, actor: Any, estate: Estate, plan: _BuildingPlan, existing: Building | None
) -> Building | None:
    if existing is None:
        data = {
            "estate": estate,
            "name": plan.name,
            "floors": plan.floors if plan.floors is not None else max(plan.highest, 1),
            "basement_floors": plan.basement_floors
            if plan.basement_floors is not None
            else max(0, -plan.lowest),
        }
        building = run.attempt(
            plan.first_row, lambda: services.building_create(actor=actor, data=data), columns=_BUILDING_FIELDS
        )
        if building is not None:
            run.created["buildings"] += 1
        return building
    changes = {
        key: getattr(plan, key)
        for key in ("floors", "basement_floors")
        if getattr(plan, key) is not None and getattr(plan, key) != getattr(existing, key)
    }
    if not changes:
        return existing
    updated = run.attempt(
        plan.first_row,
        lambda: services.building_update(actor=actor, building=existing, changes=changes),
        columns=_BUILDING_FIELDS,
    )
    if updated is not None:
        run.updated["buildings"] += 1
    return updated


def _save_unit(
    run: ImportRun, *, actor: Any, building: Building, row: _UnitRow, existing: Unit | None
) -> None:
    values = {"floor": row.floor, "unit_type": row.unit_type, "area": row.area}
    if existing is None:
        data = {"building": building, "number": row.number, **values}
        if run.attempt(row.row, lambda: services.unit_create(actor=actor, data=data), columns=_UNIT_FIELDS):
            run.created["units"] += 1
        return
    changes = {key: value for key, value in values.items() if getattr(existing, key) != value}
    if not changes:
        run.unchanged["units"] += 1
        return
    if run.attempt(
        row.row,
        lambda: services.unit_update(actor=actor, unit=existing, changes=changes),
        columns=_UNIT_FIELDS,
    ):
        run.updated["units"] += 1


def units_import(
    *, actor: Any, estate: Estate, file_name: str, content: bytes, dry_run: bool = False
) -> ImportResult:
    """Create or update the buildings and units listed in an .xlsx/.csv file; all rows or none."""
    sheet = read_sheet(file_name=file_name, content=content, columns=UNIT_COLUMNS)

    def body(run: ImportRun) -> None:
        plans = _read_rows(run)
        buildings = {b.name: b for b in Building.objects.filter(estate=estate, name__in=list(plans))}
        # Whole buildings rather than `number__in`: a big sheet would pass SQLite's variable limit.
        units = {
            (u.building_id, u.number): u for u in Unit.objects.filter(building__in=list(buildings.values()))
        }
        for plan in plans.values():
            building = _ensure_building(
                run, actor=actor, estate=estate, plan=plan, existing=buildings.get(plan.name)
            )
            if building is None:
                continue  # its row already carries the reason; its units cannot be checked without it
            for row in plan.rows:
                _save_unit(
                    run,
                    actor=actor,
                    building=building,
                    row=row,
                    existing=units.get((building.pk, row.number)),
                )

    return run_import(
        actor=actor,
        estate=estate,
        kind="units",
        file_name=file_name,
        sheet=sheet,
        columns=UNIT_COLUMNS,
        dry_run=dry_run,
        body=body,
    )


def units_export(*, estate_ids: Iterable[int] | None, units: QuerySet[Unit] | None = None) -> bytes:
    """The units (all of `estate_ids`, or just `units`) as .xlsx with the columns `units_import` reads."""
    queryset = units if units is not None else selectors.unit_list(estate_ids=estate_ids)
    zh = chinese_ui()
    rows = (
        (
            building,
            number,
            floor,
            _TYPE_ZH.get(unit_type, unit_type) if zh else unit_type,
            area,
            floors,
            basement,
        )
        for building, number, floor, unit_type, area, floors, basement in queryset.order_by(
            "building__name", "floor", "number"
        )
        .values_list(
            "building__name",
            "number",
            "floor",
            "unit_type",
            "area",
            "building__floors",
            "building__basement_floors",
        )
        .iterator(chunk_size=2000)
    )
    return write_xlsx(title=_("Units"), headers=[c.label() for c in UNIT_COLUMNS], rows=rows)
