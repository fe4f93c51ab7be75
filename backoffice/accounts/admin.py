"""Admin for users, their roles per estate, API tokens and failed logins (system administrator only).

Users are created and changed through `user_create` / `user_update` (password rules, token revocation,
audit); the roles inline is saved through `user_set_memberships`. Accounts are never deleted: clear
"active" instead, which also revokes the user's API tokens.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from backoffice.core.admin_services import (
    ReadOnlyAdminMixin,
    ServiceModelAdmin,
    ServiceModelForm,
    SuperuserOnlyAdminMixin,
)
from backoffice.core.errors import DomainError

from . import services
from .models import AuthToken, EstateMembership, LoginFailure, User

_PERSONAL = (_("Personal info"), {"fields": ("first_name", "last_name", "email", "person")})


class UserAddForm(ServiceModelForm):
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password confirmation"), strip=False, widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "person", "is_staff", "is_superuser")

    def clean_password2(self):
        if self.cleaned_data.get("password1") != self.cleaned_data["password2"]:
            raise ValidationError(_("The two passwords differ."), code="password_mismatch")
        return self.cleaned_data["password2"]


class UserChangeForm(ServiceModelForm):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to keep the password. A new one signs the user out of the API."),
    )

    class Meta:
        model = User
        fields = (
            "username",
            "first_name",
            "last_name",
            "email",
            "person",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
        )


class MembershipFormSet(BaseInlineFormSet):
    """Checks the user's complete set of roles with the same rules `user_set_memberships` applies."""

    actor = None

    def pairs(self) -> list[tuple]:
        return [
            (form.cleaned_data["estate"], form.cleaned_data["role"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("estate")
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            services.user_memberships_check(actor=self.actor, user=self.instance, memberships=self.pairs())
        except DomainError as exc:
            raise ValidationError(exc.message, code=exc.code) from None


class MembershipInline(admin.TabularInline):
    model = EstateMembership
    formset = MembershipFormSet
    fields = ("estate", "role")
    autocomplete_fields = ("estate",)
    extra = 1
    verbose_name = _("role in an estate")
    verbose_name_plural = _("roles per estate")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user
        return formset


@admin.register(User)
class UserAdmin(SuperuserOnlyAdminMixin, ServiceModelAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role", "memberships__estate")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("person",)
    filter_horizontal = ("groups",)
    readonly_fields = ("last_login", "date_joined")
    inlines = [MembershipInline]
    service_field_aliases = {"password": "password1"}

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ("username", "password1", "password2")}),
                _PERSONAL,
                self._access(False),
            ]
        return [
            (None, {"fields": ("username", "password1")}),
            _PERSONAL,
            self._access(True),
            (_("Dates"), {"fields": ("last_login", "date_joined")}),
        ]

    @staticmethod
    def _access(change: bool):
        fields = (
            ("is_active", "is_staff", "is_superuser", "groups") if change else ("is_staff", "is_superuser")
        )
        return (_("Access"), {"fields": fields})

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = UserAddForm if obj is None else UserChangeForm
        return super().get_form(request, obj, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def service_data(self, form):
        data = super().service_data(form)
        if form.cleaned_data.get("password1"):
            data["password"] = form.cleaned_data["password1"]
        return data

    def service_create(self, actor, data):
        flags = {name: True for name in ("is_staff", "is_superuser") if data.pop(name, False)}
        user = services.user_create(actor=actor, roles=[], estates=[], **data)
        return services.user_update(actor=actor, user=user, changes=flags) if flags else user

    def service_update(self, actor, obj, data):
        return services.user_update(actor=actor, user=obj, changes=data)

    def save_formset(self, request, form, formset, change):
        if formset.model is not EstateMembership:
            return super().save_formset(request, form, formset, change)
        services.user_set_memberships(actor=request.user, user=form.instance, memberships=formset.pairs())
        # The audit entry records the roles; the admin's own change message has nothing more to add.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None


@admin.register(EstateMembership)
class EstateMembershipAdmin(SuperuserOnlyAdminMixin, ServiceModelAdmin):
    list_display = ("user", "estate", "role")
    list_filter = ("role", "estate")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user", "estate")
    list_select_related = ("user", "estate")
    create_service = services.estate_membership_create
    update_service = services.estate_membership_update
    delete_service = services.estate_membership_delete
    service_object_name = "membership"


@admin.register(AuthToken)
class AuthTokenAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tokens are issued at login and revoked by deactivating the user or changing the password."""

    list_display = ("user", "created_at", "expires_at", "last_used_at")
    list_filter = ("expires_at",)
    search_fields = ("user__username",)
    fields = ("user", "created_at", "expires_at", "last_used_at")
    list_select_related = ("user",)


@admin.register(LoginFailure)
class LoginFailureAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Deleting a user's failures lifts the login lock before its window ends."""

    can_delete = True
    list_display = ("username", "ip_address", "at")
    list_filter = ("at",)
    search_fields = ("username", "ip_address")
