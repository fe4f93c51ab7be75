"""Session login and logout for staff and owners, with the same failed-login throttle as the token login."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.accounts.services import login_check_throttle, login_record_failure, login_record_success
from backoffice.core.errors import DomainError

from .access import is_staff_user


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def home_for(user) -> str:
    """Staff start at their inbox, owners at the portal."""
    return "web:inbox" if is_staff_user(user) or user.is_superuser else "web:portal"


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    error = ""
    username = request.POST.get("username", "").strip()
    if request.method == "POST":
        try:
            login_check_throttle(username=username, ip_address=_client_ip(request))
            user = authenticate(request, username=username, password=request.POST.get("password", ""))
            if user is None or not user.is_active:
                login_record_failure(username=username, ip_address=_client_ip(request))
                error = _("Wrong username or password.")
            else:
                login_record_success(username=username)
                login(request, user)
                return redirect(next_url or home_for(user))
        except DomainError as exc:  # throttled
            error = exc.message
    status = 400 if error else 200
    return render(
        request, "web/login.html", {"error": error, "username": username, "next": next_url}, status=status
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("web:login")


def home(request):
    if not request.user.is_authenticated:
        return redirect("web:login")
    return redirect(home_for(request.user))
