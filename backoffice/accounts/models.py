"""Users, their roles per estate (岗位), API tokens and failed-login records."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Role


class User(AbstractUser):
    """A staff member or an owner/resident. An owner account is linked to its person record."""

    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"


class EstateMembership(models.Model):
    """A role a user holds in one estate. Staff see only estates they hold a role in."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("estate membership")
        verbose_name_plural = _("estate memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "estate", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["estate", "role"], name="membership_estate_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.estate} · {self.get_role_display()}"


class AuthToken(models.Model):
    """An API token. Only a SHA-256 of the key is stored; the key is shown once, at login."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="auth_tokens"
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.expires_at:%Y-%m-%d}"


class LoginFailure(models.Model):
    """One failed login, for throttling repeated guesses per username and per address."""

    username = models.CharField(_("username"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip_address} {self.at:%Y-%m-%d %H:%M}"
