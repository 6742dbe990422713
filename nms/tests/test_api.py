"""A host's report through the API: only that host's token may send it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from nms.models import Status
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
        {"reports": {"diskspace": [{"item": "/", "value": "1"}, {"item": "/", "value": "2"}]}},
        {"reports": {"diskspace": [{"item": "/"}]}},
    ],
)
def test_a_malformed_report_is_refused(db, client_for, body):
    answer = client_for(do_make_host_token("guernsey")).post(
        "/api/v1/nms/hosts/guernsey/reports/", body, format="json"
    )
    assert answer.status_code == 400
