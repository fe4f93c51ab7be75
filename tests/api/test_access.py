"""Authentication, tokens, throttling, owner isolation and account administration."""

from __future__ import annotations

import datetime as dt
import hashlib

import time_machine
from django.test import Client

from backoffice.accounts.models import AuthToken, EstateMembership, LoginFailure, User
from backoffice.people.models import HouseholdMember, Ownership, Tenancy

from .. import factories as f


def login(api, username, password=f.PASSWORD):
    return api.post("/api/v1/auth/token/", {"username": username, "password": password})


def test_token_is_stored_hashed_and_expires(api, manager, settings):
    with time_machine.travel(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC), tick=False):
        response = login(api, manager.username)
        assert response.status_code == 200
        key = response.json()["token"]
        stored = AuthToken.objects.get(user=manager)
        assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in stored.key_hash
        api.client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/v1/units/").status_code == 200
    later = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC) + dt.timedelta(
        hours=settings.AUTH_TOKEN_TTL_HOURS, seconds=1
    )
    with time_machine.travel(later, tick=False):
        expired = api.get("/api/v1/units/")
        assert expired.status_code == 401
        assert expired.json()["error"]["code"] == "token_expired"


def test_wrong_password_is_401(api, manager):
    response = login(api, manager.username, "wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_repeated_failures_are_throttled_even_with_right_password(api, manager, settings):
    with time_machine.travel(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            assert login(api, manager.username, "guess").status_code == 401
        blocked = login(api, manager.username)
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "too_many_attempts"
        assert int(blocked["Retry-After"]) > 0
        assert not AuthToken.objects.filter(user=manager).exists()
    window_over = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC) + dt.timedelta(
        minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES, seconds=1
    )
    with time_machine.travel(window_over, tick=False):
        assert login(api, manager.username).status_code == 200


def test_session_login_failures_count_for_the_api_too(api, manager, settings):
    browser = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        page = browser.post("/admin/login/", {"username": manager.username, "password": "guess"})
        assert page.status_code == 200  # the form shown again with an error
    assert LoginFailure.objects.filter(username=manager.username).count() == settings.LOGIN_FAILURE_LIMIT
    assert login(api, manager.username).status_code == 429


def test_session_login_reaches_api(manager):
    client = Client()
    assert client.login(username=manager.username, password=f.PASSWORD)
    assert client.get("/api/v1/units/").status_code == 200


def test_revoke_token(api, manager):
    key = login(api, manager.username).json()["token"]
    api.client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert api.get("/api/v1/units/").status_code == 401


def test_me_lists_roles(api, manager, estate):
    api.as_user(manager)
    me = api.get("/api/v1/auth/me/").json()
    assert me["memberships"] == [{"estate": estate.id, "role": "manager"}]


def test_owner_sees_only_own_records(api, estate):
    building = f.make_building(estate)
    mine, neighbours = f.make_unit(building, number="101"), f.make_unit(building, number="102")
    me = f.make_person(estate, "业主甲", id_number=f.VALID_RIC[0])
    neighbour = f.make_person(estate, "业主乙", id_number=f.VALID_RIC[1])
    child = f.make_person(estate, "孩子")
    Ownership.objects.create(estate=estate, unit=mine, person=me, start_date=dt.date(2020, 1, 1))
    Ownership.objects.create(estate=estate, unit=neighbours, person=neighbour, start_date=dt.date(2020, 1, 1))
    HouseholdMember.objects.create(
        estate=estate, unit=mine, person=child, relation="child", start_date=dt.date(2020, 1, 1)
    )
    Tenancy.objects.create(
        estate=estate,
        unit=neighbours,
        person=f.make_person(estate, "租客"),
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2030, 1, 1),
    )
    owner = f.make_user({estate: ["owner"]}, person=me)
    api.as_user(owner)

    assert [u["id"] for u in api.get("/api/v1/units/").json()["results"]] == [mine.id]
    assert api.get(f"/api/v1/units/{neighbours.id}/").status_code == 404
    assert {p["id"] for p in api.get("/api/v1/persons/").json()["results"]} == {me.id, child.id}
    assert api.get(f"/api/v1/persons/{neighbour.id}/").status_code == 404
    assert [o["unit"] for o in api.get("/api/v1/ownerships/").json()["results"]] == [mine.id]
    assert api.get("/api/v1/tenancies/").json()["count"] == 0
    assert [e["id"] for e in api.get("/api/v1/estates/").json()["results"]] == [estate.id]
    # Owners read; they never write master data.
    assert api.patch(f"/api/v1/units/{mine.id}/", {"area": "1.00"}).status_code == 403
    assert api.post("/api/v1/persons/", {"name": "x", "phone": "13800138000"}).status_code == 403
    assert api.get("/api/v1/users/").status_code == 403
    assert api.get("/api/v1/audit-entries/").status_code == 403


