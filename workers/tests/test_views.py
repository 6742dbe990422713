"""The host agents page: each host's newest pass, in a fixed number of queries however many
hosts and reports there are."""

import uuid

from workers.models import AgentHost, AgentReport
from workers.services import do_make_host_token, do_record_report

REPORTS_PER_HOST = 5


def add_hosts(first: int, count: int) -> None:
    for number in range(first, first + count):
        do_make_host_token(f"host{number}")
        host = AgentHost.objects.get(name=f"host{number}")
        for written in range(1, REPORTS_PER_HOST + 1):
            do_record_report(
                host,
                {"id": str(uuid.uuid4()), "kind": "sync", "seq": written, "files_written": written},
            )


def test_agent_list_shows_each_hosts_newest_pass_in_constant_queries(
    viewer, django_assert_max_num_queries, monkeypatch
):
    loaded = []
    from_db = AgentReport.from_db.__func__
    monkeypatch.setattr(
        AgentReport, "from_db", classmethod(lambda *a: loaded.append(1) or from_db(*a))
    )
    for first, count in ((0, 2), (2, 8)):
        add_hosts(first, count)
        loaded.clear()
        with django_assert_max_num_queries(8):
            page = viewer.get("/agents/").content.decode()
        hosts = first + count
        assert page.count(f"Change feed: {REPORTS_PER_HOST} written") == hosts
        assert len(loaded) == hosts
