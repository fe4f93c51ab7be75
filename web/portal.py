"""The owners' portal: their repairs (report one, follow it, confirm it) and their in-app notifications.

The rules stay in the domain and the engine: a report goes through `work_order_report` and
`work_order_photo_add`, a task through `task_complete`; the pages only show what those refuse, next to the
field it concerns. An owner sees only their own orders; another's is "not found", never "forbidden".
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from backoffice.core.errors import DomainError, Forbidden, ValidationFailed
from backoffice.estates.models import Unit
from backoffice.notifications.selectors import notification_list_for, notification_unread_count
from backoffice.notifications.services import notification_mark_read, notifications_mark_all_read
from backoffice.people.selectors import unit_ids_of_person
from backoffice.repairs.choices import ChargeStatus, RepairCategory, WorkOrderStatus
from backoffice.repairs.selectors import work_orders_of_owner
from backoffice.repairs.services import (
    PROCESS_KEY,
    work_order_photo_add,
    work_order_photo_check,
    work_order_report,
)
from workflows.models import HumanTask
from workflows.selectors import task_inbox
from workflows.services import task_complete as engine_task_complete

from .access import actor_for, owner_required
from .labels import diagram_text
from .taskforms import build_fields, other_errors, posted_data

ORDERS_PER_PAGE = 30
NOTIFICATIONS_PER_PAGE = 30
# The report form's fields, in the order they are shown; a domain error on another field shows above the form.
REPORT_FIELDS = ("unit", "category", "description", "contact_phone", "preferred_time", "photos")
TEXT_FIELDS = ("description", "contact_phone", "preferred_time")


def _page(request, items, per_page: int):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def _owner_tasks(user, numbers) -> list[HumanTask]:
    """Open repair tasks the owner may act on, for the orders with these numbers."""
    return list(
        task_inbox(actor=actor_for(user))
        .filter(process_key=PROCESS_KEY, business_key__in=list(numbers))
        .order_by("id")
    )


# ---------------------------------------------------------------------------------------------- the list


@owner_required
@require_safe
def portal_home(request):
    orders = work_orders_of_owner(user=request.user).order_by("-created_at", "-id")
    page = _page(request, orders, ORDERS_PER_PAGE)
    rows = list(page.object_list)
    waiting: dict[str, set[str]] = {}
    for task in _owner_tasks(request.user, [order.number for order in rows]):
        waiting.setdefault(task.business_key, set()).add(task.task_key)
    for order in rows:
        keys = waiting.get(order.number, set())
        order.needs_confirmation = "confirm" in keys
        order.needs_charge_approval = "approve_charge" in keys
        order.needs_action = bool(keys)
    return render(
        request,
        "web/portal/home.html",
        {
            "section": "portal",
            "page": page,
            "orders": rows,
            "awaiting": [order for order in rows if order.needs_action],
            "unread": notification_unread_count(user=request.user),
        },
    )


# -------------------------------------------------------------------------------------------- the report


def _my_units(user) -> list[Unit]:
    ids = unit_ids_of_person(person_id=user.person_id)
    return list(Unit.objects.filter(pk__in=ids).select_related("estate").order_by("estate__name", "label"))


def _photo_errors(uploads) -> list[str]:
    """Each photo checked by the domain's rule before anything is saved, its name with the reason."""
    errors = []
    for upload in uploads:
        try:
            work_order_photo_check(upload=upload)
        except ValidationFailed as exc:
            name = getattr(upload, "name", "") or ""
            errors.append(f"{name}: {exc.message}" if name else exc.message)
    return errors


def _add_errors(errors: dict[str, list[str]], form_errors: list[str], exc: DomainError) -> None:
    """Spread a domain refusal over the form: known fields next to them, anything else above the form."""
    fields = exc.fields or {}
    if not fields:
        form_errors.append(exc.message)
        return
    for key, items in fields.items():
        target = "photos" if key == "file" else key
        messages_ = [item.get("message", "") for item in items]
        if target in REPORT_FIELDS:
            errors.setdefault(target, []).extend(messages_)
        else:
            form_errors.extend(messages_)


def _report_form(request, units, values, errors=None, form_errors=None, status=200):
    return render(
        request,
        "web/portal/repair_new.html",
        {
            "section": "portal",
            "units": units,
            "categories": RepairCategory.choices,
            "values": values,
            "errors": errors or {},
            "form_errors": form_errors or [],
        },
        status=status,
    )


@owner_required
@require_http_methods(["GET", "POST"])
def repair_new(request):
    units = _my_units(request.user)
    if request.method == "GET":
        values = {"unit": str(units[0].pk) if len(units) == 1 else "", "category": "", "description": ""}
        values.update(contact_phone="", preferred_time="")
        return _report_form(request, units, values)

    post = request.POST
    values = {"unit": post.get("unit", "").strip(), "category": post.get("category", "").strip()}
    values.update({name: post.get(name, "").strip() for name in TEXT_FIELDS})
    uploads = request.FILES.getlist("photos")
    errors: dict[str, list[str]] = {}
    form_errors: list[str] = []

    by_id = {str(unit.pk): unit for unit in units}
    unit = by_id.get(values["unit"])
    if unit is None:
        errors["unit"] = [_("Choose one of your units.")]
    photo_errors = _photo_errors(uploads)
    if photo_errors:
        errors["photos"] = photo_errors

    order = None
    if not errors:
        data: dict[str, Any] = {
            "unit": unit,
            "category": values["category"],
            "description": values["description"],
        }
        for name in ("contact_phone", "preferred_time"):
            if values[name]:
                data[name] = values[name]
        try:
            with transaction.atomic():
                order = work_order_report(user=request.user, data=data)
                for upload in uploads:
                    work_order_photo_add(user=request.user, order=order, upload=upload)
        except Forbidden:  # the unit stopped being theirs between the page and the post
            order = None
            errors["unit"] = [_("Choose one of your units.")]
        except DomainError as exc:
            order = None
            _add_errors(errors, form_errors, exc)

    if order is None:
        if uploads and "photos" not in errors:
            errors["photos"] = [_("Choose the photos again.")]
        if not form_errors:
            form_errors = [_("Correct the marked fields.")]
        return _report_form(request, units, values, errors, form_errors, status=400)
    messages.success(request, _("Repair reported: %(number)s") % {"number": order.number})
    return redirect("web:portal_repair", order_id=order.pk)


