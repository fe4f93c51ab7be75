"""One error shape for every 4xx: `{"error": {"code", "message", "fields"}}` (CONTRACT.md).

DRF's own exceptions and the domain's errors both end here; the codes are stable, the messages translated.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backoffice.core import errors as domain

logger = logging.getLogger(__name__)

DOMAIN_STATUS = {
    domain.ValidationFailed: status.HTTP_400_BAD_REQUEST,
    domain.Unauthenticated: status.HTTP_401_UNAUTHORIZED,
    domain.Forbidden: status.HTTP_403_FORBIDDEN,
    domain.NotFound: status.HTTP_404_NOT_FOUND,
    domain.Conflict: status.HTTP_409_CONFLICT,
    domain.TooManyAttempts: status.HTTP_429_TOO_MANY_REQUESTS,
    domain.RuleRefused: status.HTTP_422_UNPROCESSABLE_ENTITY,
}

DRF_CODES = {
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body: dict = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _validation_fields(detail) -> dict:
    """DRF's nested error details -> {field: [{"code", "message"}]} (nested serializers joined with '.')."""
    fields: dict = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                name = "non_field_errors" if key in ("non_field_errors", "__all__") and not prefix else key
                walk(f"{prefix}.{name}" if prefix else str(name), sub)
        elif isinstance(value, list):
            if all(isinstance(item, exceptions.ErrorDetail) for item in value):
                fields.setdefault(prefix or "non_field_errors", []).extend(
                    {"code": item.code or "invalid", "message": str(item)} for item in value
                )
            else:
                for index, item in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), item)
        elif isinstance(value, exceptions.ErrorDetail):
            fields.setdefault(prefix or "non_field_errors", []).append(
                {"code": value.code or "invalid", "message": str(value)}
            )

    walk("", detail)
    return fields


def _domain_status(exc: domain.DomainError) -> int:
    """The status of the nearest known class, so subclasses (ImportFailed) keep their parent's status."""
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return status.HTTP_422_UNPROCESSABLE_ENTITY


def exception_handler(exc, context):
    if isinstance(exc, domain.DomainError):
        body = error_body(exc.code, exc.message, exc.fields)
        if isinstance(exc, domain.ImportFailed):
            body["error"]["rows"] = exc.rows  # the per-row report a clerk fixes the sheet from
        response = Response(body, status=_domain_status(exc))
        if isinstance(exc, domain.TooManyAttempts):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _validation_fields(exc.detail)
        first = next(iter(fields.values()))[0]["message"] if fields else _("Invalid input.")
        message = _("Invalid input: %(first)s") % {"first": first}
        response.data = error_body("validation_error", message, fields)
        return response
    detail = getattr(exc, "detail", "")
    code = getattr(detail, "code", None)
    if not code or code == getattr(exc, "default_code", None):
        # DRF's default codes differ from the contract's in places (not_authenticated vs authentication_failed)
        code = next((c for cls, c in DRF_CODES.items() if isinstance(exc, cls)), None) or code or "error"
    response.data = error_body(code, str(detail))
    return response


def not_found_view(request, exception=None):
    """JSON under /api/; the pages of the web workspace get the HTML page."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def server_error_view(request):
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    return JsonResponse(error_body("server_error", _("Internal error; it has been logged.")), status=500)
