"""The monitoring pages: who may see and change them, and queries that do not grow with the
number of hosts, readings, acknowledgements and maintenance windows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from nms.ingest import ingest_report
from nms.models import Acknowledgement, Host, MaintenanceWindow
from testing import nms as factories
from testing.views import PageTestCase, assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def add_hosts(first: int, count: int) -> None:
    """count monitored servers, each with readings in three categories, one of them
    acknowledged, and a maintenance window under way, one to come and one ended."""
    now = timezone.now()
    for n in range(first, first + count):
        name = f"node{n}"
        factories.host(name, domain="math.example.edu")
        ingest_report(
            name,
            {
                "loadaverage": [{"item": "", "value": "2.5"}],
                "diskspace": [{"item": "/", "value": "96.0"}, {"item": "/var", "value": "50"}],
                "mdstat": [{"item": "/dev/md0", "value": "degraded"}],
            },
        )
        Acknowledgement.objects.create(
            host=Host.objects.get(name=name), comment="ordered", user="ann", created=now,
            expires=now + timedelta(hours=1), category="mdstat", item="/dev/md0",
        )  # fmt: skip
        for start, end in ((-1, 1), (2, 3), (-3, -2)):
            MaintenanceWindow.objects.create(
                host=name, start=now + timedelta(hours=start), end=now + timedelta(hours=end),
                comment="work", user="ann",
            )  # fmt: skip


@pytest.fixture
def page_data(db):
    factories.demo_levels()
    factories.monitoring_settings(hold_reports="1")
    add_hosts(0, 2)


class TestOverview(PageTestCase):
    url = "/nms/"
    contains = ['data-host="node0"']
    max_queries = 13  # one of them reads the BackupTable (backups' overdue directories)


class TestHostPage(PageTestCase):
    url = "/nms/host/node0/"
    contains = ['data-metric="diskspace /"', "acknowledged by ann"]
    form = {"metric": "diskspace\t/", "comment": "disk ordered", "hours": "4"}
    post_url = "/nms/host/node0/acknowledge/"
    max_queries = 14
    post_status = {"viewer": 403, "editor": 302}


class TestMaintenance(PageTestCase):
    url = "/nms/maintenance/"
    contains = ["Under way", "node1"]
    form = {"host": "node0", "domain": "", "start": "", "end": "", "comment": "x"}
    post_status = {"viewer": 403, "editor": 200}  # 200: the form again, with its errors
    max_queries = 9


def test_monitoring_pages_queries_do_not_grow_with_the_hosts(page_data, admin):
    pages = ["/nms/", "/nms/host/node0/", "/nms/maintenance/"]
    assert_queries_do_not_grow(admin, pages, lambda: add_hosts(2, 8))