# -------------------------------------------------------------------------------------------- one order


def _timeline(order) -> list[dict[str, Any]]:
    steps = [
        (_("Reported"), order.created_at),
        (_("Dispatched"), order.dispatched_at),
        (_("Accepted"), order.accepted_at),
        (_("Work done"), order.resolved_at),
        (_("Closed"), order.closed_at),
    ]
    current_set = order.status == WorkOrderStatus.CANCELLED
    timeline = []
    for label, at in steps:
        state = "done" if at else ""
        if not at and not current_set:
            state, current_set = "current", True
        timeline.append({"label": label, "at": at, "state": state})
    return timeline


def _task_cards(
    request, order, tasks, *, failed: HumanTask | None = None, exc: ValidationFailed | None = None
):
    cards = []
    for task in tasks:
        if failed is not None and task.pk == failed.pk and exc is not None:
            values = _posted_values(task.form, request.POST)
            fields = build_fields(task.form, values=values, errors=exc.fields)
            form_errors = other_errors(exc.fields, task.form)
        else:
            fields, form_errors = build_fields(task.form), []
        cards.append(
            {
                "task": task,
                "name": diagram_text(task.name),
                "fields": fields,
                "form_errors": form_errors,
                "action": reverse("web:portal_task_complete", args=[task.pk]),
            }
        )
    return cards


def _render_order(request, order, *, failed=None, exc=None, status=200):
    tasks = _owner_tasks(request.user, [order.number])
    if failed is not None and all(task.pk != failed.pk for task in tasks):
        tasks.append(failed)
    technician = order.technician
    return render(
        request,
        "web/portal/repair_detail.html",
        {
            "section": "portal",
            "order": order,
            "photos": list(order.photos.order_by("uploaded_at", "id")),
            "timeline": _timeline(order),
            "technician_name": (technician.get_full_name() or technician.username) if technician else "",
            "show_charge": order.charge_status != ChargeStatus.NONE,
            "closed": order.status == WorkOrderStatus.CLOSED,
            "task_cards": _task_cards(request, order, tasks, failed=failed, exc=exc),
        },
        status=status,
    )


def _my_order(user, **lookup):
    queryset = work_orders_of_owner(user=user).select_related("unit", "estate", "technician")
    return get_object_or_404(queryset, **lookup)


@owner_required
@require_safe
def repair_detail(request, order_id: int):
    return _render_order(request, _my_order(request.user, pk=order_id))


# ---------------------------------------------------------------------------------------- a task's form


def _posted_values(form: dict | None, post) -> dict[str, Any]:
    """What the owner typed, to show again after a refusal (checkboxes as the engine read them)."""
    cleaned = posted_data(form, post)
    values: dict[str, Any] = {}
    for spec in (form or {}).get("fields") or []:
        name = spec["id"]
        if spec.get("readonly"):
            continue
        if (spec.get("type") or "string") == "boolean":
            values[name] = bool(cleaned.get(name))
        else:
            values[name] = post.get(name, "")
    return values


@owner_required
@require_POST
def task_complete(request, task_id: int):
    task = HumanTask.objects.filter(pk=task_id, process_key=PROCESS_KEY).first()
    if task is None or not task.business_key:
        raise Http404
    order = work_orders_of_owner(user=request.user).filter(number=task.business_key).first()
    if order is None:
        raise Http404
    try:
        engine_task_complete(
            actor=actor_for(request.user), task_id=task.pk, data=posted_data(task.form, request.POST)
        )
    except ValidationFailed as exc:
        order = _my_order(request.user, pk=order.pk)
        return _render_order(request, order, failed=task, exc=exc, status=400)
    except DomainError as exc:  # already done, no longer theirs, the process stopped
        messages.error(request, exc.message)
        return redirect("web:portal_repair", order_id=order.pk)
    messages.success(request, _("Done: %(task)s.") % {"task": diagram_text(task.name)})
    return redirect("web:portal_repair", order_id=order.pk)


# ------------------------------------------------------------------------------------------ notifications


@owner_required
@require_safe
def notifications(request):
    page = _page(request, notification_list_for(user=request.user), NOTIFICATIONS_PER_PAGE)
    return render(
        request,
        "web/portal/notifications.html",
        {
            "section": "notifications",
            "page": page,
            "items": list(page.object_list),
            "unread": notification_unread_count(user=request.user),
        },
    )


@owner_required
@require_POST
def notifications_read(request):
    """Mark one notification read (`notification` posted) or all of them; then back to the list."""
    one = request.POST.get("notification", "").strip()
    if one:
        try:
            if not one.isascii() or not one.isdigit():
                raise ValueError(one)
            notification_mark_read(user=request.user, notification_id=int(one))
        except (ValueError, DomainError):
            messages.error(request, _("No such notification."))
    else:
        count = notifications_mark_all_read(user=request.user)
        if count:
            messages.success(request, _("All notifications are marked as read."))
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("web:notifications")
