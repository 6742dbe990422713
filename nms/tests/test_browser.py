"""The monitoring overview in headless chromium: its filters combine as a user picks them."""

import pytest

from testing import nms as factories
from testing.browser import shot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_choosing_a_domain_keeps_the_servers_or_clients_filter(page):
    factories.host("guernsey", domain="math.example.edu")
    factories.host("odie", domain="cs.example.edu")
    factories.host("hogwarts", kind="client", domain="cs.example.edu")
    sign_in(page, "viewer")
    page.goto("/nms/")
    page.click("button[name=kind][value=server]")
    page.wait_for_url(lambda url: "kind=server" in url)
    page.select_option("select[name=domain]", "cs.example.edu")
    page.wait_for_url(lambda url: "domain=cs.example.edu" in url)
    assert "kind=server" in page.url
    assert page.locator(".segmented .current").inner_text() == "Servers"
    page.click("button[name=kind][value=client]")
    page.wait_for_url(lambda url: "kind=client" in url)
    assert "domain=cs.example.edu" in page.url
    shot(page, "nms-overview-filters")
