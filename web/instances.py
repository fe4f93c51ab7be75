"""Process instance pages: the diagram with the path taken and the tokens waiting, the history, the
variables; cancel, retry and migrate for managers (the engine checks the role again)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError
from workflows import selectors, services
from workflows.choices import InstanceStatus
from workflows.models import ProcessVersion

from .access import actor_for, staff_estates, staff_required
from .business import business_context
from .labels import diagram_text

ACTIONS = {
    "cancel": (services.instance_cancel, _("The process was cancelled.")),
    "retry": (services.instance_retry, _("The process runs again.")),
    "migrate": (services.instance_migrate, _("The process now runs on the latest version.")),
}
MANAGERS = frozenset({"admin", "manager"})
PAGE_SIZE = 100


def _instance(request, instance_id: int):
    instance = selectors.instance_list(estate_ids=staff_estates(request.user)).filter(pk=instance_id).first()
    if instance is None:
        raise Http404
    return instance


@staff_required
def instance_list(request):
    instances = selectors.instance_list(estate_ids=staff_estates(request.user)).select_related("estate")
    process = request.GET.get("process", "")[:100]
    status = request.GET.get("status", "")
    if process:
        instances = instances.filter(process_key=process)
    if status in InstanceStatus.values:
        instances = instances.filter(status=status)
    if request.GET.get("q"):
        instances = instances.filter(business_key__icontains=request.GET["q"][:100])
    return render(
        request,
        "web/instances.html",
        {
            "section": "inbox",
            "instances": instances.order_by("-started_at", "-id")[:PAGE_SIZE],
            "statuses": InstanceStatus.choices,
            "filters": {"process": process, "status": status, "q": request.GET.get("q", "")},
        },
    )


@staff_required
def instance_detail(request, instance_id: int):
    instance = _instance(request, instance_id)
    full = type(instance).objects.get(pk=instance.pk)  # with its state: the path is read from it
    actor = actor_for(request.user)
    latest = ProcessVersion.objects.filter(definition__key=instance.process_key).order_by("-version").first()
    tasks = list(full.tasks.select_related("assignee").order_by("-created_at", "-id")[:50])
    for task in tasks:
        task.label = diagram_text(task.name)
    context = {
        "section": "inbox",
        "instance": full,
        "version": full.version,
        "latest": latest,
        "path": selectors.instance_path(instance=full),
        "history": selectors.instance_history(instance=full),
        "tasks": tasks,
        "business": business_context(full, estate_ids=staff_estates(request.user)),
        "is_manager": actor.has_group(full.estate_id, MANAGERS),
        "may_migrate": latest is not None and latest.pk != full.version_id,
        "bpmn_url": f"/processes/{full.process_key}/v{full.version.version}.bpmn",
    }
    return render(request, "web/instance.html", context)


@staff_required
@require_POST
def instance_action(request, instance_id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    instance = _instance(request, instance_id)
    service, done = ACTIONS[action]
    try:
        service(actor=actor_for(request.user), instance_id=instance.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("web:instance", instance_id=instance.pk)
