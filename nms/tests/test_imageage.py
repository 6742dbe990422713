"""A server's image copies more than a day old show as a warning in the overview: the agent's
imageage collector reads the host's Rsync rows from its mirror, the levels make the rest."""

from __future__ import annotations

from datetime import datetime

import pytest

from entities import services
from entities.exporting import export_mirror
from filemgr.templating import MirrorSource
from nms.host.agent import host_config
from nms.host.collectors import HostConfig, ImageCopy, Reading, System, imageage
from nms.ingest import ingest_report
from testing import factories as base
from testing import nms as factories

NOW = datetime(2013, 6, 10, 12, 0, 0)
RSYNC = ("rs_host", "rs_src", "rs_dst", "rs_sync", "rs_date")


def at(when: datetime) -> System:
    return System(clock=when.timestamp)


def row(dst: str, sync: str, date: str) -> dict[str, str]:
    values = ("ratchet", "/mnt/dbgen32/diskless", dst, sync, date)
    return dict(zip(RSYNC, values, strict=True))


def test_each_synced_copy_reports_its_age_in_hours_and_never_before_its_first_sync():
    host = HostConfig(
        "scout",
        images=[
            ImageCopy("/diskless", "ratchet:/mnt/a", True, "2013-06-09 02:00:15"),
            ImageCopy("/diskless2", "ratchet:/mnt/b", True, "none"),
            ImageCopy("/off", "ratchet:/mnt/c", False, "2001-01-01 00:00:00"),
            ImageCopy("/future", "ratchet:/mnt/d", True, "2013-06-10 13:00:00"),
        ],
    )
    assert imageage.collect(host, at(NOW)) == [
        Reading("/diskless", "34.0", "synced 2013-06-09 02:00:15 from ratchet:/mnt/a"),
        Reading("/diskless2", "never", "never synced, from ratchet:/mnt/b"),
        Reading("/future", "0.0", "synced 2013-06-10 13:00:00 from ratchet:/mnt/d"),
    ]


@pytest.mark.django_db
def test_a_server_whose_image_is_more_than_a_day_old_is_a_warning_in_the_overview(tmp_path, viewer):
    factories.levels("imageage", "equal", ["24..", "never"], units="hours")
    factories.monitoring_settings(hold_reports="1")
    for name, date in (("scout", "2013-06-09 02:00:15"), ("keeper", "2013-06-10 02:00:15")):
        server = factories.host(name)
        base.entity_type("server", **{c: {"table": "Rsync"} for c in RSYNC})
        services.do_set_values(
            server,
            tables={"Rsync": [row("/diskless", "yes", date), row("/old", "no", "none")]},
            user="tests",
        )
    export_mirror(tmp_path)
    for name in ("scout", "keeper"):
        config = host_config(MirrorSource(tmp_path), name)
        readings = [r.as_json() for r in imageage.collect(config, at(NOW))]
        ingest_report(name, {"imageage": readings})
    page = viewer.get("/nms/").content.decode()
    assert 'data-host="scout" data-state="warning"' in page
    assert 'data-host="keeper" data-state="ok"' in page
    host_page = viewer.get("/nms/host/scout/").content.decode()
    assert "synced 2013-06-09 02:00:15 from ratchet:/mnt/dbgen32/diskless" in host_page
    assert "/old" not in host_page
