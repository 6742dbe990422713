"""The Rsync Info Editor's pages: who sees and changes what, what they show, query budgets."""

import pytest

from entities.models import Entity
from imaging.rsync_config import configuration
from testing import factories, hosts
from testing.clients import signed_in
from testing.views import PageTestCase, assert_queries_do_not_grow

from .conftest import PROD_IMAGE, TEST_IMAGE, rsync_row

EDIT = {"viewer": 403, "editor": 302, "admin": 302}


@pytest.fixture
def page_data(guide_example):
    return {"test": TEST_IMAGE, "prod": PROD_IMAGE}


class TestChoose(PageTestCase):
    url = "/imaging/rsync/"
    contains = ["Rsync Info Editor", TEST_IMAGE, "scout"]
    max_queries = 8


class TestTree(PageTestCase):
    url = "/imaging/rsync/image/{test}/?to={prod}"
    contains = ['value="scout:1"', 'value="ratchet|/mnt/dbgen32/diskless"']
    form = {"to": PROD_IMAGE, "move": ["scout:1"], "parent": "ratchet|/mnt/dbgen32/diskless"}
    post_status = EDIT
    max_queries = 8


class TestDates(PageTestCase):
    url = "/imaging/rsync/image/{prod}/dates/"
    contains = ['class="rs-host rs-off"', "2013-06-09 02:00:15"]
    form = {"server": "odie", "row": "1", "sync": "yes"}
    post_status = EDIT
    max_queries = 8


class TestServer(PageTestCase):
    url = "/imaging/rsync/server/scout/"
    contains = ["ratchet:/mnt/dbgen32test/diskless ← crank:/mnt/dbgen32test/diskless"]
    max_queries = 8


def test_a_refused_move_shows_why_and_changes_nothing(guide_example):
    editor = signed_in("editor")
    answer = editor.post(
        f"/imaging/rsync/image/{TEST_IMAGE}/",
        {"to": TEST_IMAGE, "move": ["ratchet:2"], "parent": "scout|/diskless"},
        follow=True,
    )
    assert "would make a cycle" in answer.content.decode()
    assert {r.server: r.host for r in configuration().rows}["scout"] == "ratchet"


def test_an_unknown_image_is_a_404(guide_example):
    assert signed_in("viewer").get("/imaging/rsync/image/nothing/").status_code == 404


def test_the_pages_query_counts_do_not_grow_with_servers(guide_example):
    server = hosts.host_type("server")

    def grow():
        for i in range(20):
            factories.entity(
                server,
                f"leaf{i}",
                tables={"Rsync": [rsync_row("ratchet", "/mnt/dbgen32/diskless", "/diskless")]},
            )

    urls = [
        "/imaging/rsync/",
        f"/imaging/rsync/image/{PROD_IMAGE}/?to={TEST_IMAGE}",
        f"/imaging/rsync/image/{PROD_IMAGE}/dates/",
        "/imaging/rsync/server/leaf0/",
    ]
    assert_queries_do_not_grow(signed_in("viewer"), urls, grow)
    assert Entity.objects.filter(name="leaf19").exists()
