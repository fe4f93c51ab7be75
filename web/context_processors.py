"""What every page's navigation needs to know about the user."""

from __future__ import annotations

from .access import is_owner_user, is_staff_user, may_edit_processes, may_see_dashboard


def workspace(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "staff": is_staff_user(user) or user.is_superuser,
            "owner": is_owner_user(user),
            "editor": may_edit_processes(user),
            "dashboard": may_see_dashboard(user),
        }
    }
