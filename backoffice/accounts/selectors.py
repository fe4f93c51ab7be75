"""Who may see what: a user's estates and roles, and the scoped user list."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.db import connections, router
from django.db.models import QuerySet

from backoffice.core.rowreader import row_reader

from .choices import STAFF_ROLES, Role
from .models import AuthToken, EstateMembership, User

_CACHE_ATTR = "_estate_roles_cache"


@lru_cache(maxsize=8)
def _token_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    token, user = row_reader(AuthToken, alias), row_reader(User, alias)
    tables = {m: quote(m._meta.db_table) for m in (AuthToken, User, EstateMembership)}
    estate, role = column(EstateMembership, "estate"), column(EstateMembership, "role")
    return (
        f"SELECT {token.select_list('t')}, {user.select_list('u')}, m.{estate}, m.{role} "  # noqa: S608
        f"FROM {tables[AuthToken]} t "
        f"INNER JOIN {tables[User]} u ON u.{column(User, 'id')} = t.{column(AuthToken, 'user')} "
        f"LEFT OUTER JOIN {tables[EstateMembership]} m ON m.{column(EstateMembership, 'user')} = u.{column(User, 'id')} "
        f"WHERE t.{column(AuthToken, 'key_hash')} = %s"
    )


def token_with_user(key_hash: str) -> tuple[AuthToken, User] | None:
    """The token with this hash and its user, whose roles per estate come in the same query (a token is read on
    every API request; this is the request's one query about the caller). None for an unknown hash."""
    alias = router.db_for_read(AuthToken)
    with connections[alias].cursor() as cursor:
        cursor.execute(_token_sql(alias), [key_hash])
        found = cursor.fetchall()
    if not found:
        return None
    token_reader, user_reader = row_reader(AuthToken, alias), row_reader(User, alias)
    token = token_reader.build(found[0])
    user = user_reader.build(found[0], offset=token_reader.width)
    token.user = user
    if user.is_active:
        _remember_roles(
            user, ((estate_id, role) for *_columns, estate_id, role in found if estate_id is not None)
        )
    return token, user


def _remember_roles(user: User, memberships: Iterable[tuple[int, str]]) -> dict[int, frozenset[str]]:
    """Estate id -> roles from (estate id, role) pairs, kept on the user object for the rest of the request."""
    roles: dict[int, set[str]] = {}
    for estate_id, role in memberships:
        roles.setdefault(estate_id, set()).add(role)
    frozen = {estate_id: frozenset(held) for estate_id, held in roles.items()}
    setattr(user, _CACHE_ATTR, frozen)
    return frozen


def estate_roles(user: User) -> dict[int, frozenset[str]]:
    """Estate id -> the roles the user holds there. Cached on the user object (one query per request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    memberships = []
    if getattr(user, "is_authenticated", False) and user.is_active:
        memberships = EstateMembership.objects.filter(user=user).values_list("estate_id", "role")
    return _remember_roles(user, memberships)


def estate_ids_with_roles(user: User, roles: Iterable[str]) -> set[int] | None:
    """Estates where the user holds one of `roles`; None means every estate (superuser)."""
    if user.is_superuser:
        return None
    wanted = set(roles)
    return {estate_id for estate_id, held in estate_roles(user).items() if held & wanted}


def has_role_in(user: User, estate_id: int | None, roles: Iterable[str]) -> bool:
    if user.is_superuser:
        return True
    if estate_id is None:
        return False
    return bool(estate_roles(user).get(estate_id, frozenset()) & set(roles))


def has_any_role(user: User, roles: Iterable[str]) -> bool:
    if user.is_superuser:
        return True
    wanted = set(roles)
    return any(held & wanted for held in estate_roles(user).values())


def is_staff_member(user: User) -> bool:
    return has_any_role(user, STAFF_ROLES)


def is_owner_only(user: User) -> bool:
    """An owner/resident account with no staff role anywhere: sees only their own records."""
    return not user.is_superuser and not is_staff_member(user) and has_any_role(user, {Role.OWNER})


def user_list(*, estate_ids: Iterable[int] | None) -> QuerySet[User]:
    queryset = User.objects.prefetch_related("memberships").order_by("id")
    if estate_ids is None:
        return queryset
    return queryset.filter(memberships__estate_id__in=list(estate_ids)).distinct()
