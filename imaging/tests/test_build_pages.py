"""The web tool's buildserver reports: every role reads them; their query budget."""

import pytest

from imaging.build_records import do_keep_build_report
from testing import hosts
from testing.clients import signed_in
from testing.views import PageTestCase, assert_queries_do_not_grow


@pytest.fixture
def page_data(db):
    hosts.host("server", "gasket")
    report = do_keep_build_report(
        "gasket", 1, "Loading Sysconfig database information\nFAILED, rsync exited 23\n", "tests"
    )
    do_keep_build_report("gasket", 0, "Build finished\n", "manage.py buildserver")
    return {"pk": report.pk}


class TestBuilds(PageTestCase):
    url = "/imaging/builds/"
    contains = ["Server builds", "gasket", "stopped, exit 1", "built", "manage.py buildserver"]
    max_queries = 6


class TestBuildReport(PageTestCase):
    url = "/imaging/builds/{pk}/"
    contains = ["buildserver gasket", "Stopped, exit status 1.", "FAILED, rsync exited 23"]
    max_queries = 6


def test_the_list_does_not_grow_with_runs(page_data):
    def grow():
        for i in range(20):
            hosts.host("server", f"new{i}")
            do_keep_build_report(f"new{i}", 0, "Build finished\n", "tests")

    assert_queries_do_not_grow(signed_in("viewer"), ["/imaging/builds/"], grow)
