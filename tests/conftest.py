"""Shared fixtures: an HTTP client that logs in through the public token endpoint, and base data."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from . import factories


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_spec_cache():
    """Version ids are reused after a test's rollback on SQLite; the per-process spec cache must not be."""
    from workflows.definitions import spec_for

    spec_for.cache_clear()
    yield
    spec_for.cache_clear()


class Api:
    """A thin JSON client: `api.get(path)` returns the DRF response; `as_user(user)` logs in by token."""

    def __init__(self):
        self.client = APIClient()

    def as_user(self, user, password: str = factories.PASSWORD) -> Api:
        response = self.client.post(
            "/api/v1/auth/token/", {"username": user.username, "password": password}, format="json"
        )
        assert response.status_code == 200, response.content
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return self

    def anonymous(self) -> Api:
        self.client.credentials()
        return self

    def get(self, path, data=None, **kw):
        return self.client.get(path, data, **kw)

    def post(self, path, data=None, **kw):
        kw.setdefault("format", "json")
        return self.client.post(path, data, **kw)

    def patch(self, path, data=None, **kw):
        kw.setdefault("format", "json")
        return self.client.patch(path, data, **kw)

    def put(self, path, data=None, **kw):
        kw.setdefault("format", "json")
        return self.client.put(path, data, **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, **kw)


@pytest.fixture
def api(db):
    return Api()


@pytest.fixture
def estate(db):
    return factories.make_estate("SUN", name="阳光花园")


@pytest.fixture
def other_estate(db):
    return factories.make_estate("MOON", name="月亮湾")


@pytest.fixture
def admin_user(estate):
    return factories.make_user({estate: ["admin"]}, username="admin1")


@pytest.fixture
def manager(estate):
    return factories.make_user({estate: ["manager"]}, username="manager1")


@pytest.fixture
def service_desk(estate):
    return factories.make_user({estate: ["service_desk"]}, username="desk1")


@pytest.fixture
def technician(estate):
    return factories.make_user({estate: ["technician"]}, username="tech1")


@pytest.fixture
def other_manager(other_estate):
    return factories.make_user({other_estate: ["manager", "admin", "service_desk"]}, username="othermgr")
