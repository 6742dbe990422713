"""WIMPng's pages: who gets them, what they show, and query budgets that do not grow with
sessions, clients or the session's record."""

from __future__ import annotations

import pytest

from testing import hosts
from testing.views import PageTestCase, assert_queries_do_not_grow
from wimp import services, sessions

from .conftest import PASSWORD

ADMIN_ONLY = {"viewer": 403, "editor": 403, "admin": 200}


@pytest.fixture
def page_data(guide_campus, broker):
    services.do_new_install("megatron", "bunting", "cs_lab2", "50G", "2G", user="wimpadmin")
    return {"image": "cs_lab2"}


class TestHome(PageTestCase):
    url = "/wimp/"
    status = ADMIN_ONLY
    contains = ["New Managed Install", "Delete Managed Image", "Windows XP Imaging", "cs_lab2"]
    max_queries = 8


class TestNewInstall(PageTestCase):
    url = "/wimp/new/new/?server=megatron"
    status = ADMIN_ONLY
    contains = ["bunting (intel_hd)", "Image name", "COW size"]
    form = {"client": "heron", "image": "cs_lab2", "image_size": "50G", "cow_size": "2G"}
    post_status = {"viewer": 403, "editor": 403, "admin": 200}  # refused: cs_lab2 exists
    max_queries = 10


class TestSession(PageTestCase):
    url = "/wimp/session/{image}/"
    status = ADMIN_ONLY
    contains = [
        "New Managed Install: cs_lab2",
        "windowsImage cs_lab2 created (50G)",
        "its direct target: <strong>queued</strong>",
    ]
    max_queries = 12


class TestAbandon(PageTestCase):
    url = "/wimp/session/{image}/abandon/"
    status = ADMIN_ONLY
    contains = ["Abandon the session of cs_lab2?"]
    form = {}
    post_status = {"viewer": 403, "editor": 403, "admin": 302}
    max_queries = 8


def test_a_refused_start_shows_the_reason_beside_the_form(admin, page_data):
    answer = admin.post(
        "/wimp/new/new/?server=megatron",
        {"client": "heron", "image": "cs_lab2", "image_size": "50G", "cow_size": "2G"},
    )
    assert "image cs_lab2 exists: choose another name, or Update it" in answer.content.decode()


def test_abandon_after_confirmation_leaves_the_home_page_without_it(admin, page_data):
    assert "cs_lab2" in admin.get("/wimp/session/cs_lab2/abandon/").content.decode()
    assert sessions.find("cs_lab2") is not None  # a GET is only the confirmation
    admin.post("/wimp/session/cs_lab2/abandon/")
    assert sessions.find("cs_lab2") is None
    assert 'data-session="cs_lab2"' not in admin.get("/wimp/").content.decode()


def test_the_pages_query_counts_do_not_grow(admin, page_data):
    n = iter(range(100))

    def grow():
        for _ in range(2):
            i = next(n)
            hosts.host("client", f"c{i}", server="megatron", appserver="megatron",
                       iscsi_password=PASSWORD, graphics_card="intel_hd")  # fmt: skip
            services.do_new_install("megatron", f"c{i}", f"img{i}", "1G", "1G", user="wimpadmin")
            sessions.do_set_stage(sessions.get("cs_lab2"), "start", user="tests")

    pages = ["/wimp/", "/wimp/new/new/?server=megatron", "/wimp/session/cs_lab2/"]
    assert_queries_do_not_grow(admin, pages, grow)
