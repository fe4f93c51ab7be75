"""Generic write actions every domain app builds on: validated save and delete with an audit entry.

A domain service does its own business checks, then calls `instance_save` / `instance_delete`, which run
model validation, translate database constraint races into field errors, and record the audit entry in the
same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from .errors import Conflict, ValidationFailed
from .models import AuditAction, AuditEntry

AUDIT_SECRET_FIELDS = {"password", "id_number_encrypted", "id_number_hmac", "key_hash"}


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def instance_snapshot(instance: models.Model) -> dict[str, Any]:
    """The concrete field values of a row, JSON-safe, secrets left out (for the audit trail)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in AUDIT_SECRET_FIELDS:
            continue
        data[field.attname] = _json_value(getattr(instance, field.attname))
    return data


def _without_timestamps(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if snapshot is None else {k: v for k, v in snapshot.items() if k != "updated_at"}


def _estate_id_of(instance: models.Model) -> int | None:
    resolver = getattr(instance, "audit_estate_id", None)
    if callable(resolver):
        return resolver()
    return getattr(instance, "estate_id", None)


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        estate_id=_estate_id_of(instance),
        before=before,
        after=after,
    )


def _unique_field_errors(instance: models.Model) -> ValidationFailed | None:
    """After an IntegrityError, find the unique rule the row broke and name its field."""
    try:
        instance.validate_unique()
        instance.validate_constraints()
    except DjangoValidationError as exc:
        return ValidationFailed.from_django(exc)
    return None


@transaction.atomic
def instance_save(
    *,
    actor: Any,
    instance: models.Model,
    exclude_validation: Iterable[str] = (),
) -> models.Model:
    """Validate and save a new or changed row, recording the change in the audit trail."""
    creating = instance._state.adding
    before = None
    if not creating:
        previous = type(instance)._default_manager.filter(pk=instance.pk).first()
        before = instance_snapshot(previous) if previous else None
    try:
        instance.full_clean(exclude=list(exclude_validation))
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        # Two requests passed validation at once; the database kept one. Report it like validation would.
        error = _unique_field_errors(instance)
        if error is None:
            raise
        raise error from None
    after = instance_snapshot(instance)
    if _without_timestamps(before) != _without_timestamps(after):
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
            instance=instance,
            before=before,
            after=after,
        )
    return instance


@transaction.atomic
def instance_delete(*, actor: Any, instance: models.Model) -> None:
    """Delete a row (cascades as the model says) and record it."""
    before = instance_snapshot(instance)
    audit_record(actor=actor, action=AuditAction.DELETE, instance=instance, before=before, after=None)
    instance.delete()


def instance_delete_unless_used(*, actor: Any, instance: models.Model) -> None:
    """Delete a row nothing protects; a row still referenced is a 409 `in_use`, and nothing changes."""
    try:
        with transaction.atomic():
            instance_delete(actor=actor, instance=instance)
    except ProtectedError:
        raise Conflict(
            _("%(object)s is still referenced by other records and cannot be deleted.")
            % {"object": instance},
            code="in_use",
        ) from None


def apply_changes(instance: models.Model, changes: dict[str, Any]) -> models.Model:
    """Set attributes from a validated dict; unknown names are a programming error, not input."""
    for name, value in changes.items():
        instance._meta.get_field(name)
        setattr(instance, name, value)
    return instance
