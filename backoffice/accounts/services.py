"""Logins, API tokens and user accounts.

Tokens: the client gets a random key once; the database keeps only its SHA-256, so a leaked table does not
leak sessions. Failed logins are counted per username and per address; past the limit, logins are refused
for the rest of the window whatever the password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.errors import Forbidden, TooManyAttempts, Unauthenticated, ValidationFailed
from backoffice.core.services import (
    apply_changes,
    audit_record,
    instance_delete,
    instance_save,
    instance_snapshot,
)

from .choices import Role
from .models import AuthToken, EstateMembership, LoginFailure, User
from .selectors import estate_ids_with_roles, token_with_user

TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=5)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- login throttling ---------------------------------------------------------------------------------------


def login_failures_recent(*, username: str, ip_address: str | None) -> int:
    since = timezone.now() - dt.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    by_user = LoginFailure.objects.filter(at__gte=since, username__iexact=username).count()
    by_ip = LoginFailure.objects.filter(at__gte=since, ip_address=ip_address).count() if ip_address else 0
    # An address gets more room than one name: a gatehouse PC may be shared by several guards.
    return max(by_user, by_ip // 4)


def login_check_throttle(*, username: str, ip_address: str | None) -> None:
    if login_failures_recent(username=username, ip_address=ip_address) >= settings.LOGIN_FAILURE_LIMIT:
        raise TooManyAttempts(
            _("Too many failed logins. Try again in %(minutes)s minutes.")
            % {"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
            retry_after=settings.LOGIN_FAILURE_WINDOW_MINUTES * 60,
        )


def login_record_failure(*, username: str, ip_address: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip_address=ip_address)


def login_record_success(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()


# --- tokens -------------------------------------------------------------------------------------------------


def token_login(*, username: str, password: str, ip_address: str | None) -> tuple[str, AuthToken]:
    """Check credentials (throttled) and issue a new token; returns the clear key and its row."""
    login_check_throttle(username=username, ip_address=ip_address)
    user = authenticate(None, username=username, password=password)
    if user is None:
        login_record_failure(username=username, ip_address=ip_address)
        raise Unauthenticated(_("Wrong username or password."), code="invalid_credentials")
    login_record_success(username=username)
    key = secrets.token_urlsafe(32)
    token = AuthToken.objects.create(
        user=user,
        key_hash=_hash_key(key),
        expires_at=timezone.now() + dt.timedelta(hours=settings.AUTH_TOKEN_TTL_HOURS),
    )
    return key, token


def token_authenticate(*, key: str) -> User:
    """The active user behind a token key; expired, unknown or revoked keys are refused."""
    found = token_with_user(_hash_key(key))
    now = timezone.now()
    if found is None or not found[1].is_active:
        raise Unauthenticated(_("Invalid token."), code="authentication_failed")
    token, user = found
    if token.expires_at <= now:
        raise Unauthenticated(_("The token has expired; log in again."), code="token_expired")
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        AuthToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


def token_revoke(*, key: str) -> None:
    AuthToken.objects.filter(key_hash=_hash_key(key)).delete()


def tokens_purge_expired(*, now: dt.datetime | None = None) -> int:
    deleted, _unused = AuthToken.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


# --- users --------------------------------------------------------------------------------------------------


def _check_grantable(actor: User, estates: Iterable[Any]) -> None:
    allowed = estate_ids_with_roles(actor, {Role.ADMIN})
    if allowed is None:
        return
    for estate in estates:
        if estate.pk not in allowed:
            raise Forbidden(
                _("You are not an administrator of estate %(estate)s.") % {"estate": estate},
                code="permission_denied",
            )


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            exc.messages[0],
            fields={
                "password": [
                    {"code": e.code or "invalid", "message": " ".join(e.messages)} for e in exc.error_list
                ]
            },
        ) from None


def _check_owner_link(roles: Iterable[str], person: Any, estates: Iterable[Any]) -> None:
    if Role.OWNER not in set(roles):
        return
    if person is None:
        raise ValidationFailed.for_field(
            "person", _("An owner account must be linked to a person."), code="required"
        )
    if person.estate_id not in {estate.pk for estate in estates}:
        raise ValidationFailed.for_field(
            "person",
            _("The person is registered in an estate this account is not given."),
            code="other_estate",
        )


def _membership_snapshot(user: User) -> list[list[Any]]:
    # Queried, not `user.memberships.all()`: a prefetched user would show its cached roles both before and
    # after a change, and the change would go unaudited.
    rows = EstateMembership.objects.filter(user=user).values_list("estate_id", "role")
    return sorted([estate_id, role] for estate_id, role in rows)


def _replace_memberships(
    user: User, *, roles: Iterable[str], estates: Iterable[Any], scope: set[int] | None
) -> None:
    """Set the user's roles in the actor's estates; memberships in other estates are left as they are."""
    existing = EstateMembership.objects.filter(user=user)
    if scope is not None:
        existing = existing.filter(estate_id__in=scope)
    existing.delete()
    EstateMembership.objects.bulk_create(
        [EstateMembership(user=user, estate=estate, role=role) for estate in estates for role in set(roles)]
    )


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    roles: list[str],
    estates: list[Any],
    person: Any = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    if not estates and not actor.is_superuser:
        raise ValidationFailed.for_field("estates", _("Give at least one estate."), code="required")
    _check_grantable(actor, estates)
    _check_owner_link(roles, person, estates)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed.for_field("username", _("This username is taken."), code="unique")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name, person=person)
    _check_password(password, user)
    user.set_password(password)
    instance_save(actor=actor, instance=user, exclude_validation=["password"])
    _replace_memberships(user, roles=roles, estates=estates, scope=set())
    audit_record(
        actor=actor,
        action="update",
        instance=user,
        before=None,
        after={"memberships": _membership_snapshot(user)},
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, changes: dict[str, Any]) -> User:
    changes = dict(changes)
    roles = changes.pop("roles", None)
    estates = changes.pop("estates", None)
    password = changes.pop("password", None)
    scope = estate_ids_with_roles(actor, {Role.ADMIN})
    before_memberships = _membership_snapshot(user)
    for name, value in changes.items():
        setattr(user, name, value)
    if password:
        _check_password(password, user)
        user.set_password(password)
    if roles is not None or estates is not None:
        current = user.memberships.all()
        if scope is not None:
            current = current.filter(estate_id__in=scope)
        roles = roles if roles is not None else sorted({m.role for m in current})
        if estates is None:
            estates = sorted({m.estate for m in current.select_related("estate")}, key=lambda e: e.pk)
        _check_grantable(actor, estates)
        _check_owner_link(roles, changes.get("person", user.person), estates)
        _replace_memberships(user, roles=roles, estates=estates, scope=scope)
    instance_save(actor=actor, instance=user, exclude_validation=["password"])
    after_memberships = _membership_snapshot(user)
    if after_memberships != before_memberships:
        audit_record(
            actor=actor,
            action="update",
            instance=user,
            before={"memberships": before_memberships},
            after={"memberships": after_memberships},
        )
    if password or user.is_active is False:
        AuthToken.objects.filter(user=user).delete()
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Accounts are never deleted (their actions stay attributable); they are switched off."""
    if user.pk == actor.pk:
        raise Forbidden(_("You cannot deactivate your own account."), code="self_deactivation")
    before = instance_snapshot(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    AuthToken.objects.filter(user=user).delete()
    audit_record(actor=actor, action="update", instance=user, before=before, after=instance_snapshot(user))
    return user


# --- memberships (the system administrator's view across estates, used by the Django admin) -----------------


def _check_memberships(
    actor: User, user: User, pairs: set[tuple[Any, str]], before: set[tuple[int, str]]
) -> None:
    """Only estates the actor administers may change; an owner role needs the user's person in that estate."""
    changed = {estate_id for estate_id, _role in before ^ {(e.pk, r) for e, r in pairs}}
    estates = {estate.pk: estate for estate, _role in pairs}
    scope = estate_ids_with_roles(actor, {Role.ADMIN})
    if scope is not None and not changed <= scope:
        raise Forbidden(_("You may change roles only in estates you administer."), code="permission_denied")
    owner_estates = [estates[estate.pk] for estate, role in pairs if role == Role.OWNER]
    if owner_estates:
        _check_owner_link([Role.OWNER], user.person, owner_estates)


def user_memberships_check(*, actor: User, user: User, memberships: Iterable[tuple[Any, str]]) -> None:
    """Validate a user's complete set of (estate, role) pairs without saving it."""
    before = (
        set(EstateMembership.objects.filter(user=user).values_list("estate_id", "role")) if user.pk else set()
    )
    _check_memberships(actor, user, set(memberships), before)


@transaction.atomic
def user_set_memberships(*, actor: User, user: User, memberships: Iterable[tuple[Any, str]]) -> User:
    """Replace a user's roles with exactly these (estate, role) pairs, recording the difference."""
    pairs = set(memberships)
    before_rows = _membership_snapshot(user)
    _check_memberships(actor, user, pairs, {(e, r) for e, r in before_rows})
    EstateMembership.objects.filter(user=user).delete()
    EstateMembership.objects.bulk_create(
        [
            EstateMembership(user=user, estate=estate, role=role)
            for estate, role in sorted(pairs, key=lambda p: (p[0].pk, p[1]))
        ]
    )
    after_rows = _membership_snapshot(user)
    if after_rows != before_rows:
        audit_record(
            actor=actor,
            action="update",
            instance=user,
            before={"memberships": before_rows},
            after={"memberships": after_rows},
        )
    return user


def _save_membership(*, actor: User, membership: EstateMembership) -> EstateMembership:
    before = set()
    if membership.pk:
        before = set(EstateMembership.objects.filter(pk=membership.pk).values_list("estate_id", "role"))
    _check_memberships(actor, membership.user, {(membership.estate, membership.role)}, before)
    return instance_save(actor=actor, instance=membership)


def estate_membership_create(*, actor: User, data: dict[str, Any]) -> EstateMembership:
    return _save_membership(actor=actor, membership=EstateMembership(**data))


def estate_membership_update(
    *, actor: User, membership: EstateMembership, changes: dict[str, Any]
) -> EstateMembership:
    return _save_membership(actor=actor, membership=apply_changes(membership, changes))


def estate_membership_delete(*, actor: User, membership: EstateMembership) -> None:
    _check_memberships(actor, membership.user, set(), {(membership.estate_id, membership.role)})
    instance_delete(actor=actor, instance=membership)
