"""Playwright driving Debian's Chromium (never a downloaded browser) against pytest-django's live server.

Screenshots go to `var/screenshots/`. Playwright's sync API runs an event loop in the test's thread, so the
ORM calls the tests make between browser steps need DJANGO_ALLOW_ASYNC_UNSAFE (tests only)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from .. import factories as f
from ..sites import build_repair_site

CHROMIUM = os.environ.get("PM_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: Playwright's event loop must be gone before other modules run (Prefect
    treats a test as async while a loop is running in its thread)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, live_server):
    """A logged-in page for a user: `open_as(user, phone=True)`; every context is closed after the test."""
    contexts = []

    def opener(user, *, phone: bool = False):
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP, locale="zh-CN", base_url=live_server.url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", f.PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        return page

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def site(transactional_db, estate):
    """The repair site (tests/sites.py) with a process owner; the browser tests' server shares its database."""
    site = build_repair_site(estate)
    site["users"]["tech"] = site["users"]["tech1"]
    site["users"]["process_owner"] = f.make_user({estate: ["process_owner"]}, username="designer")
    return site
