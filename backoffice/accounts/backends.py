"""Authentication backend for session logins (admin, web) with the same throttling as the API."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from backoffice.core.errors import TooManyAttempts

from . import services


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class ThrottledModelBackend(ModelBackend):
    """Refuses every attempt while a username or address is over the failure limit, and counts failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        ip_address = _client_ip(request)
        try:
            services.login_check_throttle(username=username, ip_address=ip_address)
        except TooManyAttempts:
            raise PermissionDenied from None  # Django stops trying other backends
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and request is not None:  # API logins (request None) count failures themselves
            services.login_record_failure(username=username, ip_address=ip_address)
        return user
