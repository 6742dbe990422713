"""A host's report through the API: only that host's token may send it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from nms.models import Host, Sample, Status
from nms.services import do_notice_silence
from testing import factories as base
from testing import nms as factories
from workers.services import do_make_host_token

pytestmark = pytest.mark.django_db
REPORT = {
    "reports": {
        "loadaverage": [{"item": "", "value": "0.25", "detail": "0.50 0.50 0.40 on 2 CPUs"}],
        "diskspace": [{"item": "/", "value": "41.5"}, {"item": "/var", "value": "97.0"}],
    }
}


@pytest.fixture
def client_for():
    def make(token: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


def test_a_host_reports_for_itself(db, client_for):
    factories.demo_levels()
    factories.monitoring_settings(hold_reports="1")
    answer = client_for(do_make_host_token("guernsey")).post(
        "/api/v1/nms/hosts/guernsey/reports/", REPORT, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert answer.json() == {
        "host": "guernsey",
        "changes": [{"category": "diskspace", "item": "/var", "state": "critical"}],
    }
    assert Status.objects.get(item="/var").detail == ""
    assert Status.objects.get(category="loadaverage").number == 0.25


def test_a_host_cannot_report_for_another(db, client_for):
    do_make_host_token("guernsey")
    answer = client_for(do_make_host_token("jersey")).post(
        "/api/v1/nms/hosts/guernsey/reports/", REPORT, format="json"
    )
    assert answer.status_code == 403
    assert not Status.objects.exists()


def test_a_person_or_nobody_cannot_report(db, client_for):
    user = base.user("admin")
    client = APIClient()
    client.force_authenticate(user)
    assert client.post("/api/v1/nms/hosts/x/reports/", REPORT, format="json").status_code == 403
    assert APIClient().post("/api/v1/nms/hosts/x/reports/", REPORT, format="json").status_code in (
        401,
        403,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"reports": {}},
        {"reports": {"Disk Space": [{"item": "/", "value": "1"}]}},
        {"reports": {"diskspace": [{"item": "/"}]}},
        {**REPORT, "age": 1e308},
        {**REPORT, "age": "NaN"},
        {**REPORT, "age": "Infinity"},
    ],
)
def test_a_malformed_report_is_refused(db, client_for, body):
    answer = client_for(do_make_host_token("guernsey")).post(
        "/api/v1/nms/hosts/guernsey/reports/", body, format="json"
    )
    assert answer.status_code == 400


def test_a_host_with_a_slow_clock_is_not_taken_for_silent(db, client_for, mailoutbox, settings):
    settings.ADMINS = [("Labnet", "nms@example.edu")]
    factories.demo_levels()
    client = client_for(do_make_host_token("guernsey"))
    slow = (timezone.now() - timedelta(minutes=20)).isoformat()
    for _ in range(3):
        answer = client.post(
            "/api/v1/nms/hosts/guernsey/reports/", {**REPORT, "time": slow}, format="json"
        )
        assert answer.status_code == 201
        assert do_notice_silence() == []
    assert not [m for m in mailoutbox if "stopped reporting" in m.subject]


def test_a_report_is_dated_by_its_age_on_the_servers_clock(db, client_for):
    client = client_for(do_make_host_token("guernsey"))
    body = {**REPORT, "age": 600, "time": "2001-01-01T00:00:00Z"}
    assert (
        client.post("/api/v1/nms/hosts/guernsey/reports/", body, format="json").status_code == 201
    )
    taken = Sample.objects.filter(category="loadaverage").get().time
    assert abs(timezone.now() - timedelta(minutes=10) - taken) < timedelta(seconds=5)
    assert timezone.now() - Host.objects.get().last_report < timedelta(seconds=5)


def test_an_item_reported_twice_counts_once_and_a_long_detail_is_cut(db, client_for):
    body = {
        "reports": {
            "diskspace": [
                {"item": "/", "value": "10.0", "detail": "hidden"},
                {"item": "/", "value": "20.0", "detail": "x" * 600},
            ]
        }
    }
    client = client_for(do_make_host_token("guernsey"))
    assert (
        client.post("/api/v1/nms/hosts/guernsey/reports/", body, format="json").status_code == 201
    )
    status = Status.objects.get()
    assert (status.value, status.detail) == ("20.0", "x" * 500)
