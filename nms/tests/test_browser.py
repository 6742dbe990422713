"""The monitoring pages in headless chromium: the overview's filters combine as a user picks
them; a host's page shows every category, collected or not."""

import pytest

from nms.host.collectors import categories
from nms.ingest import ingest_report
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


def test_the_host_page_shows_every_category_with_no_data_where_nothing_was_collected(page):
    factories.demo_levels()
    factories.host("odie", domain="cs.example.edu")
    ingest_report(
        "odie",
        {
            "loadaverage": [{"item": "", "value": "0.4"}],
            "diskspace": [{"item": "/", "value": "41"}],
            "mdstat": [],
        },
    )
    sign_in(page, "viewer")
    page.goto("/nms/host/odie/")
    shown = page.locator("section.nms-category h2").evaluate_all(
        "heads => heads.map(h => h.firstChild.textContent.trim())"
    )
    assert shown == categories()
    for category in ("mdstat", "mounts", "netrx", "nettx", "uuids", "imageage"):
        section = page.locator(f"section.nms-category#{category}")
        assert section.locator("tr.nodata").inner_text().startswith("no data")
    assert page.locator("section#diskspace tr.nodata").count() == 0
    shot(page, "nms-host-every-category")
