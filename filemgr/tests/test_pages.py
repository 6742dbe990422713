"""The File webtool's pages: who may see them, and queries that do not grow with the campus."""

import pytest

from testing import hosts
from testing.views import PageTestCase, assert_queries_do_not_grow

MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>"
PAGES = ["/files/", "/files/motd/", "/files/motd/default_server/"]


def add_campus(first: int, count: int) -> None:
    """count servers and clients, and a managed file each with two instances."""
    for n in range(first, first + count):
        hosts.host("server", f"srv{n}", room=f"EN{n}", dept="cs", site="mun")
        hosts.host("client", f"ws{n}", server=f"srv{n}", dept="cs")
        hosts.managed_file(
            f"file{n}", f"/etc/file{n}", {"default": ("x", False), "cs@dept": ("y", False)}
        )


@pytest.fixture
def campus(db, settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.managed_file("motd", "/etc/motd", {"default_server": (MOTD, True)})
    add_campus(0, 2)


@pytest.fixture
def page_data(campus):
    return None


class TestFileList(PageTestCase):
    url = "/files/"
    contains = ["<code>/etc/motd</code>", 'href="/files/motd/"']
    max_queries = 6


class TestInstancePage(PageTestCase):
    url = "/files/motd/default_server/"
    contains = ["welcome to"]
    form = {"content": "x", "message": "m", "commit": "1"}
    post_status = {"viewer": 403, "editor": 403}
    max_queries = 12


class TestFilePage(PageTestCase):
    url = "/files/motd/"
    contains = ["default_server"]
    form = {"audience": "group", "subject": "labs", "scope": "server", "members": "srv0"}
    post_status = {"viewer": 403, "editor": 403, "admin": 302}
    max_queries = 10


def test_file_pages_queries_do_not_grow_with_the_campus(campus, admin):
    assert_queries_do_not_grow(admin, PAGES, lambda: add_campus(2, 6))
