"""The overview and host pages as a signed-in user sees them, and their query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nms.ingest import ingest_report
from nms.models import Acknowledgement, MaintenanceWindow
from testing import nms as factories
from testing.clients import signed_in

pytestmark = pytest.mark.django_db
# The overview's queries do not grow with the number of hosts (no N+1).
OVERVIEW_QUERIES = 13  # one reads the BackupTable (backups: overdue directories)
HOST_PAGE_QUERIES = 14


def report(host, now=None, **categories):
    ingest_report(
        host,
        {c: [{"item": i, "value": v} for i, v in items.items()] for c, items in categories.items()},
        now=now,
    )


@pytest.fixture
def campus(db):
    factories.demo_levels()
    factories.monitoring_settings(hold_reports="1")
    factories.host("guernsey", domain="math.example.edu")
    factories.host("jersey", domain="math.example.edu")
    factories.host("odie", domain="cs.example.edu")
    factories.host("hogwarts", kind="client", domain="cs.example.edu")
    factories.host("rook", kind="client", domain="cs.example.edu")
    report(
        "guernsey", loadaverage={"": "0.3"}, mdstat={"/dev/md0": "degraded", "/dev/md1": "active"}
    )
    report("jersey", loadaverage={"": "2.0"})
    report("odie", loadaverage={"": "0.1"}, diskspace={"/": "50.0"})
    report("hogwarts", now=timezone.now() - timedelta(hours=1), loadaverage={"": "0.1"})


def tiles(page: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-host="([^"]+)" data-state="([^"]+)"', page))


def test_overview_colours_each_host_by_its_worst_state(campus, viewer):
    page = viewer.get("/nms/").content.decode()
    assert tiles(page) == {
        "guernsey": "critical",
        "jersey": "warning",
        "odie": "ok",
        "hogwarts": "critical",  # silent for an hour
        "rook": "nodata",
    }
    assert 'data-testid="problem-count">3<' in page
    assert 'hx-trigger="every 60s"' in page


def test_overview_filters_by_kind_and_domain(campus, viewer):
    assert set(tiles(viewer.get("/nms/?kind=client").content.decode())) == {"hogwarts", "rook"}
    page = viewer.get("/nms/?domain=math.example.edu").content.decode()
    assert set(tiles(page)) == {"guernsey", "jersey"}
    assert '<option value="math.example.edu" selected>' in page


def test_overview_refreshes_its_body_only(campus, viewer):
    page = viewer.get("/nms/?refresh=5", HTTP_HX_REQUEST="true").content.decode()
    assert page.lstrip().startswith('<div id="nms-overview"')
    assert 'hx-trigger="every 5s"' in page


def test_overview_marks_acknowledged_and_maintenance(campus, viewer):
    now = timezone.now()
    guernsey = campus_host("guernsey")
    Acknowledgement.objects.create(
        host=guernsey,
        comment="disk ordered",
        user="ann",
        created=now,
        expires=now + timedelta(hours=1),
    )
    MaintenanceWindow.objects.create(
        domain="cs.example.edu", start=now - timedelta(minutes=1), end=now + timedelta(hours=1),
        comment="power work", user="ann",
    )  # fmt: skip
    page = viewer.get("/nms/").content.decode()
    assert 'class="critical acked"' in page
    assert 'class="ok maint"' in page
    assert 'data-testid="problem-count">2<' in page


def campus_host(name):
    from nms.models import Host

    return Host.objects.get(name=name)


def test_overview_queries_do_not_grow_with_hosts(campus, viewer):
    with CaptureQueriesContext(connection) as few:
        viewer.get("/nms/")
    for n in range(30):
        factories.host(f"node{n}", domain="math.example.edu")
        report(f"node{n}", loadaverage={"": "2.5"}, diskspace={"/": "96.0"})
    with CaptureQueriesContext(connection) as many:
        viewer.get("/nms/")
    assert len(few) == len(many) <= OVERVIEW_QUERIES


def test_host_page_shows_each_category_value_level_since_and_graphs(campus, viewer):
    start = timezone.now() - timedelta(days=3)
    for hour, used in enumerate(range(60, 90, 5)):
        report("odie", now=start + timedelta(hours=hour * 10), diskspace={"/": f"{used}.0"})
    report("odie", loadaverage={"": "0.1"}, diskspace={"/": "88.0"}, daemon={"sshd": "stopped"})
    with CaptureQueriesContext(connection) as queries:
        page = viewer.get("/nms/host/odie/?hours=168").content.decode()
    assert len(queries) <= HOST_PAGE_QUERIES, "\n".join(q["sql"][:100] for q in queries)
    assert 'data-metric="diskspace /"' in page and "88.0%" in page
    assert "warning &gt; 85, critical &gt; 95 (percent)" in page
    assert page.count('<svg class="history"') == 2  # load and disk
    assert page.count('<svg class="timeline"') == 1  # the daemon
    assert "full in about" in page
    assert '<span class="badge critical">Critical</span>' in page


def test_host_page_of_a_host_without_reports_and_an_unknown_host(campus, viewer):
    assert "No report from rook yet" in viewer.get("/nms/host/rook/").content.decode()
    assert viewer.get("/nms/host/nosuch/").status_code == 404


def test_an_editor_acknowledges_a_problem_a_viewer_cannot(campus, viewer):
    form = {"metric": "mdstat\t/dev/md0", "comment": "disk ordered", "hours": "4"}
    assert viewer.post("/nms/host/guernsey/acknowledge/", form).status_code == 403
    client = signed_in("editor", "ann")
    assert client.post("/nms/host/guernsey/acknowledge/", form).status_code == 302
    ack = Acknowledgement.objects.get()
    assert (ack.category, ack.item, ack.user, ack.comment) == (
        "mdstat",
        "/dev/md0",
        "ann",
        "disk ordered",
    )
    assert timedelta(hours=3, minutes=59) < ack.expires - timezone.now() <= timedelta(hours=4)
    page = client.get("/nms/host/guernsey/").content.decode()
    assert "acknowledged by ann" in page
    client.post(f"/nms/acknowledgement/{ack.pk}/end/")
    assert "acknowledged by ann" not in client.get("/nms/host/guernsey/").content.decode()


def test_an_editor_schedules_maintenance_of_a_domain(campus, editor):
    now = timezone.localtime()
    form = {
        "host": "",
        "domain": "math.example.edu",
        "start": now.strftime("%Y-%m-%dT%H:%M"),
        "end": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "comment": "UPS replacement",
    }
    assert editor.post("/nms/maintenance/", form).status_code == 302
    assert MaintenanceWindow.objects.get().domain == "math.example.edu"
    page = editor.get("/nms/maintenance/").content.decode()
    assert "UPS replacement" in page
    bad = editor.post("/nms/maintenance/", {**form, "host": "guernsey"}).content.decode()
    assert "one host or one domain" in bad


def test_collect_now_asks_the_agent(campus, editor, monkeypatch):
    asked = []
    monkeypatch.setattr("nms.views.request_collection", lambda host: asked.append(host) or True)
    answer = editor.post("/nms/host/odie/collect/", follow=True)
    assert asked == ["odie"]
    assert "Asked odie&#x27;s agent to collect now." in answer.content.decode()


def test_overview_is_sent_compressed(campus, viewer):
    import gzip

    answer = viewer.get("/nms/", HTTP_ACCEPT_ENCODING="gzip")
    assert answer["Content-Encoding"] == "gzip"
    page = gzip.decompress(answer.content).decode()
    assert '<a href="/nms/host/guernsey/" class="critical" data-host="guernsey"' in page
    assert "<small>server · math.example.edu</small><i>1 problem</i>" in page
