"""The host certificates page: every role reads it, administrators revoke from it, and its
queries do not grow with the certificates."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from entities.models import Entity
from entities.services import do_set_values
from testing import hosts
from testing.clients import signed_in
from testing.views import PageTestCase, assert_queries_do_not_grow
from workers.certificates import do_issue_certificate
from workers.host.certs import certificate_request
from workers.host.identity import Identity
from workers.models import HostCertificate

from .campus import server


def issue(first: int, count: int) -> list[HostCertificate]:
    issued = []
    for n in range(first, first + count):
        name, ip = f"host{n}", f"192.0.2.{n + 10}"
        server(name, ip)
        _, csr = certificate_request(Identity(name, f"{name}.cs.example.edu", (), (ip,)))
        issued.append(do_issue_certificate(name, csr))
    return issued


@pytest.fixture
def page_data(db, settings, tmp_path) -> dict:
    settings.LABNET_CA_DIR = tmp_path / "ca"
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.file_manager_type()
    call_command("labnetca", "init", stdout=open("/dev/null", "w"))
    return {"pk": issue(0, 2)[0].pk}


class TestCertificateList(PageTestCase):
    url = "/agents/certificates/"
    contains = ["host0.cs.example.edu", "192.0.2.10", "valid", "the change log of ssh_key"]
    max_queries = 6


def test_an_administrator_revokes_and_sees_who_and_when(page_data):
    viewer_page = signed_in("viewer").get("/agents/certificates/").content.decode()
    assert "Revoke</button>" not in viewer_page
    admin = signed_in("admin", "alice")
    assert "Revoke</button>" in admin.get("/agents/certificates/").content.decode()
    answer = admin.post(f"/agents/certificates/{page_data['pk']}/revoke/", follow=True)
    page = answer.content.decode()
    assert "the new revocation list is shipped" in page
    assert "revoked" in page and "by alice" in page
    again = admin.post(f"/agents/certificates/{page_data['pk']}/revoke/", follow=True)
    assert "is already revoked" in again.content.decode()


def test_certificate_page_queries_do_not_grow(page_data, viewer):
    assert_queries_do_not_grow(viewer, ["/agents/certificates/"], lambda: issue(2, 6))


def test_a_host_key_change_shows_in_the_change_log_with_who_and_when(page_data):
    host = Entity.objects.get(name="host0")
    do_set_values(
        host,
        {"ssh_key": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINew root@host0"]},
        user="host0@agent",
    )
    do_set_values(host, {"room": ["EN1018"]}, user="alice")
    page = signed_in("viewer").get("/changes/?variable=ssh_key").content.decode()
    assert "AAAAC3NzaC1lZDI1NTE5AAAAINew" in page and "host0@agent" in page
    assert "EN1018" not in page