def test_user_with_no_role_sees_nothing(api, estate):
    nobody = f.make_user({})
    api.as_user(nobody)
    assert api.get("/api/v1/units/").status_code == 403


def test_admin_creates_user_with_roles(api, admin_user, estate):
    api.as_user(admin_user)
    response = api.post(
        "/api/v1/users/",
        {"username": "guard1", "password": "Guard-Pass-2026", "roles": ["security"], "estates": [estate.id]},
    )
    assert response.status_code == 201, response.content
    assert response.json()["roles"] == ["security"]
    assert "password" not in response.json()
    assert EstateMembership.objects.filter(user__username="guard1", estate=estate, role="security").exists()
    assert login(api.anonymous(), "guard1", "Guard-Pass-2026").status_code == 200


def test_admin_cannot_grant_in_foreign_estate(api, admin_user, other_estate):
    api.as_user(admin_user)
    response = api.post(
        "/api/v1/users/",
        {
            "username": "x1",
            "password": "Guard-Pass-2026",
            "roles": ["security"],
            "estates": [other_estate.id],
        },
    )
    assert response.status_code == 400  # the foreign estate does not resolve for this admin
    assert not User.objects.filter(username="x1").exists()


def test_weak_password_and_owner_without_person(api, admin_user, estate):
    api.as_user(admin_user)
    weak = api.post(
        "/api/v1/users/",
        {"username": "w", "password": "123", "roles": ["technician"], "estates": [estate.id]},
    )
    assert weak.status_code == 400 and "password" in weak.json()["error"]["fields"]
    owner = api.post(
        "/api/v1/users/",
        {"username": "o", "password": "Owner-Pass-2026", "roles": ["owner"], "estates": [estate.id]},
    )
    assert owner.status_code == 400 and "person" in owner.json()["error"]["fields"]


def test_deactivated_user_token_stops_working(api, admin_user, estate):
    tech = f.make_user({estate: ["technician"]})
    other = type(api)()
    other.as_user(tech)
    api.as_user(admin_user)
    assert api.delete(f"/api/v1/users/{tech.id}/").status_code == 204
    assert other.get("/api/v1/units/").status_code == 401


def test_openapi_and_docs_offline(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/units/" in schema.json()["paths"]
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower()


def test_a_token_request_learns_the_caller_and_their_roles_in_one_query(api, manager, estate, other_estate):
    """The token, its user and the user's roles per estate come from one query; a deactivated user's or an
    unknown token is refused."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backoffice.accounts import services
    from backoffice.accounts.selectors import estate_roles
    from backoffice.core.errors import Unauthenticated

    EstateMembership.objects.create(user=manager, estate=other_estate, role="finance")
    key, _token = services.token_login(username=manager.username, password=f.PASSWORD, ip_address=None)
    services.token_authenticate(key=key)  # the first use also notes when the token was last used
    with CaptureQueriesContext(connection) as queries:
        user = services.token_authenticate(key=key)
        roles = estate_roles(user)
    assert len(queries) == 1
    assert user.pk == manager.pk and user.username == manager.username and user.is_active
    assert roles == {estate.pk: frozenset({"manager"}), other_estate.pk: frozenset({"finance"})}
    assert user.date_joined == User.objects.get(pk=manager.pk).date_joined  # converted as the ORM does

    for bad in ("no-such-key", ""):
        try:
            services.token_authenticate(key=bad)
        except Unauthenticated as exc:
            assert exc.code == "authentication_failed"
        else:
            raise AssertionError("an unknown key was accepted")
    User.objects.filter(pk=manager.pk).update(is_active=False)
    api.client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    refused = api.get("/api/v1/units/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "authentication_failed"
