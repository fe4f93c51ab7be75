"""Owners from a spreadsheet (业主导入), and the same list back out as .xlsx.

A row is one ownership: the unit (building + number), the owner (name, phone, optional e-mail and ID
number), the start date and optionally the share and end date. The owner is found by ID number (blind
index) or else by name and phone (a person on file without an ID number gets the sheet's), and registered
when not found; an ownership already on file (same unit, person and start date) is updated or left alone,
so an exported list can be corrected and uploaded again.

Exports show ID numbers masked, as every screen does; a masked cell on import means "the number on file".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from backoffice.core.importing import ImportResult, ImportRun, run_import
from backoffice.core.tabular import Column, cell_amount, cell_date, cell_text, read_sheet, write_xlsx
from backoffice.core.validators import normalize_phone
from backoffice.estates.models import Estate, Unit

from . import selectors, services
from .models import Ownership, Person

OWNER_COLUMNS = (
    Column("building", "楼栋", aliases=("楼号", "楼栋名称"), required=True),
    Column("number", "房号", aliases=("房间号", "房屋编号", "unit number"), required=True),
    Column("name", "姓名", aliases=("业主", "业主姓名", "owner", "owner name"), required=True),
    Column("phone", "电话", aliases=("手机", "手机号", "手机号码", "联系电话", "mobile"), required=True),
    Column("email", "邮箱", aliases=("电子邮箱", "e-mail", "mail")),
    Column("id_number", "证件号码", aliases=("身份证号", "身份证号码", "证件号", "id", "id no")),
    Column(
        "start_date", "入住日期", aliases=("产权开始日期", "开始日期", "交房日期", "start"), required=True
    ),
    Column("end_date", "结束日期", aliases=("产权结束日期", "end")),
    Column("share", "份额", aliases=("产权份额", "share %")),
)
_PERSON_FIELDS = {
    "name": "name",
    "phone": "phone",
    "email": "email",
    "id_number": "id_number",
    "id_type": "id_number",
}
_OWNERSHIP_FIELDS = {
    "person": "name",
    "unit": "number",
    "share": "share",
    "start_date": "start_date",
    "end_date": "end_date",
}


@dataclass
class _OwnerRow:
    row: int
    building: str
    number: str
    name: str
    phone: str
    email: str
    id_number: str
    start_date: dt.date
    end_date: dt.date | None
    share: Decimal


def _read_rows(run: ImportRun) -> list[_OwnerRow]:
    parsed = []
    for number, values in run.sheet.rows:
        errors_before = len(run.errors)
        if isinstance(values.get("id_number"), int | float):  # Excel keeps 15 digits; an ID has 18
            run.fail(
                number,
                "id_number",
                "id_number_as_number",
                _("Format the ID number column as text; Excel rounded it."),
            )
        text = {
            key: run.cell(number, values, key, cell_text) or ""
            for key in ("building", "number", "name", "phone", "email", "id_number")
        }
        start = run.cell(number, values, "start_date", cell_date)
        end = run.cell(number, values, "end_date", cell_date)
        share = run.cell(number, values, "share", cell_amount)
        if len(run.errors) > errors_before:
            continue
        parsed.append(
            _OwnerRow(
                number,
                share=share if share is not None else Decimal("100"),
                start_date=start,
                end_date=end,
                **text,
            )
        )
    return parsed


def _units_by_key(estate: Estate, rows: list[_OwnerRow]) -> dict[tuple[str, str], Unit]:
    """Units named in the sheet, looked up by their label (indexed) in chunks."""
    labels = sorted({f"{r.building}-{r.number}" for r in rows})
    found: dict[tuple[str, str], Unit] = {}
    for start in range(0, len(labels), 500):
        for unit in Unit.objects.filter(estate=estate, label__in=labels[start : start + 500]).select_related(
            "building"
        ):
            found[(unit.building.name, unit.number)] = unit
    return found


def _find_person(estate: Estate, row: _OwnerRow, masked: bool) -> Person | None:
    """By ID number; else by name and phone among persons whose number is this one (masked) or unknown."""
    if row.id_number and not masked:
        found = selectors.person_list_by_id_number(estate_ids=[estate.pk], id_number=row.id_number).first()
        if found is not None:
            return found
    try:
        phone = normalize_phone(row.phone)
    except DjangoValidationError:
        return None  # person_create reports the phone against its cell
    candidates = Person.objects.filter(estate=estate, name=row.name, phone=phone)
    if not row.id_number:
        return candidates.order_by("pk").first()
    same = Q(id_number_masked=row.id_number) if masked else Q(pk__in=[])
    return candidates.filter(same | Q(id_number_masked="")).order_by("-id_number_masked", "pk").first()


def _import_row(run: ImportRun, *, actor: Any, estate: Estate, row: _OwnerRow, unit: Unit) -> None:
    masked = "*" in row.id_number
    person = _find_person(estate, row, masked)
    if person is None:
        data = {"estate": estate, "name": row.name, "phone": row.phone, "email": row.email}
        if row.id_number and not masked:
            data["id_number"] = row.id_number
        person = run.attempt(
            row.row, lambda: services.person_create(actor=actor, data=data), columns=_PERSON_FIELDS
        )
        if person is None:
            return
        run.created["persons"] += 1
    elif row.id_number and not masked and not person.id_number_hmac:
        changes = {"id_number": row.id_number}  # registered earlier without one: the sheet completes it
        if (
            run.attempt(
                row.row,
                lambda: services.person_update(actor=actor, person=person, changes=changes),
                columns=_PERSON_FIELDS,
            )
            is None
        ):
            return
        run.updated["persons"] += 1
    existing = Ownership.objects.filter(unit=unit, person=person, start_date=row.start_date).first()
    values = {"share": row.share, "end_date": row.end_date}
    if existing is None:
        data = {"unit": unit, "person": person, "start_date": row.start_date, **values}
        if run.attempt(
            row.row, lambda: services.ownership_create(actor=actor, data=data), columns=_OWNERSHIP_FIELDS
        ):
            run.created["ownerships"] += 1
        return
    changes = {key: value for key, value in values.items() if getattr(existing, key) != value}
    if not changes:
        run.unchanged["ownerships"] += 1
    elif run.attempt(
        row.row,
        lambda: services.ownership_update(actor=actor, ownership=existing, changes=changes),
        columns=_OWNERSHIP_FIELDS,
    ):
        run.updated["ownerships"] += 1


def owners_import(
    *, actor: Any, estate: Estate, file_name: str, content: bytes, dry_run: bool = False
) -> ImportResult:
    """Register the owners and ownerships listed in an .xlsx/.csv file; all rows or none."""
    sheet = read_sheet(file_name=file_name, content=content, columns=OWNER_COLUMNS)

    def body(run: ImportRun) -> None:
        rows = _read_rows(run)
        units = _units_by_key(estate, rows)
        for row in rows:
            unit = units.get((row.building, row.number))
            if unit is None:
                run.fail(
                    row.row,
                    "number",
                    "unknown_unit",
                    _("This estate has no unit %(number)s in building %(building)s.")
                    % {"number": row.number, "building": row.building},
                )
                continue
            _import_row(run, actor=actor, estate=estate, row=row, unit=unit)

    return run_import(
        actor=actor,
        estate=estate,
        kind="owners",
        file_name=file_name,
        sheet=sheet,
        columns=OWNER_COLUMNS,
        dry_run=dry_run,
        body=body,
    )


def owners_export(
    *, estate_ids: Iterable[int] | None, ownerships: QuerySet[Ownership] | None = None
) -> bytes:
    """Ownerships (all of `estate_ids`, or just `ownerships`) as .xlsx with the columns `owners_import` reads."""
    queryset = ownerships if ownerships is not None else selectors.ownership_list(estate_ids=estate_ids)
    rows = queryset.order_by("unit__building__name", "unit__number", "start_date", "pk").values_list(
        "unit__building__name",
        "unit__number",
        "person__name",
        "person__phone",
        "person__email",
        "person__id_number_masked",
        "start_date",
        "end_date",
        "share",
    )
    return write_xlsx(
        title=_("Owners"), headers=[c.label() for c in OWNER_COLUMNS], rows=rows.iterator(chunk_size=2000)
    )
