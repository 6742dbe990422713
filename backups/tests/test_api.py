"""A backup server's report: its own token only, and only bk_date of rows naming it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backups.models import BackupRun
from entities.models import Entity
from entities.reading import entity_contents
from testing import hosts
from workers.services import do_make_host_token

from .campus import row

pytestmark = pytest.mark.django_db
URL = "/api/v1/backups/{}/report/"


@pytest.fixture
def carme():
    hosts.host("server", "bumper")
    hosts.host("server", "crank")
    return hosts.host(
        "server",
        "carme",
        tables={
            "BackupTable": [
                row("/users/labnet2/fs1", bk_date="2013-06-08"),
                row("/var", bk_server="crank", basedir="/backup1/system"),
            ]
        },
    )


def table(name="carme"):
    entity = Entity.objects.get(entity_type__name="server", name=name)
    return entity_contents(entity).tables["BackupTable"]


def token_client(host: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token(host)}")
    return client


def result(directory="/users/labnet2/fs1", date="2013-06-09", **fields):
    return {
        "source": "carme",
        "directory": directory,
        "date": date,
        "ok": True,
        "exit_code": 0,
        "message": "",
        "files": 10,
        "bytes": 1000,
        "seconds": 1.5,
        **fields,
    }


def post(host, *results, token_of=None):
    client = token_client(token_of or host)
    return client.post(URL.format(host), {"results": list(results), "disks": []}, format="json")


def test_files_vanishing_is_still_a_backup_and_sets_bk_date_only(carme):
    before = table()
    message = "some files vanished before they could be transferred"
    answer = post("bumper", result(exit_code=24, message=message, bk_on="off", bk_server="x"))
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"dates_set": 1}
    after = table()
    assert after[0] == {**before[0], "bk_date": "2013-06-09"}
    assert after[1] == before[1]
    run = BackupRun.objects.get()
    assert (run.exit_code, run.message, run.ok) == (24, message, True)


def test_a_row_backed_up_by_another_server_is_refused_and_nothing_is_written(carme):
    before = table()
    answer = post("bumper", result(), result("/var"))
    assert answer.status_code == 400
    assert "carme has no BackupTable row for /var backed up by bumper" in answer.content.decode()
    assert table() == before and not BackupRun.objects.exists()


def test_another_hosts_token_is_refused(carme):
    assert post("bumper", result(), token_of="crank").status_code == 403
    assert post("bumper", result(), token_of="carme").status_code == 403
    assert table()[0]["bk_date"] == "2013-06-08"


def test_a_failed_run_or_an_older_date_never_moves_bk_date(carme):
    assert post("bumper", result(ok=False, exit_code=23, message="disk full")).status_code == 200
    assert post("bumper", result(date="2013-06-01")).status_code == 200
    assert table()[0]["bk_date"] == "2013-06-08"


@pytest.mark.parametrize(
    ("field", "value"),
    [("date", "2013-13-40"), ("date", "none"), ("files", -1), ("seconds", "NaN")],
)
def test_a_malformed_result_is_refused_naming_the_field(carme, field, value):
    answer = post("bumper", result(**{field: value}))
    assert answer.status_code == 400 and field in answer.content.decode()
    assert table()[0]["bk_date"] == "2013-06-08"
