"""The workspace speaks zh-Hans until the user picks another language.

Django's LocaleMiddleware also follows the browser's Accept-Language; staff phones set to English would then
get English pages although the company works in Chinese. Workspace pages follow only the language the
user chose (the cookie set by the language switcher), else LANGUAGE_CODE."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

# The API and the admin keep following Accept-Language (clients and integrations ask for their language).
OWN_LANGUAGE_PATHS = ("/api/", "/admin/")


class WorkspaceLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(OWN_LANGUAGE_PATHS) or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return self.get_response(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
