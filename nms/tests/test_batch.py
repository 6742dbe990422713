"""Reports queued by the API and applied many hosts at a time: the same statuses, samples and
state changes as one report at a time, in order per host, and nothing lost when a report of
the batch is malformed or the batch fails."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from nms import ingest
from nms.ingest import ingest_pending, ingest_report, queue_report
from nms.models import Acknowledgement, Host, PendingReport, Sample, Status
from nms.services import do_acknowledge
from nms.tasks import check_silence
from testing import nms as factories
from workers.services import do_make_host_token

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)
HOSTS = ("guernsey", "jersey", "sark")


def at(minutes: int):
    return T0 + timedelta(minutes=minutes)


def reading(item: str, value: str) -> dict:
    return {"item": item, "value": value, "detail": f"{item} at {value}"}


def rounds() -> list[list[tuple[str, dict, int]]]:
    """Rounds of (host, report, minute taken): new metrics, levels held and then followed,
    a disk gone, a failed collector, a deadband move, and a late report that only fills in
    the history."""
    return [
        [
            ("guernsey", {"diskspace": [reading("/", "41.0"), reading("/var", "97.0")]}, 0),
            ("jersey", {"mdstat": [reading("/dev/md0", "active")]}, 0),
            ("sark", {"loadaverage": [reading("", "0.40")]}, 0),
        ],
        [
            ("guernsey", {"diskspace": [reading("/", "41.5"), reading("/var", "97.0")]}, 5),
            ("jersey", {"mdstat": [reading("/dev/md0", "degraded")]}, 5),
            ("sark", {"loadaverage": [reading("", "error")]}, 5),
        ],
        [
            ("guernsey", {"diskspace": [reading("/", "43.0")]}, 10),
            ("jersey", {"mdstat": [reading("/dev/md0", "degraded")]}, 10),
            ("sark", {"loadaverage": [reading("", "3.5")]}, 10),
        ],
        [
            ("jersey", {"mdstat": [reading("/dev/md0", "active")]}, 7),
            ("sark", {"loadaverage": [reading("", "3.6")], "netrx": [reading("eth0", "1")]}, 15),
        ],
    ]


def stored() -> tuple[list, list, list]:
    """Every host, status and sample, as a user's pages show them (no row ids)."""
    hosts = list(Host.objects.values_list("name", "first_report", "last_report", "collected"))
    statuses = list(
        Status.objects.order_by("host__name", "category", "item").values_list(
            "host__name",
            "category",
            "item",
            "value",
            "number",
            "detail",
            "level",
            "state",
            "streak",
            "since",
            "changed",
            "stored",
        )  # fmt: skip
    )
    samples = list(
        Sample.objects.order_by("host__name", "category", "item", "time").values_list(
            "host__name", "category", "item", "time", "value", "number", "detail", "level"
        )
    )
    return hosts, statuses, samples


@pytest.fixture
def levels(db):
    factories.demo_levels()
    factories.monitoring_settings(hold_reports="2")


def test_a_batch_of_hosts_stores_what_one_report_at_a_time_stores(levels):
    one_at_a_time = []
    for batch in rounds():
        for host, body, minute in batch:
            one_at_a_time += ingest_report(host, body, now=at(minute + 1), taken=at(minute))
    expected = stored()
    assert expected[1] and expected[2] and one_at_a_time  # the rounds changed states
    Host.objects.all().delete()

    batched = []
    for batch in rounds():
        queued = [
            queue_report(host, body, received=at(minute + 1), taken=at(minute))
            for host, body, minute in batch
        ]
        drained = ingest_pending()
        assert sorted(drained.applied) == sorted(queued) and not drained.refused
        batched += [event for pk in queued for event in drained.applied[pk]]
    assert stored() == expected
    assert sorted(batched, key=repr) == sorted(one_at_a_time, key=repr)
    assert not PendingReport.objects.exists()


def test_a_malformed_report_is_refused_naming_its_host_and_the_others_apply(levels, caplog):
    good = queue_report(
        "guernsey", {"diskspace": [reading("/", "41.0")]}, received=at(1), taken=at(0)
    )
    bad = queue_report("jersey", {"mdstat": [{"item": "/dev/md0"}]}, received=at(1), taken=at(0))
    long = queue_report(
        "sark", {"loadaverage": [reading("", "1" * 300)]}, received=at(1), taken=at(0)
    )
    drained = ingest_pending()
    assert list(drained.applied) == [good]
    assert drained.refused == {
        bad: "jersey: a reading of mdstat has no value",
        long: "sark: a reading of loadaverage is longer than what is stored",
    }
    assert "jersey: a reading of mdstat has no value" in caplog.text
    assert list(Status.objects.values_list("host__name", "value")) == [("guernsey", "41.0")]
    assert not PendingReport.objects.exists()


