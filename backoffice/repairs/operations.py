"""The steps `bpmn/repair.bpmn` may call (external service tasks, `camunda:topic`). Each translates the
diagram's inputs and calls one service; nothing else on the server is reachable from the diagram."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from backoffice.core.errors import ValidationFailed
from workflows.registry import register_operation

from . import services


def _dispatch_auto(*, context, work_order) -> dict[str, Any]:
    return {"technician": services.work_order_pick_technician(order_id=int(work_order), now=context.now)}


def _dispatch(*, context, work_order, technician="") -> dict[str, Any]:
    """A name that is not a technician here sends the order to the technicians' pool instead of stopping it."""
    try:
        services.work_order_dispatch(order_id=int(work_order), technician=technician or "", now=context.now)
    except ValidationFailed:
        services.work_order_dispatch(order_id=int(work_order), technician="", now=context.now)
        return {"technician": "", "dispatch_note": f"{technician} is not a technician here; sent to the pool"}
    return {"technician": technician or ""}


def _accept(*, context, work_order) -> dict[str, Any]:
    order = services.work_order_accept(
        order_id=int(work_order), user_id=context.actor_user_id, now=context.now
    )
    technician = (
        get_user_model().objects.filter(pk=order.technician_id).values_list("username", flat=True).first()
    )
    return {"technician": technician or ""}


def _record_work(
    *, context, work_order, diagnosis="", work_done="", parts="", parts_cost="0", charge_owner=False
):
    order = services.work_order_record_work(
        order_id=int(work_order),
        diagnosis=diagnosis,
        work_done=work_done,
        parts=parts,
        parts_cost=parts_cost,
        charge_owner=bool(charge_owner),
        now=context.now,
    )
    return {"charge_amount": str(order.charge_amount)}


def _charge(*, context, work_order, approved=False) -> None:
    services.work_order_charge(order_id=int(work_order), approved=bool(approved))


def _request_confirmation(*, context, work_order) -> None:
    services.work_order_request_confirmation(order_id=int(work_order))


def _close(*, context, work_order, rating=None, comment=None, auto_confirmed=False) -> None:
    services.work_order_close(
        order_id=int(work_order),
        rating=rating,
        comment=comment,
        auto_confirmed=bool(auto_confirmed),
        now=context.now,
    )


def _rework(*, context, work_order, rating=None, comment=None) -> None:
    services.work_order_rework(order_id=int(work_order), rating=rating, comment=comment)


def _escalate(*, context, work_order, level="supervisor") -> None:
    services.work_order_escalate(order_id=int(work_order), level=str(level))


def _maintenance_defect(*, context, equipment, description="") -> dict[str, Any]:
    order = services.work_order_for_defect(equipment_id=int(equipment), description=description or "")
    return {"defect_work_order": order.number}


def register() -> None:
    register_operation(
        "maintenance_open_work_order",
        _maintenance_defect,
        inputs={"equipment": int, "description": str},
        required={"equipment"},
        description="Open a work order for a defect found in maintenance",
    )
    order = {"work_order": int}
    register_operation(
        "work_order_dispatch_auto",
        _dispatch_auto,
        inputs=order,
        required={"work_order"},
        description="Pick the next technician by round-robin",
    )
    register_operation(
        "work_order_dispatch",
        _dispatch,
        inputs={**order, "technician": str},
        required={"work_order"},
        description="Record who was dispatched (none: the technicians' pool)",
    )
    register_operation(
        "work_order_accept",
        _accept,
        inputs=order,
        required={"work_order"},
        description="The technician who completed the task accepts the order",
    )
    register_operation(
        "work_order_record_work",
        _record_work,
        inputs={
            **order,
            "diagnosis": str,
            "work_done": str,
            "parts": str,
            "parts_cost": str,
            "charge_owner": bool,
        },
        required={"work_order"},
        description="Diagnosis, work, parts and whether the owner pays",
    )
    register_operation(
        "work_order_charge",
        _charge,
        inputs={**order, "approved": bool},
        required={"work_order"},
        description="The owner's answer to the charge; an approved charge is billed once",
    )
    register_operation(
        "work_order_request_confirmation",
        _request_confirmation,
        inputs=order,
        required={"work_order"},
        description="Tell the owner the work is done",
    )
    register_operation(
        "work_order_close",
        _close,
        inputs={**order, "rating": int, "comment": str, "auto_confirmed": bool},
        required={"work_order"},
        description="Close with the owner's rating",
    )
    register_operation(
        "work_order_rework",
        _rework,
        inputs={**order, "rating": int, "comment": str},
        required={"work_order"},
        description="Send the order back for rework",
    )
    register_operation(
        "work_order_escalate",
        _escalate,
        inputs={**order, "level": str},
        required={"work_order"},
        description="Mark an SLA escalation on the order",
    )
