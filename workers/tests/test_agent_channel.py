"""The agent's channel: over https it trusts the Labnet CA installed on the host alone, and
the web server's own certificate comes from that CA (manage.py labnetca server)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from testing import hosts
from workers.ca import CertificateAuthority, certificate_pem, read_csr
from workers.host.agent import Agent
from workers.host.certs import certificate_request
from workers.host.client import ApiClient, ApiUnavailable
from workers.host.identity import Identity
from workers.host.settings import AgentSettings
from workers.models import HostCertificate

from .campus import server

LOOPBACK = Identity("web", "web.cs.example.edu", (), ("127.0.0.1",))


class Answers(BaseHTTPRequestHandler):
    """Answers every request with the token it was sent, as JSON."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"path": self.path, "auth": self.headers["Authorization"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@contextmanager
def https_server(certificate: Path, key: Path) -> Iterator[str]:
    """A real TLS server on a free loopback port with certificate and key; yields its URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def web_server_files(ca: CertificateAuthority, directory: Path) -> tuple[Path, Path]:
    """A certificate ca issued for the loopback web server, and its key."""
    key_pem, csr = certificate_request(LOOPBACK)
    directory.mkdir(parents=True)
    (directory / "host.key").write_bytes(key_pem)
    pem = certificate_pem(ca.sign(read_csr(csr), "web.cs.example.edu"))
    (directory / "host.pem").write_text(pem)
    return directory / "host.pem", directory / "host.key"


@pytest.fixture
def labnet_ca(tmp_path) -> CertificateAuthority:
    return CertificateAuthority.create(tmp_path / "ca")


def test_the_agent_talks_to_a_web_server_the_labnet_ca_certified(labnet_ca, tmp_path):
    with https_server(*web_server_files(labnet_ca, tmp_path / "web")) as url:
        client = ApiClient(url, "t0ken", ca_file=labnet_ca.directory / "ca.pem")
        assert client.get("changes/", {"since": 3}) == {
            "path": "/api/v1/changes/?since=3",
            "auth": "Token t0ken",
        }


def test_a_web_server_certified_by_another_ca_is_refused(labnet_ca, tmp_path):
    other = CertificateAuthority.create(tmp_path / "other-ca", "Somebody Else's CA")
    with https_server(*web_server_files(other, tmp_path / "web")) as url:
        client = ApiClient(url, "t0ken", ca_file=labnet_ca.directory / "ca.pem")
        with pytest.raises(ApiUnavailable) as refused:
            client.get("changes/")
    message = str(refused.value)
    assert "the web server's certificate is not trusted" in message
    assert f"Labnet CA of {labnet_ca.directory / 'ca.pem'}" in message
    assert "unable to get local issuer certificate" in message


def test_a_certificate_for_another_name_is_refused(labnet_ca, tmp_path):
    key_pem, csr = certificate_request(Identity("mail", "mail.cs.example.edu", (), ()))
    (tmp_path / "host.key").write_bytes(key_pem)
    (tmp_path / "host.pem").write_text(certificate_pem(labnet_ca.sign(read_csr(csr), "mail")))
    with https_server(tmp_path / "host.pem", tmp_path / "host.key") as url:
        client = ApiClient(url, "t0ken", ca_file=labnet_ca.directory / "ca.pem")
        with pytest.raises(ApiUnavailable, match="IP address mismatch"):
            client.get("changes/")


def test_without_the_labnet_ca_installed_https_is_refused_not_trusted_blindly(tmp_path):
    client = ApiClient("https://127.0.0.1:9", "t0ken", ca_file=tmp_path / "ca.pem")
    with pytest.raises(ApiUnavailable, match=r"no Labnet CA certificate at .*ca\.pem"):
        client.get("changes/")


def test_the_agent_pins_the_ca_installed_under_its_root(labnet_ca, tmp_path, monkeypatch):
    monkeypatch.delenv("LABNET_CA_FILE", raising=False)
    root = tmp_path / "root"
    installed = root / "etc/ssl/labnet/ca.pem"
    installed.parent.mkdir(parents=True)
    installed.write_text(labnet_ca.pem)
    with https_server(*web_server_files(labnet_ca, tmp_path / "web")) as url:
        settings = AgentSettings("odie", url, "t0ken", "memory://", root, tmp_path / "etc")
        agent = Agent(settings)
        assert agent.register()["path"] == "/api/v1/agents/odie/register/"
        installed.write_text(CertificateAuthority.create(tmp_path / "other-ca").pem)
        with pytest.raises(ApiUnavailable, match="not trusted"):
            agent.register()  # a new labnet_ca is read at the next request


@pytest.fixture
def ca_in_database(db, settings, tmp_path) -> Path:
    settings.LABNET_CA_DIR = tmp_path / "ca"
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.file_manager_type()
    call_command("labnetca", "init", stdout=open("/dev/null", "w"))
    return tmp_path / "ca"


def test_labnetca_server_issues_the_web_servers_certificate(ca_in_database, tmp_path):
    server("web", "127.0.0.1")
    tls = tmp_path / "etc-ssl-labnet"
    call_command("labnetca", "server", "web", "--dir", str(tls), stdout=open("/dev/null", "w"))
    assert oct(tls.joinpath("host.key").stat().st_mode & 0o777) == "0o600"
    recorded = HostCertificate.objects.get(host="web")
    assert (recorded.names, recorded.addresses) == (["web.cs.example.edu"], ["127.0.0.1"])
    with https_server(tls / "host.pem", tls / "host.key") as url:
        client = ApiClient(url, "t0ken", ca_file=ca_in_database / "ca.pem")
        assert client.get("register/")["auth"] == "Token t0ken"


def test_labnetca_server_refuses_an_unknown_host(ca_in_database, tmp_path):
    with pytest.raises(CommandError, match="no host named 'nowhere'"):
        call_command("labnetca", "server", "nowhere", "--dir", str(tmp_path / "tls"))
    assert not (tmp_path / "tls").exists()
