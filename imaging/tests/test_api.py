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


def done(*rows: tuple[str, str]) -> dict:
    return {"rows": [{"server": server, "dst": dst} for server, dst in rows]}


def rsync_table(server):
    entity = Entity.objects.get(entity_type__name="server", name=server)
    return entity_contents(entity).tables["Rsync"]


def test_the_source_sets_rs_date_of_the_row_it_synced_and_only_that_cell(ratchet):
    before = rsync_table("scout")
    answer = ratchet.post(URL.format("ratchet"), done(("scout", "/diskless")), format="json")
    assert answer.status_code == 200, answer.content
    [after] = rsync_table("scout")
    assert after == {**before[0], "rs_date": answer.json()["rs_date"]}
    assert after["rs_date"] != before[0]["rs_date"]
    [change] = Change.objects.filter(entity="scout").order_by("-seq")[:1]
    assert (change.variable, change.new_value) == ("rs_date", after["rs_date"])


def test_the_rows_of_one_run_are_recorded_in_one_batch_or_not_at_all(ratchet):
    seq = Change.objects.order_by("-seq").first().seq
    both = done(("scout", "/diskless"), ("keeper", "/diskless"))
    answer = ratchet.post(URL.format("ratchet"), both, format="json")
    assert answer.status_code == 200, answer.content
    date = answer.json()["rs_date"]
    assert [rsync_table(s)[0]["rs_date"] for s in ("scout", "keeper")] == [date, date]
    changes = Change.objects.filter(seq__gt=seq)
    assert sorted(changes.values_list("entity", flat=True)) == ["keeper", "scout"]
    assert len({c.batch for c in changes}) == 1

    seq = Change.objects.order_by("-seq").first().seq
    # odie's row draws from ratchet, but not into /mnt: nothing of the batch is written.
    refused = ratchet.post(
        URL.format("ratchet"), done(("scout", "/diskless"), ("odie", "/mnt")), format="json"
    )
    assert refused.status_code == 400
    assert "odie has no Rsync row copying from ratchet to /mnt" in str(refused.json())
    assert not Change.objects.filter(seq__gt=seq).exists()
    too_many = done(*[("scout", "/diskless")] * 1001)
    assert ratchet.post(URL.format("ratchet"), too_many, format="json").status_code == 400
    assert ratchet.post(URL.format("ratchet"), done(), format="json").status_code == 400


def test_a_host_writes_no_row_naming_another_source_and_no_other_host_s_rows(ratchet):
    seq = Change.objects.order_by("-seq").first().seq
    # ratchet's own row copies from crank: only crank's token may set its date.
    refused = ratchet.post(
        URL.format("ratchet"), done(("ratchet", "/mnt/dbgen32/diskless")), format="json"
    )
    assert refused.status_code == 400
    assert "ratchet has no Rsync row copying from ratchet to /mnt/dbgen32/diskless" in str(
        refused.json()
    )
    assert (
        ratchet.post(
            URL.format("crank"), done(("ratchet", "/mnt/dbgen32/diskless")), format="json"
        ).status_code
        == 403
    )
    unknown = ratchet.post(URL.format("ratchet"), done(("garfield", "/x")), format="json")
    assert unknown.status_code == 400 and "'garfield' is not a server" in str(unknown.json())
    extra = ratchet.post(
        URL.format("ratchet"),
        {"rows": [{"server": "scout", "dst": "/diskless", "rs_sync": "no"}]},
        format="json",
    )
    assert extra.status_code == 200
    assert rsync_table("scout")[0]["rs_sync"] == "yes"
    assert not Change.objects.filter(seq__gt=seq).exclude(variable="rs_date").exists()
