"""Django admin that writes through the domain services, so admin edits obey the same rules and are audited.

Validation: the form's `clean()` runs the service in a savepoint that is always rolled back; a refusal becomes
form errors on the right fields, shown like any other. Saving then runs the service for real. Deleting calls
the delete service; a refusal is a message, not an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, Forbidden


class _Undo(Exception):
    """Raised to roll back a validation-only service call."""


def _adopt(target: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved instance the row the service saved (the admin goes on using it)."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


def add_domain_errors(form: forms.BaseForm, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Put a domain refusal on the form: field errors on their fields, anything else on the form."""
    aliases = aliases or {}
    fields = exc.fields or {"non_field_errors": [{"code": exc.code, "message": exc.message}]}
    for name, problems in fields.items():
        target = aliases.get(name, name)
        target = target if target in form.fields else None
        for problem in problems:
            message = problem["message"]
            if target is None and name != "non_field_errors":
                message = f"{name}: {message}"
            form.add_error(target, forms.ValidationError(message, code=problem.get("code")))


class ServiceModelForm(forms.ModelForm):
    """A model form whose `clean()` asks the domain service (set per request by ServiceModelAdmin)."""

    service_check: ClassVar[Callable[[forms.ModelForm], None] | None] = None

    def clean(self):
        cleaned = super().clean()
        check = type(self).service_check
        if check is not None and not self._errors:
            check(self)
        return cleaned


class ServiceModelAdmin(admin.ModelAdmin):
    """ModelAdmin whose saves and deletes call `<entity>_create/_update/_delete` with the admin as actor.

    Declare `create_service`, `update_service`, `delete_service` and `service_object_name` (the keyword the
    update and delete services take the object by), or override `service_create/update/delete`.
    """

    form = ServiceModelForm
    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    delete_service: ClassVar[Callable[..., Any] | None] = None
    service_object_name: ClassVar[str] = ""
    service_field_aliases: ClassVar[dict[str, str]] = {}  # service field -> form field, where they differ
    show_full_result_count = False  # a COUNT(*) over 300k units on every page is not worth it

    # --- the service calls (override where a service has another signature) ---

    def service_create(self, actor: Any, data: dict[str, Any]) -> models.Model:
        return type(self).create_service(actor=actor, data=data)

    def service_update(self, actor: Any, obj: models.Model, data: dict[str, Any]) -> models.Model:
        return type(self).update_service(actor=actor, **{self.service_object_name: obj}, changes=data)

    def service_delete(self, actor: Any, obj: models.Model) -> None:
        type(self).delete_service(actor=actor, **{self.service_object_name: obj})

    def may_write(self, actor: Any, obj: models.Model) -> bool:
        """Whether the actor may hold the saved object (e.g. has a role in its estate)."""
        return True

    def service_data(self, form: forms.ModelForm) -> dict[str, Any]:
        """The model fields the form sets: all of them on create, the changed ones on update."""
        concrete = {f.name for f in self.model._meta.concrete_fields}
        names = form.changed_data if form.instance.pk else list(form.cleaned_data)
        return {
            name: form.cleaned_data[name] for name in names if name in concrete and name in form.cleaned_data
        }

    def _save(self, actor: Any, form: forms.ModelForm, obj: models.Model | None) -> models.Model:
        data = self.service_data(form)
        return self.service_create(actor, data) if obj is None else self.service_update(actor, obj, data)

    def _check(self, actor: Any, form: forms.ModelForm) -> None:
        try:
            with transaction.atomic():
                current = form.instance
                fresh = type(current)._default_manager.get(pk=current.pk) if current.pk else None
                saved = self._save(actor, form, fresh)
                if not self.may_write(actor, saved):
                    raise Forbidden(str(_("You do not have a role in this estate that may do this.")))
                raise _Undo
        except _Undo:
            pass
        except DomainError as exc:
            add_domain_errors(form, exc, self.service_field_aliases)

    # --- Django admin hooks ---

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form_class, ServiceModelForm):
            actor = request.user
            form_class.service_check = staticmethod(lambda form: self._check(actor, form))
        return form_class

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Choices of a reference are what the user may see in that model's own admin."""
        model = db_field.remote_field.model
        if (
            "queryset" not in kwargs
            and not request.user.is_superuser
            and self.admin_site.is_registered(model)
        ):
            kwargs["queryset"] = self.admin_site.get_model_admin(model).get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = self._save(request.user, form, obj if change else None)
        if not change:
            _adopt(obj, saved)

    def delete_model(self, request, obj):
        self.service_delete(request.user, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.service_delete(request.user, obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            opts = self.model._meta
            change_url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[object_id],
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(change_url)

    def response_action(self, request, queryset):
        try:
            return super().response_action(request, queryset)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdminMixin:
    """For records only the system writes (audit trail, tokens, login failures)."""

    can_delete: ClassVar[bool] = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.can_delete and super().has_delete_permission(request, obj)


def _is_root(request) -> bool:
    return request.user.is_active and request.user.is_superuser


class SuperuserOnlyAdminMixin:
    """Accounts, tokens and the audit trail span every estate: the system administrator's business.

    Estate administrators manage their own estate's users through the API, which scopes them.
    """

    def has_module_permission(self, request):
        return _is_root(request)

    def has_view_permission(self, request, obj=None):
        return _is_root(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return _is_root(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return _is_root(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_root(request) and super().has_delete_permission(request, obj)
