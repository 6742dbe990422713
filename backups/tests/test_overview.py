"""A directory without a good backup for more than a day is a warning in the NMS overview."""

import pytest
from django.utils import timezone

from nms.ingest import ingest_report
from nms.overview import overview
from testing import hosts

from .campus import row

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> str:
    return (timezone.localdate() - timezone.timedelta(days=days)).isoformat()


def test_an_overdue_or_never_backed_up_directory_warns_on_its_server(admin):
    hosts.host("server", "bumper")
    hosts.host(
        "server",
        "carme",
        tables={
            "BackupTable": [
                row("/users/fs1", bk_date=days_ago(1)),
                row("/users/fs2", bk_date=days_ago(2)),
                row("/var"),
                row("/scratch", bk_on="off"),
            ]
        },
    )
    hosts.host("server", "crank", tables={"BackupTable": [row("/etc", bk_date=days_ago(0))]})
    ingest_report("carme", {"mdstat": [{"item": "/dev/md0", "value": "active"}]})
    tiles = {t.name: t for t in overview().tiles}
    assert [str(p) for p in tiles["carme"].problems] == [
        "backup /users/fs2: warning",
        "backup /var: warning",
    ]
    assert tiles["crank"].problems == []
    assert tiles["carme"].state == "warning"
    assert "backup /users/fs2: warning" in admin.get("/nms/").content.decode()
