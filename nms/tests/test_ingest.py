"""Levels from the nms entities, change-only storage with its deadband, the heartbeat, late
reports, the flapping hold and silence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nms.choices import Level
from nms.ingest import ingest_report
from nms.levels import Levels, monitoring_settings
from nms.models import Host, Sample, Status
from nms.services import do_notice_silence
from testing import nms as factories

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def at(minutes: int, seconds: int = 0):
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def report(**categories):
    """report(loadaverage="0.5", diskspace={"/": "40.0"})"""
    return {
        c: [{"item": "", "value": v}]
        if isinstance(v, str)
        else [{"item": i, "value": x} for i, x in v.items()]
        for c, v in categories.items()
    }


def status(category, item=""):
    return Status.objects.get(host__name="guernsey", category=category, item=item)


@pytest.fixture
def levels(db):
    factories.demo_levels()


def test_greater_levels_and_ranges():
    load = Levels("greater", ("1.5",), ("3.0",))
    assert [load.evaluate(v) for v in ("0.2", "1.5", "1.6", "3.01")] == [
        Level.OK, Level.OK, Level.WARNING, Level.CRITICAL,
    ]  # fmt: skip
    band = Levels("greater", ("10..20",), ("..5", "95.."))
    assert [band.evaluate(v) for v in ("3", "15", "50", "99", "x")] == [
        Level.CRITICAL, Level.WARNING, Level.OK, Level.CRITICAL, Level.OK,
    ]  # fmt: skip


def test_equal_levels_and_collector_errors():
    raid = Levels("equal", ("resync", "recovery"), ("degraded", "inactive"))
    assert [raid.evaluate(v) for v in ("active", "Resync", "degraded", "error")] == [
        Level.OK, Level.WARNING, Level.CRITICAL, Level.WARNING,
    ]  # fmt: skip


def test_levels_come_from_the_nms_entities_and_lnappconf(levels):
    factories.monitoring_settings(report_interval="60", hold_reports="3", silence_intervals="5")
    settings = monitoring_settings()
    assert settings.levels_of("mdstat").critical == ("degraded", "inactive")
    assert settings.levels_of("diskspace").thresholds() == [("warning", 85.0), ("critical", 95.0)]
    bands = [settings.levels_of(c).band() for c in ("diskspace", "loadaverage", "mdstat")]
    assert bands == pytest.approx([1.0, 0.15, 0.0])
    factories.levels("diskspace", "greater", ["85"], ["95"], "percent", deadband="0.5")
    assert monitoring_settings().levels_of("diskspace").band() == 0.5
    assert (settings.report_interval, settings.hold_reports, settings.silence_seconds) == (
        60,
        3,
        300,
    )


def test_only_changes_beyond_the_deadband_are_stored_and_the_heartbeat_is_the_last_report(levels):
    for minute in (0, 5, 10):
        ingest_report(
            "guernsey",
            report(loadaverage="0.40", diskspace={"/": "41.0", "/var": "12.0"}),
            now=at(minute),
        )
    # 1 point is the percentage deadband: / drifts 0.6 then 0.6 more, 0.15 the load's.
    for minute, root, load in ((15, "41.6", "0.50"), (20, "42.2", "0.60")):
        ingest_report(
            "guernsey",
            report(loadaverage=load, diskspace={"/": root, "/var": "12.0"}),
            now=at(minute),
        )
    samples = Sample.objects.filter(host__name="guernsey")
    assert list(samples.values_list("category", "item", "value")) == [
        ("diskspace", "/", "41.0"), ("diskspace", "/", "42.2"), ("diskspace", "/var", "12.0"),
        ("loadaverage", "", "0.40"), ("loadaverage", "", "0.60"),
    ]  # fmt: skip
    root = status("diskspace", "/")
    assert (root.value, root.stored, root.changed) == ("42.2", 42.2, at(20))
    assert status("diskspace", "/var").changed == at(0)
    assert Host.objects.get(name="guernsey").last_report == at(20)


def test_a_level_change_is_stored_however_small_the_move(levels):
    ingest_report("guernsey", report(diskspace={"/": "84.8"}), now=at(0))
    ingest_report("guernsey", report(diskspace={"/": "85.2"}), now=at(5))
    ingest_report("guernsey", report(mdstat={"/dev/md0": "active"}), now=at(10))
    ingest_report("guernsey", report(mdstat={"/dev/md0": "resync"}), now=at(15))
    assert list(Sample.objects.values_list("value", "level")) == [
        ("84.8", "ok"), ("85.2", "warning"), ("active", "ok"), ("resync", "warning"),
    ]  # fmt: skip


def test_a_late_report_keeps_its_own_time_in_order(levels):
    ingest_report("guernsey", report(diskspace={"/": "50.0"}), now=at(0))
    # Kept by the agent while the web server was away, delivered oldest first.
    for minute, used in ((5, "60.0"), (10, "70.0")):
        ingest_report("guernsey", report(diskspace={"/": used}), now=at(minute))
    ingest_report("guernsey", report(diskspace={"/": "70.0"}), now=at(60))
    assert list(Sample.objects.values_list("time", "value")) == [
        (at(0), "50.0"), (at(5), "60.0"), (at(10), "70.0"),
    ]  # fmt: skip
    assert (status("diskspace", "/").changed, Host.objects.get().last_report) == (at(10), at(60))


def test_an_older_report_fills_in_the_history_and_leaves_the_status(levels):
    factories.monitoring_settings(hold_reports="1")
    ingest_report("guernsey", report(mdstat={"/dev/md0": "active"}), now=at(0))
    ingest_report("guernsey", report(mdstat={"/dev/md0": "active"}), now=at(10))
    assert ingest_report("guernsey", report(mdstat={"/dev/md0": "degraded"}), now=at(5)) == []
    assert ingest_report("guernsey", report(mdstat={"/dev/md0": "degraded"}), now=at(5)) == []
    assert list(Sample.objects.values_list("time", "value")) == [
        (at(0), "active"), (at(5), "degraded"),
    ]  # fmt: skip
    md0 = status("mdstat", "/dev/md0")
    assert (md0.value, md0.state, Host.objects.get().last_report) == ("active", "ok", at(10))


def test_a_report_from_a_clock_ahead_counts_as_now(levels):
    ingest_report("guernsey", report(loadaverage="0.5"), taken=timezone.now() + timedelta(hours=2))
    assert Sample.objects.get().time <= timezone.now()


def test_the_heartbeat_is_when_a_report_arrives_not_when_it_was_taken(levels):
    ingest_report("guernsey", report(loadaverage="0.5"), now=at(0))
    # Kept an hour by the agent: the host reports now, its readings go an hour back.
    ingest_report("guernsey", report(loadaverage="2.5"), now=at(60), taken=at(0, 1))
    assert do_notice_silence(now=at(70)) == []
    assert (Host.objects.get().last_report, Sample.objects.last().time) == (at(60), at(0, 1))


def test_an_item_not_reported_any_more_loses_its_status_and_keeps_its_history(levels):
    ingest_report("guernsey", report(diskspace={"/": "41.0", "/scratch": "90.0"}), now=at(0))
    ingest_report("guernsey", report(diskspace={"/": "41.0"}), now=at(5))
    assert list(Status.objects.values_list("item", flat=True)) == ["/"]
    assert Sample.objects.filter(item="/scratch").count() == 1


def test_a_level_must_hold_for_the_configured_reports(levels):
    ingest_report("guernsey", report(mdstat={"/dev/md0": "active"}), now=at(0))
    events = ingest_report("guernsey", report(mdstat={"/dev/md0": "degraded"}), now=at(5))
    md0 = status("mdstat", "/dev/md0")
    assert (events, md0.level, md0.state, md0.streak) == ([], Level.CRITICAL, Level.OK, 1)
    [event] = ingest_report("guernsey", report(mdstat={"/dev/md0": "degraded"}), now=at(10))
    md0 = status("mdstat", "/dev/md0")
    assert (md0.state, md0.since, md0.streak) == (Level.CRITICAL, at(10), 0)
    assert (event.category, event.item, event.old, event.new) == (
        "mdstat",
        "/dev/md0",
        "ok",
        "critical",
    )


def test_since_and_changed_move_only_with_the_state_and_the_value(levels):
    ingest_report("guernsey", report(mdstat={"/dev/md0": "active"}), now=at(0))
    ingest_report("guernsey", report(mdstat={"/dev/md0": "degraded"}), now=at(5))
    md0 = status("mdstat", "/dev/md0")
    assert (md0.state, md0.since, md0.changed) == (Level.OK, at(0), at(5))
    # A value differing only by a trailing blank or its case is a change all the same.
    for minute, value in ((10, "degraded "), (15, "Degraded "), (20, "Degraded ")):
        ingest_report("guernsey", report(mdstat={"/dev/md0": value}), now=at(minute))
    md0 = status("mdstat", "/dev/md0")
    assert (md0.value, md0.state, md0.since, md0.changed) == (
        "Degraded ", Level.CRITICAL, at(10), at(15),
    )  # fmt: skip


def test_a_notification_marked_while_a_report_applies_is_kept(levels, monkeypatch):
    import nms.ingest

    ingest_report("guernsey", report(mdstat={"/dev/md0": "degraded"}), now=at(0))
    ingest_report("guernsey", report(mdstat={"/dev/md0": "degraded"}), now=at(5))
    read = nms.ingest._statuses

    def read_then_told(hosts):
        found = read(hosts)  # as it was read, then the notifications mark it told
        Status.objects.update(notified_state=Level.CRITICAL)
        return found

    monkeypatch.setattr(nms.ingest, "_statuses", read_then_told)
    ingest_report("guernsey", report(mdstat={"/dev/md0": "resync"}), now=at(10))
    md0 = status("mdstat", "/dev/md0")
    assert (md0.value, md0.notified_state) == ("resync", Level.CRITICAL)


def test_flapping_never_alerts(levels):
    events = []
    for minute, load in enumerate(["0.5", "3.5", "0.5", "3.5", "0.5", "3.5"]):
        events += ingest_report("guernsey", report(loadaverage=load), now=at(minute * 5))
    assert events == []
    assert status("loadaverage").state == Level.OK


def test_hold_of_one_report_alerts_at_once_and_a_new_metric_starts_at_its_level(levels):
    factories.monitoring_settings(hold_reports="1")
    [first] = ingest_report("guernsey", report(uuids={"/": "mismatch"}), now=at(0))
    assert (first.old, first.new) == ("ok", "critical")
    ingest_report("guernsey", report(loadaverage="0.5"), now=at(5))
    [event] = ingest_report("guernsey", report(loadaverage="2.0"), now=at(10))
    assert (event.new, status("loadaverage").state) == ("warning", "warning")


def test_a_level_edit_counts_from_the_next_report(levels):
    factories.monitoring_settings(hold_reports="1")
    ingest_report("guernsey", report(diskspace={"/": "50.0"}), now=at(0))
    factories.levels("diskspace", "greater", ["40"], ["45"], "percent")
    ingest_report("guernsey", report(diskspace={"/": "50.0"}), now=at(5))
    assert status("diskspace", "/").state == Level.CRITICAL


def test_silence_is_noticed_once_and_cleared_by_the_next_report(levels, mailoutbox, settings):
    settings.ADMINS = [("Labnet", "nms@example.edu")]
    ingest_report("guernsey", report(loadaverage="0.5"), now=at(0))
    assert do_notice_silence(now=at(14)) == []
    [event] = do_notice_silence(now=at(16))  # 3 intervals of 5 minutes
    assert (event.host, event.new) == ("guernsey", "silent")
    assert do_notice_silence(now=at(30)) == []
    assert Host.objects.get().silent
    [back] = ingest_report("guernsey", report(loadaverage="0.5"), now=at(31))
    assert (back.old, back.new) == ("silent", "reporting")
    assert not Host.objects.get().silent
    assert [m.subject for m in mailoutbox] == ["[Labnet NMS] guernsey: stopped reporting"]


def test_a_new_metric_is_held_like_any_change_at_the_default_hold(levels):
    assert ingest_report("guernsey", report(diskspace={"/": "97.0"}), now=at(0)) == []
    root = status("diskspace", "/")
    assert (root.level, root.state, root.streak) == (Level.CRITICAL, Level.OK, 1)
    [event] = ingest_report("guernsey", report(diskspace={"/": "97.0"}), now=at(5))
    assert (event.old, event.new, status("diskspace", "/").state) == ("ok", "critical", "critical")


def test_a_failing_collector_keeps_its_items_and_tells_no_recovery(levels):
    factories.monitoring_settings(hold_reports="1")
    ingest_report("guernsey", report(diskspace={"/": "97.0"}), now=at(0))
    events = ingest_report("guernsey", report(diskspace={"": "error"}), now=at(5))
    assert [(e.item, e.new) for e in events] == [("", "warning")]
    assert status("diskspace", "/").state == Level.CRITICAL
