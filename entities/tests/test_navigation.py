"""Finding one's way as in NetBox: the quick search of the top bar, a list per entity type,
the type in an entity's breadcrumb, the change log's filters and "my recent changes", and
Table Search from the Entity Search page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from entities.models import Change
from testing import factories
from testing.clients import signed_in
from testing.views import PageTestCase, assert_queries_do_not_grow


@pytest.fixture
def page_data(standalone):
    factories.entity(
        standalone,
        "discovery",
        domain="cs.example.edu",
        ip_address="192.0.2.10",
        room="EN1018",
        iscsi_password="hunter2-secret",
        tables={"CNAMES": [{"cn_name": "mail", "cn_domain": "cs.example.edu"}]},
    )
    factories.entity(standalone, "bumper", domain="cs.example.edu", ip_address="192.0.2.11")


def add_standalones(first: int, count: int) -> None:
    standalone = factories.standalone_type()
    for n in range(first, first + count):
        factories.entity(
            standalone, f"disco{n}", domain="cs.example.edu", ip_address=f"192.0.2.{20 + n}"
        )


class TestQuickSearch(PageTestCase):
    url = "/find/?q=disco"
    contains = ['href="/entity/standalone/discovery/"', "standalone", "1 match"]
    max_queries = 8  # signing in's 5, the counts by type, the page, the matched values


class TestTypeEntityList(PageTestCase):
    url = "/types/standalone/?sort=-name"
    contains = ['href="/entity/standalone/discovery/"', "192.0.2.10", '<a href="?sort=name">']
    max_queries = 8  # signing in's 5, the type, its shown variables, the page


class TestEntitySearchOffersTableSearch(PageTestCase):
    url = "/search/"
    contains = ['href="/search/standalone/table/CNAMES/"']
    max_queries = 8


class TestFilteredChangeLog(PageTestCase):
    url = "/changes/?type=standalone&entity=disco*&since=2000-01-01"
    contains = ['href="/entity/standalone/discovery/"']
    max_queries = 7


def test_navigation_pages_queries_do_not_grow_with_the_entities(page_data, viewer):
    pages = ["/find/?q=disco", "/find/?q=192.0.2", "/types/standalone/", "/search/"]
    assert_queries_do_not_grow(viewer, pages, lambda: add_standalones(0, 12))


def test_quick_search_finds_entities_by_name_and_by_value_grouped_by_type(page_data, viewer):
    page = viewer.get("/find/?q=EN1018").content.decode()
    assert 'href="/entity/standalone/discovery/"' in page and "room" in page
    assert "bumper" not in page
    page = viewer.get("/find/?q=cs.example").content.decode()
    # The domain entity matches by its name, the standalones by their domain value.
    assert page.index("<h2>domain") < page.index("<h2>standalone")
    assert "/entity/domain/cs.example.edu/" in page and "/entity/standalone/bumper/" in page


def test_quick_search_never_matches_a_secret_for_those_who_may_not_see_it(page_data):
    for role in ("viewer", "editor"):
        page = signed_in(role).get("/find/?q=hunter2").content.decode()
        assert "discovery" not in page and "hunter2-secret" not in page and "No match" in page
    page = signed_in("admin").get("/find/?q=hunter2").content.decode()
    assert 'href="/entity/standalone/discovery/"' in page and "hunter2-secret" in page


def test_quick_search_pages_its_matches(page_data, viewer, monkeypatch):
    monkeypatch.setattr("entities.views.quick_search.PAGE_SIZE", 2)
    add_standalones(0, 3)
    first = viewer.get("/find/?q=disco").content.decode()
    assert "4 matches" in first and "/entity/standalone/disco0/" in first
    assert "/entity/standalone/disco2/" not in first and "q=disco&amp;page=2" in first
    second = viewer.get("/find/?q=disco&page=2").content.decode()
    assert "/entity/standalone/disco2/" in second and "/entity/standalone/disco0/" not in second


def test_quick_search_refuses_a_query_too_long_and_asks_for_one_when_empty(page_data, viewer):
    answer = viewer.get("/find/?q=" + "x" * 201)
    assert answer.status_code == 400
    assert "at most 200 characters" in answer.content.decode()
    assert "Type a name or a value" in viewer.get("/find/?q=++").content.decode()


def test_the_top_bar_has_the_quick_search(page_data, viewer):
    page = viewer.get("/").content.decode()
    assert 'action="/find/"' in page and 'name="q"' in page


def test_the_types_page_links_each_count_to_the_list_of_that_type(page_data, admin):
    page = admin.get("/types/").content.decode()
    assert '<a href="/types/standalone/">2</a>' in page


def test_the_type_list_pages_sorts_and_hides_secrets(page_data, viewer, monkeypatch):
    monkeypatch.setattr("core.tables.PAGING", {"per_page": 1})
    page = viewer.get("/types/standalone/?sort=-name").content.decode()
    assert "/entity/standalone/discovery/" in page and "/entity/standalone/bumper/" not in page
    assert "iscsi_password" not in page and "hunter2" not in page
    assert viewer.get("/types/nothing/").status_code == 404


def test_an_entity_breadcrumb_links_its_type(page_data, viewer):
    page = viewer.get("/entity/standalone/discovery/").content.decode()
    assert '› <a href="/types/standalone/">standalone</a>' in page


def test_the_change_log_filters_by_user_type_entity_and_dates(page_data):
    ann = signed_in("editor", "ann")
    ann.post("/entity/standalone/bumper/modify/", {"seq": latest_seq(), "v-room": "EN2036"})
    assert Change.objects.filter(user="ann").exists()
    page = ann.get("/changes/?user=ann").content.decode()
    assert "EN2036" in page and "192.0.2.10" not in page
    page = ann.get("/changes/?type=domain").content.decode()
    assert "/entity/domain/cs.example.edu/" in page and "/entity/standalone/" not in page
    page = ann.get("/changes/?entity=bump*").content.decode()
    assert "/entity/standalone/bumper/" in page and "/entity/standalone/discovery/" not in page
    # The day ann's change was stamped, not today asked again: midnight may pass in between.
    day = timezone.localdate(Change.objects.filter(user="ann").latest("seq").timestamp)
    page = ann.get(f"/changes/?since={day + timedelta(days=1)}").content.decode()
    assert "No changes." in page
    page = ann.get(f"/changes/?since={day}&until={day}").content.decode()
    assert "/entity/standalone/bumper/" in page


def test_the_change_log_says_which_filter_is_wrong_and_keeps_filters_across_pages(
    page_data, viewer, monkeypatch
):
    answer = viewer.get("/changes/?since=yesterday")
    assert answer.status_code == 400 and "Enter a valid date." in answer.content.decode()
    monkeypatch.setattr("entities.views.history.PAGE_SIZE", 2)
    page = viewer.get("/changes/?type=standalone").content.decode()
    assert "?type=standalone&amp;page=2" in page


def test_my_recent_changes_are_a_click_away(page_data):
    ann = signed_in("editor", "ann")
    for url in ("/", "/changes/"):
        assert 'href="/changes/?user=ann">My recent changes</a>' in ann.get(url).content.decode()


def latest_seq() -> str:
    return str(Change.objects.order_by("-seq").values_list("seq", flat=True).first())
