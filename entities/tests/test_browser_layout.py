"""Pages in headless chromium at 1,366 px: long values wrap and tables stay inside their card
(nothing scrolls sideways), and no page reports an error on the console (an invalid
`pattern` attribute, a missing file, a script's exception)."""

import pytest
from django.conf import settings

from entities import services
from entities.importing import do_load_mirror
from entities.mirror import iter_mirror
from entities.models import Entity, EntityType
from testing import factories
from testing.browser import page_width, shot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
WIDTH = 1366


@pytest.fixture
def campus(db):
    """The demo campus (its regexes, odie's tables) and a standalone holding a 5,000-character
    value."""
    do_load_mirror(list(iter_mirror(settings.BASE_DIR / "demo" / "mirror")), user="tests")
    standalone = EntityType.objects.get(name="standalone")
    factories.variable(standalone, "notes", widget="textarea")
    discovery = Entity.objects.get(entity_type=standalone, name="discovery")
    services.do_set_values(discovery, {"notes": ["x" * 5000]}, user="tests")


@pytest.mark.parametrize(
    "url",
    [
        "/entity/standalone/discovery/",
        "/entity/standalone/discovery/modify/",
        "/entity/server/odie/modify/",
        "/types/",
    ],
)
def test_pages_fit_a_1366_px_screen(page, campus, url):
    sign_in(page, "admin")
    page.goto(url)
    shot(page, "layout" + url.replace("/", "-").rstrip("-"))
    assert page_width(page) <= WIDTH
    for card in page.locator(".card").all():
        box = card.bounding_box()
        assert box["x"] + box["width"] <= WIDTH


MAIN_PAGES = [
    "/",
    "/search/",
    "/search/standalone/",
    "/search/standalone/?search=1&show=room&c-room=EN*",
    "/create/",
    "/create/standalone/",
    "/variables/standalone/",
    "/types/",
    "/changes/",
    "/entity/standalone/discovery/",
    "/entity/standalone/discovery/modify/",
    "/entity/standalone/discovery/history/",
    "/entity/server/odie/",
    "/entity/server/odie/modify/",
    "/files/",
    "/agents/",
    "/nms/",
    "/backups/",
    "/printing/",
    "/api/v1/",
    "/api/v1/docs/",
]


def test_no_main_page_reports_an_error_on_the_console(page, campus):
    sign_in(page, "admin")
    errors = {}
    for url in MAIN_PAGES:
        page.console_errors.clear()
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, url
        # Chromium compiles a `pattern` when it checks the input's value.
        page.evaluate("document.querySelectorAll('input').forEach(i => i.checkValidity())")
        if page.console_errors:
            errors[url] = list(page.console_errors)
    assert errors == {}
