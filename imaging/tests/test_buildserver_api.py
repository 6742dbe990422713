"""buildserver through the API: a server's own agent token writes only that server's UUID and
size columns (and rs_date, ssh_key), and keeps the run's log; nothing else can be written."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from entities.models import Change, Entity
from entities.reading import entity_contents
from imaging.models import BuildReport
from testing import hosts
from workers.services import do_make_host_token

from .test_buildserver_planning import gasket

pytestmark = pytest.mark.django_db
UUID = "b6fbcac0-caad-5e93-b089-af135954adc8"


@pytest.fixture
def servers():
    hosts.host("server", "jon")
    hosts.host("server", "gasket", tables=gasket())


def client_of(host: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token(host)}")
    return client


def tables(name="gasket"):
    return entity_contents(Entity.objects.get(name=name)).tables


def post_tables(client, server, tables):
    return client.post(
        f"/api/v1/imaging/buildserver/{server}/tables/", {"tables": tables}, format="json"
    )


def test_the_servers_token_writes_what_the_build_made(servers):
    answer = post_tables(
        client_of("gasket"),
        "gasket",
        {"fstab": {"1": {"fst_uuid": UUID, "fst_size": "42949672960"}, "2": {"fst_dev": "UUID="}},
         "Rsync": {"1": {"rs_date": "2024-05-01 10:00:00"}}},
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    rows = tables()
    assert rows["fstab"][0]["fst_uuid"] == UUID
    assert rows["fstab"][1]["fst_dev"] == "UUID="
    assert rows["Rsync"][0]["rs_date"] == "2024-05-01 10:00:00"


@pytest.mark.parametrize(
    "who, server, changes, status",
    [
        ("jon", "gasket", {"fstab": {"1": {"fst_uuid": UUID}}}, 403),  # another server's token
        ("gasket", "jon", {"fstab": {"1": {"fst_uuid": UUID}}}, 403),  # another server's rows
        ("gasket", "gasket", {"fstab": {"1": {"fst_mntpt": "/srv"}}}, 400),
        ("gasket", "gasket", {"fstab": {"1": {"fst_dev": "/dev/sdz1"}}}, 400),
        ("gasket", "gasket", {"Rsync": {"1": {"rs_host": "evil"}}}, 400),
        ("gasket", "gasket", {"BackupTable": {"1": {"bk_date": "none"}}}, 400),
        ("gasket", "gasket", {"fstab": {"99": {"fst_uuid": UUID}}}, 400),
        ("gasket", "gasket", {"fstab": {"x": {"fst_uuid": UUID}}}, 400),
        ("gasket", "gasket", {"fstab": {"1": {"fst_uuid": "x" * 5000}}}, 400),
    ],
)
def test_nothing_else_can_be_written(servers, who, server, changes, status):
    before, changes_before = tables(server), Change.objects.count()
    answer = post_tables(client_of(who), server, changes)
    assert answer.status_code == status, answer.content
    assert tables(server) == before and Change.objects.count() == changes_before


def test_a_user_is_no_server(servers, editor):
    answer = editor.post(
        "/api/v1/imaging/buildserver/gasket/tables/",
        {"tables": {"fstab": {"1": {"fst_uuid": UUID}}}},
        content_type="application/json",
    )
    assert answer.status_code == 403


def test_a_run_keeps_its_log(servers):
    client = client_of("gasket")
    answer = client.post(
        "/api/v1/imaging/buildserver/gasket/reports/",
        {"status": 0, "log": "Build finished\n"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    report = BuildReport.objects.get()
    assert (report.server, report.status, report.log) == ("gasket", 0, "Build finished\n")
    too_long = client.post(
        "/api/v1/imaging/buildserver/gasket/reports/",
        {"status": 0, "log": "x" * ((1 << 20) + 1)},
        format="json",
    )
    assert too_long.status_code == 400 and BuildReport.objects.count() == 1
