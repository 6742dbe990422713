"""The backup status pages and Retrieve Backup Files: every role reads the status, colours
by age, and no page's queries grow with the servers, rows or dates."""

from __future__ import annotations

import pytest
from django.utils import timezone

from backups import services
from backups.backup_now import do_request_backup
from nms.ingest import ingest_report
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
    ingest_report(
        "carme",
        {"diskspace": [{"item": "/users", "value": "42.5", "detail": "/dev/md1, 999.9 GB"}]},
    )
    return {"run": do_request_backup("carme", user="tests").pk}


class TestStatus(PageTestCase):
    url = "/backups/"
    contains = [
        "carme",
        "files0",
        '<span class="badge warning">warning</span>',
        "/backup1",
        '<table class="data">',  # the site's look
    ]
    max_queries = 8


class TestServer(PageTestCase):
    url = "/backups/server/carme/"
    contains = [
        "/users/labnet2/fs1",
        '<span class="badge ok">ok</span>',
        "badge off",
        "bumper",
        # its partitions, as monitoring read them: used, then free
        "42.5 %",
        "57.5 %",
        "/dev/md1, 999.9 GB",
    ]
    max_queries = 9  # 8, and one for its partitions (core.readings)


class TestServerOffersBackUpNow(PageTestCase):
    url = "/backups/server/carme/"
    status = {"editor": 200, "admin": 200}
    contains = ['name="directory" value="/var"', "Back up now</button>"]
    form = {"server": "carme", "directory": "/var"}
    post_url = "/backups/now/"
    post_status = {"viewer": 403, "editor": 302, "admin": 302}
    max_queries = 9


def test_a_viewer_is_offered_no_back_up_now(page_data):
    page = signed_in("viewer").get("/backups/server/carme/").content.decode()
    assert "back up now" not in page.lower()
    page = signed_in("viewer").get("/backups/backup-server/bumper/").content.decode()
    assert "back up now" not in page.lower()


class TestBackUpNowRun(PageTestCase):
    url = "/backups/now/{run}/"
    contains = [
        "Back up now: carme, every directory",
        "Under way: 0 of 2 directories done.",
        'data-directory="/var" data-state="queued"',
    ]
    max_queries = 7


class TestFailedRun(PageTestCase):
    url = "/backups/server/files0/"
    contains = ["failed", "partial transfer", "2.0\xa0KB"]
    max_queries = 9  # the server page, with its partitions


class TestBackupServer(PageTestCase):
    url = "/backups/backup-server/bumper/"
    contains = ["/backup1/users/x", "3 dates", "90.0 %", '<table class="data">']
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
