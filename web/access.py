"""Who may open which page. The same role rules as the API, read from `backoffice.accounts.selectors`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from backoffice.accounts.choices import STAFF_ROLES, Role
from backoffice.accounts.selectors import estate_ids_with_roles, estate_roles, has_any_role
from workflows.runtime import Actor

MANAGERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SUPERVISOR})
PROCESS_OWNERS = frozenset({Role.PROCESS_OWNER, Role.ADMIN})


def actor_for(user) -> Actor:
    """The user as the engine sees them: roles per estate, superuser flag."""
    return Actor(user=user, groups=estate_roles(user), is_superuser=user.is_superuser)


def staff_estates(user) -> set[int] | None:
    """Estates where the user works as staff (None: all of them, for superusers)."""
    return estate_ids_with_roles(user, STAFF_ROLES)


def is_staff_user(user) -> bool:
    return user.is_authenticated and has_any_role(user, STAFF_ROLES)


def is_owner_user(user) -> bool:
    return user.is_authenticated and bool(getattr(user, "person_id", None))


def may_edit_processes(user) -> bool:
    return user.is_authenticated and has_any_role(user, PROCESS_OWNERS)


def may_see_dashboard(user) -> bool:
    return user.is_authenticated and has_any_role(user, MANAGERS)


def _requiring(check: Callable) -> Callable:
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = _requiring(is_staff_user)
owner_required = _requiring(is_owner_user)
process_owner_required = _requiring(may_edit_processes)
manager_required = _requiring(may_see_dashboard)


def roles_in(user, estate_id: int) -> Iterable[str]:
    return estate_roles(user).get(estate_id, frozenset())
