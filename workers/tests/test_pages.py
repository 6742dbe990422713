"""The agent pages: every role reads them, and their queries do not grow with the hosts and
their reports."""

import uuid

import pytest

from testing.views import PageTestCase, assert_queries_do_not_grow
from workers.models import AgentHost
from workers.services import do_make_host_token, do_record_report


def add_agents(first: int, count: int, reports: int = 3) -> None:
    for n in range(first, first + count):
        do_make_host_token(f"host{n}")
        add_reports(f"host{n}", reports)


def add_reports(name: str, reports: int) -> None:
    host = AgentHost.objects.get(name=name)
    for seq in range(1, reports + 1):
        do_record_report(
            host,
            {
                "id": str(uuid.uuid4()),
                "kind": "sync",
                "seq": seq,
                "files_written": 1,
                "files_changed": [{"path": "/etc/motd", "file": "motd"}],
                "errors": [{"message": "disk full"}],
            },
        )


@pytest.fixture
def page_data(db):
    add_agents(0, 2)


class TestAgentList(PageTestCase):
    url = "/agents/"
    # A pass's errors stand out as a badge.
    contains = [
        'href="/agents/host0/"',
        "Change feed: 1 written",
        '<span class="badge bad">1 error</span>',
    ]
    max_queries = 8


class TestAgentPage(PageTestCase):
    url = "/agents/host0/"
    contains = ["Change feed #3", "<code>/etc/motd</code>", "disk full"]
    max_queries = 8


def test_agent_pages_queries_do_not_grow_with_hosts_and_reports(page_data, viewer):
    pages = ["/agents/", "/agents/host0/"]

    def grow() -> None:
        add_agents(2, 8, reports=12)
        add_reports("host0", 12)

    assert_queries_do_not_grow(viewer, pages, grow)
