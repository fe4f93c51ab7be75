"""API authentication: expiring hashed tokens (`Authorization: Token <key>`) and browser sessions."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from backoffice.accounts import services
from backoffice.core.errors import Unauthenticated


class ExpiringTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.") from None
        try:
            user = services.token_authenticate(key=key)
        except Unauthenticated as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from None
        return user, key

    def authenticate_header(self, request):
        return self.keyword


class CsrfSessionAuthentication(authentication.SessionAuthentication):
    """Session auth for the browsable API and the web pages (CSRF enforced on writes)."""
