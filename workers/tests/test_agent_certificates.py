"""The agent's certificate: asked for at the sanity pass, installed with its key's mode,
renewed once expired, and on cert_cmd, which the agent then clears; the reload scripts run."""

from __future__ import annotations

import datetime
import grp
import json
import stat
from typing import Any

import pytest
from cryptography import x509
from django.core.management import call_command

from entities.models import Entity
from entities.services import do_set_values
from testing import hosts
from workers.ca import CertificateAuthority, certificate_pem, read_csr
from workers.certificates import ca_directory
from workers.host.agent import Agent
from workers.host.certs import CERT_PATH, KEY_PATH, certificate_request
from workers.host.identity import Identity
from workers.host.settings import AgentSettings
from workers.models import HostCertificate
from workers.services import do_make_host_token
from workers.tests.test_agent_retry import WebServer

from .campus import server


class JsonWebServer(WebServer):
    """The API in this process, answering posts parsed as ApiClient.post does."""

    def post(self, path: str, body: Any) -> Any:
        answer = super().post(path, body)
        return json.loads(answer) if answer else None


@pytest.fixture
def agent(db, settings, tmp_path) -> Agent:
    settings.LABNET_CA_DIR = tmp_path / "ca"
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.file_manager_type()
    server("odie", "192.0.2.12", cname=["www"])
    call_command("labnetca", "init", stdout=open("/dev/null", "w"))
    token = do_make_host_token("odie")
    agent = Agent(
        AgentSettings("odie", "http://unused", token, "", tmp_path / "root", tmp_path / "etc")
    )
    agent.client = JsonWebServer(token)
    reload = agent.paths.root / "etc/ssl/labnet/reload.d/slapd"
    reload.parent.mkdir(parents=True)
    reload.write_text("#!/bin/sh\necho reloaded $LABNET_FILE\n")
    reload.chmod(0o755)
    return agent


def installed(agent: Agent) -> x509.Certificate:
    return x509.load_pem_x509_certificate((agent.paths.root / CERT_PATH.lstrip("/")).read_bytes())


def test_the_sanity_pass_installs_a_certificate_and_renews_it_once_expired(agent):
    report = agent.sanity()
    first = installed(agent)
    key = agent.paths.root / KEY_PATH.lstrip("/")
    # Root-only, or readable by Debian's ssl-cert group where it exists and we are root.
    assert stat.S_IMODE(key.stat().st_mode) in (0o600, 0o640)
    if stat.S_IMODE(key.stat().st_mode) == 0o640:
        assert grp.getgrgid(key.stat().st_gid).gr_name == "ssl-cert"
    assert {"file": "certificate", "path": CERT_PATH} in report["files_changed"]
    assert [s["output"] for s in report["scripts"] if s["file"] == "certificate"] == [
        f"reloaded {agent.paths.root / CERT_PATH.lstrip('/')}\n"
    ]
    assert agent.sanity()["files_changed"] == []  # right as it is: left alone

    # An expired certificate for the same key, as a host that slept through its renewal has.
    key_pem, csr = certificate_request(
        Identity("odie", "odie.cs.example.edu", ("www.cs.example.edu",), ("192.0.2.12",))
    )
    expired = CertificateAuthority(ca_directory()).sign(
        read_csr(csr),
        "odie.cs.example.edu",
        days=1,
        not_before=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3),
    )
    key.write_bytes(key_pem)
    (agent.paths.root / CERT_PATH.lstrip("/")).write_text(certificate_pem(expired))
    agent.sanity()
    renewed = installed(agent)
    assert renewed.not_valid_after_utc > datetime.datetime.now(datetime.UTC)
    assert renewed.serial_number not in (first.serial_number, expired.serial_number)
    assert HostCertificate.objects.filter(host="odie").count() == 2


def test_cert_cmd_revoke_renews_revokes_the_old_one_and_is_cleared(agent):
    agent.sanity()
    first = installed(agent)
    odie = Entity.objects.get(name="odie")
    do_set_values(odie, {"cert_cmd": ["revoke"]}, user="tests")
    report = agent.sync()
    assert installed(agent).serial_number != first.serial_number
    assert HostCertificate.objects.get(serial=f"{first.serial_number:x}").revoked_by == "odie@agent"
    assert not odie.values.filter(variable__name="cert_cmd").exists()
    assert report["errors"] == []


def test_without_a_ca_the_installed_pair_stays_and_the_report_says_why(agent):
    agent.sanity()
    first = installed(agent)
    (ca_directory() / "ca.key").unlink()
    do_set_values(Entity.objects.get(name="odie"), {"cert_cmd": ["renew"]}, user="tests")
    report = agent.sync()
    assert installed(agent).serial_number == first.serial_number
    assert report["errors"] == [
        {
            "file": "certificate",
            "message": "certificate not renewed (cert_cmd renew): HTTP 400: "
            '{"non_field_errors":["the web server has no Labnet CA: run manage.py labnetca '
            'init"]}',
        }
    ]


def test_a_campus_without_a_ca_gets_no_certificate_and_no_error_until_cert_cmd_asks(
    db, settings, tmp_path
):
    settings.LABNET_CA_DIR = tmp_path / "ca"
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.file_manager_type()
    server("odie", "192.0.2.12")
    token = do_make_host_token("odie")
    agent = Agent(
        AgentSettings("odie", "http://unused", token, "", tmp_path / "root", tmp_path / "etc")
    )
    agent.client = JsonWebServer(token)
    report = agent.sanity()
    assert report["errors"] == []
    assert not (agent.paths.root / CERT_PATH.lstrip("/")).exists()
    do_set_values(Entity.objects.get(name="odie"), {"cert_cmd": ["renew"]}, user="tests")
    [error] = agent.sync()["errors"]
    assert error["file"] == "certificate"
    assert "the web server has no Labnet CA: run manage.py labnetca init" in error["message"]
