"""The BPMN editor for process owners: every version of every process, opened in the bpmn-js modeler with
the Camunda properties the engine honours; validate and deploy through the engine's own checks."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.core.errors import ValidationFailed
from workflows import selectors
from workflows.definitions import definition_deploy, parse_diagram
from workflows.models import ProcessVersion

from .access import may_edit_processes, process_owner_required, staff_required

MAX_XML = 2_000_000


@staff_required
def process_list(request):
    definitions = selectors.definition_list().order_by("key")
    return render(
        request,
        "web/processes.html",
        {"section": "processes", "definitions": definitions, "may_edit": may_edit_processes(request.user)},
    )


@process_owner_required
def editor(request, key: str | None = None, number: int | None = None):
    version = None
    if key is not None:
        version = (
            ProcessVersion.objects.select_related("definition", "deployed_by")
            .filter(definition__key=key, version=number)
            .first()
        )
        if version is None:
            raise Http404
    versions = []
    if version is not None:
        versions = list(version.definition.versions.select_related("deployed_by").order_by("-version"))
    return render(
        request,
        "web/editor.html",
        {
            "section": "processes",
            "version": version,
            "versions": versions,
            "xml_url": reverse("web:process_xml", args=[key, number]) if version else "",
            "editor_texts": {
                "validate_url": reverse("web:editor_validate"),
                "deploy_url": reverse("web:editor_deploy"),
                "checking": _("Checking…"),
                "deploying": _("Deploying…"),
                "valid": _("The diagram is valid and can be deployed."),
                "refused": _("The engine refuses this diagram:"),
                "failed": _("The request failed; try again."),
                "filename": f"{key}-v{number}.bpmn" if version else "diagram.bpmn",
            },
        },
    )


@staff_required
def download(request, key: str, number: int):
    version = ProcessVersion.objects.filter(definition__key=key, version=number).first()
    if version is None:
        raise Http404
    response = HttpResponse(version.bpmn_xml, content_type="application/xml; charset=utf-8")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{key}-v{number}.bpmn"'
    return response


def _xml_from(request) -> str:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    xml = body.get("bpmn_xml") if isinstance(body, dict) else None
    if not isinstance(xml, str) or not xml.strip():
        raise ValidationFailed.for_field("bpmn_xml", _("The diagram is empty."), code="required")
    if len(xml) > MAX_XML:
        raise ValidationFailed.for_field("bpmn_xml", _("The diagram is too large."), code="too_large")
    return xml


@process_owner_required
@require_POST
def validate(request):
    """The engine's deploy checks without deploying: the reasons, or none."""
    try:
        xml = _xml_from(request)
    except ValidationFailed as exc:
        return JsonResponse({"ok": False, "reasons": [exc.message]}, status=400)
    parsed = parse_diagram(xml)
    return JsonResponse({"ok": not parsed.reasons, "reasons": parsed.reasons, "key": parsed.key})


@process_owner_required
@require_POST
def deploy(request):
    try:
        xml = _xml_from(request)
        version, created = definition_deploy(actor=request.user, bpmn_xml=xml)
    except ValidationFailed as exc:
        reasons = [item["message"] for items in exc.fields.values() for item in items] or [exc.message]
        return JsonResponse({"ok": False, "message": exc.message, "reasons": reasons}, status=400)
    return JsonResponse(
        {
            "ok": True,
            "created": created,
            "key": version.definition.key,
            "version": version.version,
            "message": (
                _("Deployed %(key)s version %(version)s.")
                if created
                else _("Nothing changed: %(key)s version %(version)s is the same diagram.")
            )
            % {"key": version.definition.key, "version": version.version},
            "url": reverse("web:editor", args=[version.definition.key, version.version]),
        },
        status=201 if created else 200,
    )
