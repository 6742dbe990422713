"""Headless chromium against a live server, for the browser tests of every app (marked
`browser`): the fixtures `browser` and `page`, and `sign_in` and `shot` for the scenarios.

Registered as a pytest plug-in by the root conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from . import factories

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = Path(settings.BASE_DIR) / "test-output" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-labnet"
# The narrowest common laptop screen: pages fit it without scrolling sideways.
VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def browser(transactional_db):
    """One chromium per test, started after the test database is set up (Playwright's
    dispatcher must not run before Django restores the migrations' rows)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A page of the live server; `page.console_errors` collects what the console reported
    as an error (a script's exception, an invalid `pattern` attribute, a missing file)."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def sign_in(page, role: str) -> str:
    user = factories.user(role)
    page.goto("/accounts/login/?next=/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    return user.username


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def page_width(page) -> int:
    """How wide the page is drawn, in CSS pixels: wider than the viewport scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")
