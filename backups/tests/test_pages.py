"""The backup status pages and Retrieve Backup Files: every role reads the status, colours
by age, and no page's queries grow with the servers, rows or dates."""

from __future__ import annotations

import pytest
from django.utils import timezone

from backups import services
from testing import hosts
from testing.clients import signed_in
from testing.views import PageTestCase, assert_queries_do_not_grow

from .campus import row
from .restores import DATES, backups_on_disk


def today(days_ago: int = 0) -> str:
    return (timezone.localdate() - timezone.timedelta(days=days_ago)).isoformat()


def add_servers(first: int, count: int) -> None:
    for n in range(first, first + count):
        rows = [row(f"/users/fs{n}", bk_date=today()), row(f"/var{n}", bk_date=today(3))]
        hosts.host("server", f"files{n}", tables={"BackupTable": rows})
        services.do_record_backup_report(
            "bumper",
            [
                {
                    "source": f"files{n}",
                    "directory": f"/users/fs{n}",
                    "date": today(),
                    "ok": False,
                    "exit_code": 23,
                    "message": "partial transfer",
                    "files": 1,
                    "bytes": 2048,
                    "seconds": 1.0,
                    "differences": [],
                }
            ],
            [
                {
                    "mount": f"/backup{n}",
                    "total": 10**9,
                    "used": 9 * 10**8,
                    "free": 10**8,
                    "holds": [{"directory": f"/backup{n}/users/x", "dates": DATES}],
                }
            ],
        )


@pytest.fixture
def page_data(db):
    hosts.host("server", "bumper")
    hosts.host(
        "server",
        "carme",
        tables={
            "BackupTable": [
                row("/users/labnet2/fs1", bk_date=today()),
                row("/var", bk_date=today(2)),
                row("/scratch", bk_on="off"),
            ]
        },
    )
    add_servers(0, 2)


class TestStatus(PageTestCase):
    url = "/backups/"
    contains = ["carme", "files0", '<span class="badge warning">warning</span>', "/backup1"]
    max_queries = 8


class TestServer(PageTestCase):
    url = "/backups/server/carme/"
    contains = ["/users/labnet2/fs1", '<span class="badge ok">ok</span>', "badge off", "bumper"]
    max_queries = 8


class TestFailedRun(PageTestCase):
    url = "/backups/server/files0/"
    contains = ["failed", "partial transfer", "2.0\xa0KB"]
    max_queries = 8


class TestBackupServer(PageTestCase):
    url = "/backups/backup-server/bumper/"
    contains = ["/backup1/users/x", "3 dates", "90.0 %"]
    max_queries = 8


def test_the_status_pages_do_not_grow_with_servers_and_rows(page_data):
    pages = ["/backups/", "/backups/server/files0/", "/backups/backup-server/bumper/"]
    assert_queries_do_not_grow(signed_in("viewer"), pages, lambda: add_servers(2, 3))


def test_the_retrieve_pages_keep_their_budget_as_dates_grow(tmp_path, settings, db):
    backups_on_disk(tmp_path, settings)
    alice = signed_in("viewer", "alice")
    pages = ["/backups/retrieve/", f"/backups/retrieve/{DATES[-1]}/?path=thesis"]
    pages.append("/backups/retrieve/find/?path=thesis/thesis.tex")
    assert_queries_do_not_grow(alice, pages, lambda: add_servers(0, 3))