def test_a_hosts_reports_queued_together_apply_in_order(levels):
    queue_report(
        "guernsey", {"mdstat": [reading("/dev/md0", "active")]}, received=at(1), taken=at(0)
    )
    queue_report("jersey", {"mdstat": [reading("/dev/md0", "active")]}, received=at(1), taken=at(0))
    queue_report(
        "guernsey", {"mdstat": [reading("/dev/md0", "resync")]}, received=at(6), taken=at(5)
    )
    assert len(ingest_pending().applied) == 3
    status = Status.objects.get(host__name="guernsey")
    assert (status.value, status.level, status.changed) == ("resync", "warning", at(5))
    assert Host.objects.get(name="guernsey").last_report == at(6)
    values = Sample.objects.filter(host__name="guernsey").values_list("value", flat=True)
    assert list(values) == ["active", "resync"]


def test_a_failed_batch_keeps_every_report_queued(levels, monkeypatch):
    for host in HOSTS:
        queue_report(host, {"diskspace": [reading("/", "41.0")]}, received=at(1), taken=at(0))

    def fail(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ingest, "_upsert", fail)
    with pytest.raises(RuntimeError):
        ingest_pending()
    assert PendingReport.objects.count() == 3
    assert not Host.objects.exists() and not Sample.objects.exists()
    monkeypatch.undo()
    assert len(ingest_pending().applied) == 3
    assert sorted(Host.objects.values_list("name", flat=True)) == sorted(HOSTS)


def test_an_acknowledgement_ends_when_its_metric_recovers_in_a_batch(levels):
    factories.monitoring_settings(hold_reports="1")
    for host in HOSTS:
        queue_report(host, {"diskspace": [reading("/", "97.0")]}, received=at(1), taken=at(0))
    ingest_pending()
    for host in HOSTS:
        do_acknowledge(
            Host.objects.get(name=host), comment="known", expires=at(2) + timedelta(days=2),
            user="editor", category="diskspace", item="/",
        )  # fmt: skip
    queue_report("jersey", {"diskspace": [reading("/", "40.0")]}, received=at(6), taken=at(5))
    queue_report("sark", {"diskspace": [reading("/", "97.5")]}, received=at(6), taken=at(5))
    ingest_pending()
    ended = Acknowledgement.objects.filter(expires=at(6)).values_list("host__name", flat=True)
    assert list(ended) == ["jersey"]


def test_the_api_applies_reports_another_request_left_queued(db):
    factories.demo_levels()
    queue_report("jersey", {"mdstat": [reading("/dev/md0", "active")]}, received=at(1), taken=at(0))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('guernsey')}")
    body = {"reports": {"mdstat": [{"item": "/dev/md0", "value": "active"}]}}
    answer = client.post("/api/v1/nms/hosts/guernsey/reports/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert sorted(Host.objects.values_list("name", flat=True)) == ["guernsey", "jersey"]
    assert not PendingReport.objects.exists()


def test_the_silence_check_first_applies_reports_left_queued(levels):
    ingest_report("guernsey", {"mdstat": [reading("/dev/md0", "active")]}, now=at(0))
    now = timezone.now()
    queue_report("guernsey", {"mdstat": [reading("/dev/md0", "active")]}, received=now, taken=now)
    assert check_silence() == 0
    assert Host.objects.get(name="guernsey").last_report == now


def test_the_api_answers_accepted_when_applying_fails_and_the_report_stays_queued(db, monkeypatch):
    def fail(*_args, **_kwargs):
        raise OperationalError("Deadlock found when trying to get lock")

    monkeypatch.setattr(ingest, "_upsert", fail)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('guernsey')}")
    body = {"reports": {"mdstat": [{"item": "/dev/md0", "value": "active"}]}}
    answer = client.post("/api/v1/nms/hosts/guernsey/reports/", body, format="json")
    assert (answer.status_code, answer.json()) == (202, {"host": "guernsey", "changes": []})
    assert not Host.objects.exists()
    monkeypatch.undo()
    assert len(ingest_pending().applied) == 1
    assert Status.objects.get(host__name="guernsey").value == "active"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_drains_side_by_side_split_the_queue_and_apply_each_report_once():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite applies one write transaction at a time")
    factories.demo_levels()
    hosts = [f"lab{n:02d}" for n in range(30)]
    for host in hosts:
        queue_report(host, {"mdstat": [reading("/dev/md0", "active")]}, received=at(1), taken=at(0))
    start, results = threading.Barrier(2), []

    def drain() -> None:
        try:
            start.wait()
            results.append(ingest_pending(batch=4))
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = (set(r.applied) for r in results)
    assert not first & second and len(first | second) == len(hosts)
    assert Sample.objects.count() == len(hosts) and not PendingReport.objects.exists()


def test_a_request_drains_the_queue_up_to_its_own_report(levels):
    before = queue_report(
        "jersey", {"mdstat": [reading("/dev/md0", "active")]}, received=at(1), taken=at(0)
    )
    own = queue_report(
        "guernsey", {"mdstat": [reading("/dev/md0", "active")]}, received=at(1), taken=at(0)
    )
    after = queue_report(
        "sark", {"mdstat": [reading("/dev/md0", "active")]}, received=at(1), taken=at(0)
    )
    assert sorted(ingest_pending(upto=own).applied) == [before, own]
    assert list(PendingReport.objects.values_list("id", flat=True)) == [after]
