"""The Labnet CA: it signs a host's CSR only for what the host owns in the configuration;
openssl accepts what it issues for TLS servers and clients, and refuses it once revoked and
the shipped revocation list says so."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from entities.models import Entity
from entities.services import do_set_values
from filemgr.store import MasterStore
from testing import factories, hosts
from workers.certificates import do_revoke_certificate, republish_crl_if_due
from workers.host.certs import certificate_request
from workers.host.identity import Identity
from workers.models import HostCertificate
from workers.services import do_make_host_token

from .campus import server

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
ODIE = Identity("odie", "odie.cs.example.edu", ("www.math.example.edu",), ("192.0.2.12",))


@pytest.fixture
def ca(db, settings, tmp_path) -> Path:
    settings.LABNET_CA_DIR = tmp_path / "ca"
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.file_manager_type()
    server(
        "odie",
        "192.0.2.12",
        tables={"CNAMES": [{"cn_name": "www", "cn_domain": "math.example.edu"}]},
    )
    call_command("labnetca", "init", stdout=open("/dev/null", "w"))
    return tmp_path / "ca"


def agent_api(host: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token(host)}")
    return api


def request(api: APIClient, host: str, identity: Identity, **extra):
    _, csr = certificate_request(identity)
    return api.post(f"/api/v1/agents/{host}/certificate/", {"csr": csr, **extra}, format="json")


def verify(tmp_path: Path, ca: Path, pem: str, *options: str) -> subprocess.CompletedProcess:
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(pem)
    return subprocess.run(
        [OPENSSL, "verify", "-CAfile", str(ca / "ca.pem"), *options, str(leaf)],
        capture_output=True,
        text=True,
    )


@needs_openssl
def test_an_issued_certificate_verifies_for_servers_and_clients_until_revoked(ca, tmp_path):
    answer = request(agent_api("odie"), "odie", ODIE)
    assert answer.status_code == 201, answer.content
    issued = answer.json()
    assert issued["subject"] == "odie.cs.example.edu"
    assert sorted(issued["names"]) == ["odie.cs.example.edu", "www.math.example.edu"]
    assert issued["addresses"] == ["192.0.2.12"]
    for purpose in ("sslserver", "sslclient"):
        done = verify(tmp_path, ca, issued["certificate"], "-purpose", purpose)
        assert done.returncode == 0, done.stdout + done.stderr

    certificate = HostCertificate.objects.get(serial=issued["serial"])
    do_revoke_certificate(certificate, user=factories.user("admin"))
    # The list every host gets as the managed file labnet_crl.
    crl_file = Entity.objects.get(entity_type__name="fileMgr", name="labnet_crl")
    shipped = MasterStore().read("labnet_crl", "default")
    assert crl_file and b"BEGIN X509 CRL" in shipped
    (tmp_path / "crl.pem").write_bytes(shipped)
    done = verify(
        tmp_path, ca, issued["certificate"], "-crl_check", "-CRLfile", str(tmp_path / "crl.pem")
    )
    assert done.returncode != 0 and "certificate revoked" in done.stdout + done.stderr


def test_a_name_or_address_the_host_does_not_own_is_refused(ca):
    server("keeper", "192.0.2.30")
    api = agent_api("odie")
    stolen = Identity("odie", "keeper.cs.example.edu", (), ("192.0.2.30",))
    answer = request(api, "odie", stolen)
    assert answer.status_code == 400
    assert answer.json()["csr"] == [
        "odie does not own the name keeper.cs.example.edu",
        "odie does not own the address 192.0.2.30",
    ]
    assert not HostCertificate.objects.exists()


def test_only_the_hosts_own_token_asks_and_a_bad_csr_is_named(ca):
    server("keeper", "192.0.2.30")
    assert request(agent_api("keeper"), "odie", ODIE).status_code == 403
    answer = agent_api("odie").post(
        "/api/v1/agents/odie/certificate/", {"csr": "not a csr"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["csr"] == ["the CSR is not a PEM certificate signing request"]


def test_revoke_previous_revokes_the_hosts_valid_certificates(ca):
    api = agent_api("odie")
    first = request(api, "odie", ODIE).json()
    second = request(api, "odie", ODIE, revoke_previous=True).json()
    assert HostCertificate.objects.get(serial=first["serial"]).revoked_by == "odie@agent"
    assert HostCertificate.objects.get(serial=second["serial"]).revoked is None


def test_the_agent_may_clear_cert_cmd_but_not_set_it(ca):
    odie = Entity.objects.get(name="odie")
    do_set_values(odie, {"cert_cmd": ["renew"]}, user="tests")
    api = agent_api("odie")
    refused = api.post(
        "/api/v1/agents/odie/variables/", {"values": {"cert_cmd": ["revoke"]}}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["values"] == ["an agent may not set cert_cmd"]
    cleared = api.post(
        "/api/v1/agents/odie/variables/", {"values": {"cert_cmd": []}}, format="json"
    )
    assert cleared.status_code == 200
    assert not odie.values.filter(variable__name="cert_cmd").exists()


def test_a_second_init_and_a_revoked_certificate_are_refused(ca):
    with pytest.raises(CommandError, match="already holds a Labnet CA"):
        call_command("labnetca", "init")
    issued = request(agent_api("odie"), "odie", ODIE).json()
    certificate = HostCertificate.objects.get(serial=issued["serial"])
    admin = factories.user("admin")
    do_revoke_certificate(certificate, user=admin)
    with pytest.raises(ValidationError, match="already revoked"):
        do_revoke_certificate(certificate, user=admin)
    assert (ca / "ca.key").stat().st_mode & 0o777 == 0o600


def test_the_crl_is_republished_only_near_its_end(ca, monkeypatch):
    assert not republish_crl_if_due()
    monkeypatch.setattr("workers.certificates.CRL_REPUBLISH", datetime.timedelta(days=31))
    before = MasterStore().read("labnet_crl", "default")
    assert republish_crl_if_due()
    assert MasterStore().read("labnet_crl", "default") != before
