"""E-mail on state changes, muted by acknowledgements until they expire and by maintenance
windows of the host or its domain."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from nms import notifications, services
from nms.ingest import ingest_report
from nms.models import Host, Status
from testing import nms as factories
from workers.services import do_make_host_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def campus(db, settings):
    settings.ADMINS = [("Labnet", "labnet@example.edu")]
    factories.demo_levels()
    factories.monitoring_settings(hold_reports="1")
    factories.host("guernsey", domain="math.example.edu", contactgroup="math_admins")
    factories.host("jersey", domain="math.example.edu")
    factories.host("odie", domain="cs.example.edu")
    admins = Group.objects.create(name="math_admins")
    User.objects.create_user("ann", email="ann@example.edu").groups.add(admins)
    User.objects.create_user("bob", email="").groups.add(admins)


def degrade(host: str, capture, value: str = "degraded") -> list:
    with capture(execute=True):
        return ingest_report(host, {"mdstat": [{"item": "/dev/md0", "value": value}]})


def test_a_state_change_mails_the_hosts_contact_group(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    degrade("guernsey", django_capture_on_commit_callbacks, "active")
    degrade("guernsey", django_capture_on_commit_callbacks)
    [mail] = mailoutbox
    assert mail.to == ["ann@example.edu"]
    assert mail.subject == "[Labnet NMS] guernsey: mdstat /dev/md0: ok -> critical"
    assert "mdstat /dev/md0: ok -> critical (degraded)" in mail.body
    assert "/nms/host/guernsey/" in mail.body


def test_without_a_contact_group_the_admins_are_told(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    degrade("odie", django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["labnet@example.edu"]]


def test_an_acknowledgement_mutes_until_it_expires(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    degrade("guernsey", django_capture_on_commit_callbacks, "active")
    host = Host.objects.get(name="guernsey")
    ack = services.do_acknowledge(
        host, comment="disk ordered", expires=timezone.now() + timedelta(hours=1), user="ann",
        category="mdstat", item="/dev/md0",
    )  # fmt: skip
    degrade("guernsey", django_capture_on_commit_callbacks)
    degrade("guernsey", django_capture_on_commit_callbacks, "active")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        ingest_report("guernsey", {"uuids": [{"item": "/", "value": "mismatch"}]})
    assert len(mailoutbox) == 1, "the acknowledgement covers /dev/md0 only"
    services.do_end_acknowledgement(ack)
    degrade("guernsey", django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    assert not host.acknowledgements.filter(expires__gt=timezone.now()).exists()


def test_an_expired_acknowledgement_mutes_nothing(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    degrade("guernsey", django_capture_on_commit_callbacks, "active")
    services.do_acknowledge(
        Host.objects.get(name="guernsey"), comment="old", user="ann",
        expires=timezone.now() - timedelta(minutes=1),
    )  # fmt: skip
    degrade("guernsey", django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1


def test_maintenance_of_a_domain_mutes_its_hosts_only(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    window = services.do_schedule_maintenance(
        domain="math.example.edu", start=now - timedelta(minutes=5), end=now + timedelta(hours=1),
        comment="disk swap", user="ann",
    )  # fmt: skip
    for host in ("guernsey", "jersey", "odie"):
        degrade(host, django_capture_on_commit_callbacks, "active")
        degrade(host, django_capture_on_commit_callbacks)
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["[Labnet NMS] odie"]
    services.do_end_maintenance(window)
    degrade("jersey", django_capture_on_commit_callbacks, "active")
    assert len(mailoutbox) == 1, "jersey's problem ended before anyone was told of it"
    degrade("jersey", django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_maintenance_of_a_host_and_its_checks(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    services.do_schedule_maintenance(
        host="guernsey", start=now - timedelta(minutes=1), end=now + timedelta(hours=1),
        comment="reboot", user="ann",
    )  # fmt: skip
    degrade("guernsey", django_capture_on_commit_callbacks)
    assert mailoutbox == []
    with pytest.raises(ValidationError):
        services.do_schedule_maintenance(
            host="guernsey", domain="math.example.edu", start=now, end=now + timedelta(hours=1),
            comment="both", user="ann",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.do_schedule_maintenance(host="odie", start=now, end=now, comment="", user="ann")
    future = services.do_schedule_maintenance(
        host="odie",
        start=now + timedelta(days=1),
        end=now + timedelta(days=2),
        comment="later",
        user="ann",
    )
    services.do_end_maintenance(future)
    assert not type(future).objects.filter(pk=future.pk).exists()


def test_a_problem_still_there_when_maintenance_ends_is_mailed_once(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    window = services.do_schedule_maintenance(
        host="guernsey", start=now - timedelta(minutes=1), end=now + timedelta(hours=1),
        comment="disk swap", user="ann",
    )  # fmt: skip
    degrade("guernsey", django_capture_on_commit_callbacks, "active")
    degrade("guernsey", django_capture_on_commit_callbacks)
    services.do_notice_silence()
    assert mailoutbox == []
    services.do_end_maintenance(window)
    services.do_notice_silence()  # the periodic check, every minute
    services.do_notice_silence()
    [mail] = mailoutbox
    assert mail.subject == "[Labnet NMS] guernsey: mdstat /dev/md0: ok -> critical"


def test_a_problem_that_clears_ends_its_acknowledgement_and_its_return_is_mailed(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    degrade("guernsey", django_capture_on_commit_callbacks, "active")
    degrade("guernsey", django_capture_on_commit_callbacks)
    services.do_acknowledge(
        Host.objects.get(name="guernsey"), comment="disk ordered", user="ann",
        expires=timezone.now() + timedelta(days=1), category="mdstat", item="/dev/md0",
    )  # fmt: skip
    degrade("guernsey", django_capture_on_commit_callbacks, "active")
    degrade("guernsey", django_capture_on_commit_callbacks)
    assert [m.subject.split(": ", 1)[1] for m in mailoutbox] == [
        "mdstat /dev/md0: ok -> critical",
        "mdstat /dev/md0: critical -> ok",
        "mdstat /dev/md0: ok -> critical",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_mail_that_fails_leaves_the_report_taken_and_is_sent_by_the_next_check(
    campus, mailoutbox, monkeypatch
):
    agent = APIClient()
    agent.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('guernsey')}")

    def post(value: str):
        body = {"reports": {"mdstat": [{"item": "/dev/md0", "value": value}]}}
        return agent.post("/api/v1/nms/hosts/guernsey/reports/", body, format="json")

    assert post("active").status_code == 201
    monkeypatch.setattr(notifications, "send_mass_mail", refuse)
    assert post("degraded").status_code == 201
    assert Status.objects.get().state == "critical"
    monkeypatch.undo()
    services.do_notice_silence()
    [mail] = mailoutbox
    assert mail.subject == "[Labnet NMS] guernsey: mdstat /dev/md0: ok -> critical"


def refuse(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("mail server gone")


def test_a_problem_no_longer_reported_is_told_over_then_forgotten(
    campus, mailoutbox, django_capture_on_commit_callbacks
):
    degrade("guernsey", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        ingest_report("guernsey", {"mdstat": []})
    assert [m.subject.split(": ", 1)[1] for m in mailoutbox] == [
        "mdstat /dev/md0: ok -> critical",
        "mdstat /dev/md0: critical -> ok",
    ]
    assert "no longer reported" in mailoutbox[1].body
    ingest_report("guernsey", {"mdstat": []})
    assert not Status.objects.exists()
