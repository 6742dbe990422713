"""A distribution server's token writes rs_date of the rows it copies to, and nothing else."""

import pytest
from rest_framework.test import APIClient

from entities.models import Change, Entity
from entities.reading import entity_contents
from workers.services import do_make_host_token

URL = "/api/v1/imaging/rsync/{}/done/"


@pytest.fixture
def ratchet(guide_example):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('ratchet')}")
    return client


def rsync_table(server):
    entity = Entity.objects.get(entity_type__name="server", name=server)
    return entity_contents(entity).tables["Rsync"]


def test_the_source_sets_rs_date_of_the_row_it_synced_and_only_that_cell(ratchet):
    before = rsync_table("scout")
    answer = ratchet.post(URL.format("ratchet"), {"server": "scout", "dst": "/diskless"})
    assert answer.status_code == 200, answer.content
    [after] = rsync_table("scout")
    assert after == {**before[0], "rs_date": answer.json()["rs_date"]}
    assert after["rs_date"] != before[0]["rs_date"]
    [change] = Change.objects.filter(entity="scout").order_by("-seq")[:1]
    assert (change.variable, change.new_value) == ("rs_date", after["rs_date"])


def test_a_host_writes_no_row_naming_another_source_and_no_other_host_s_rows(ratchet):
    seq = Change.objects.order_by("-seq").first().seq
    # ratchet's own row copies from crank: only crank's token may set its date.
    refused = ratchet.post(
        URL.format("ratchet"), {"server": "ratchet", "dst": "/mnt/dbgen32/diskless"}
    )
    assert refused.status_code == 400
    assert "ratchet has no Rsync row copying from ratchet to /mnt/dbgen32/diskless" in str(
        refused.json()
    )
    assert (
        ratchet.post(
            URL.format("crank"), {"server": "ratchet", "dst": "/mnt/dbgen32/diskless"}
        ).status_code
        == 403
    )
    unknown = ratchet.post(URL.format("ratchet"), {"server": "garfield", "dst": "/x"})
    assert unknown.status_code == 400 and "'garfield' is not a server" in str(unknown.json())
    extra = ratchet.post(
        URL.format("ratchet"), {"server": "scout", "dst": "/diskless", "rs_sync": "no"}
    )
    assert extra.status_code == 200
    assert rsync_table("scout")[0]["rs_sync"] == "yes"
    assert not Change.objects.filter(seq__gt=seq).exclude(variable="rs_date").exists()
