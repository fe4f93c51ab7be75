"""Builders for equipment-ledger test data (plain ORM for rows, the services where rules matter)."""

from __future__ import annotations

import datetime as dt
import itertools

from backoffice.facilities.models import Equipment, MaintenancePlan, Supplier
from backoffice.facilities.services import maintenance_plan_create

_seq = itertools.count(1)


def make_supplier(estate, name: str | None = None) -> Supplier:
    return Supplier.objects.create(estate=estate, name=name or f"供应商{next(_seq)}", phone="+8613800138000")


def make_equipment(estate, name: str | None = None, **extra) -> Equipment:
    extra.setdefault("category", "elevator")
    return Equipment.objects.create(estate=estate, name=name or f"{next(_seq)}号电梯", **extra)


def make_plan(
    equipment: Equipment | None = None,
    *,
    estate=None,
    category: str = "",
    interval: str = "monthly",
    next_due: dt.date = dt.date(2027, 1, 31),
    **extra,
) -> MaintenancePlan:
    data = {"title": "月度保养", "interval": interval, "next_due": next_due, **extra}
    if equipment is not None:
        data["equipment"] = equipment
    if estate is not None:
        data["estate"] = estate
    if category:
        data["category"] = category
    return maintenance_plan_create(actor=None, data=data)
