"""The managed slapd.conf (fileMgr slapd.conf, demo/files/slapd.conf): the master's for the
host with the masterldap function, a replica's for the ldapserver hosts, each rendered by
templatecat from the demo mirror and accepted by the real `slaptest -u`; the master's also
serves a directory that ldapinit and the webtool's identity can use."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import ldap
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from accounts.directory import initialise
from entities.schema import DEMO_MIRROR
from filemgr.demo import DEMO_FILES
from filemgr.resolution import CLIENT, FILE_TYPE, SERVER, host_facts, managed_file, resolve
from filemgr.templating import MirrorSource
from testing import slapd
from testing.live import free_port, wait_for

pytestmark = pytest.mark.skipif(
    not slapd.available(), reason="slapd is not installed (scripts/setup installs it)"
)
BASE = "dc=labnet,dc=example"


def render(instance: str, host: str) -> str:
    out = io.StringIO()
    call_command(
        "templatecat",
        str(DEMO_FILES / "slapd.conf" / instance),
        host,
        "server",
        mirror=str(DEMO_MIRROR),
        stdout=out,
    )
    return out.getvalue()


def localised(config: str, directory: Path) -> Path:
    """The rendered config with the host's own paths moved into directory (tests cannot write
    /var/lib/ldap or /etc/ldap), written there with the root-only rootpw file it includes."""
    (directory / "data").mkdir(parents=True)
    (directory / "tls").mkdir()
    rootpw = directory / "slapd-rootpw.conf"
    rootpw.write_text(f"rootpw {slapd.ROOT_PW}\n")
    for host_path, here in (
        ("/etc/ldap/slapd-rootpw.conf", rootpw),
        ("/etc/ldap/tls", directory / "tls"),
        ("/var/lib/ldap", directory / "data"),
        ("/var/run/slapd", directory),
        ("/opt/labnet", django_settings.BASE_DIR),
    ):
        config = config.replace(host_path, str(here))
    path = directory / "slapd.conf"
    path.write_text(config)
    return path


def slaptest(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(slapd.SLAPTEST), "-f", str(path), "-u"], capture_output=True, text=True, timeout=30
    )


def test_the_masterldap_and_ldapserver_hosts_get_their_instance_and_no_other_host_does():
    source = MirrorSource(DEMO_MIRROR)
    file = managed_file("slapd.conf", source.entity_values(FILE_TYPE, "slapd.conf"))
    got = {}
    for kind in (SERVER, CLIENT):
        for name in source.entity_names(kind):
            instance = resolve(file, host_facts(name, kind, source.entity_values(kind, name)))
            if instance is not None:
                got[name] = instance.name
    assert got == {"crank": "masterldap", "ratchet": "ldapserver"}
    assert file.path == "/etc/ldap/slapd.conf" and file.mode == 0o640


def test_the_master_config_passes_slaptest_and_lets_its_replicas_read(tmp_path):
    config = render("masterldap", "crank")
    assert f'suffix "{BASE}"' in config
    assert "index entryCSN,entryUUID eq" in config
    assert f'by dn.exact="cn=ratchet,ou=machines,{BASE}" read' in config
    assert "overlay syncprov" in config and "moduleload argon2" in config
    assert not [line for line in config.splitlines() if line.startswith("rootpw")]
    check = slaptest(localised(config, tmp_path / "master"))
    assert check.returncode == 0, check.stderr


def test_the_replica_config_passes_slaptest_and_follows_the_master_in_ldapsrv(tmp_path):
    config = render("ldapserver", "ratchet")
    assert "syncrepl rid=001 provider=ldap://crank.labnet.example.edu/ " in config
    assert "bindmethod=sasl saslmech=EXTERNAL starttls=critical" in config
    assert "type=refreshAndPersist" in config
    assert "updateref ldap://crank.labnet.example.edu/" in config
    assert "index entryCSN,entryUUID eq" in config
    assert "credentials" not in config and "rootpw" not in config
    check = slaptest(localised(config, tmp_path / "replica"))
    assert check.returncode == 0, check.stderr


def test_a_config_slaptest_refuses_is_caught(tmp_path):
    # The check above can fail: a config naming a module slapd lacks is refused.
    config = render("masterldap", "crank").replace("moduleload argon2", "moduleload argon9")
    assert slaptest(localised(config, tmp_path / "bad")).returncode != 0


def test_the_master_config_serves_a_directory_ldapinit_fills(tmp_path):
    """slapd runs the rendered master config (TLS lines aside: the host's certificate is not
    here) and ldapinit makes the tree through the rootpw file it includes."""
    config = "\n".join(
        line for line in render("masterldap", "crank").splitlines() if not line.startswith("TLS")
    )
    path = localised(config + "\n", tmp_path / "run")
    port = free_port()
    url = f"ldap://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [str(slapd.SLAPD), "-d", "0", "-h", url, "-f", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def answers() -> bool:
            assert process.poll() is None, "slapd exited"
            try:
                ldap.initialize(url).simple_bind_s()
            except ldap.SERVER_DOWN:
                return False
            return True

        wait_for(answers, timeout=20, what="the rendered master slapd")
        initialise(url, f"cn=admin,{BASE}", slapd.ROOT_PW, BASE, slapd.WEBTOOL_PW)
        webtool = ldap.initialize(url)
        webtool.simple_bind_s(f"cn=webtool,ou=system,{BASE}", slapd.WEBTOOL_PW)
        found = webtool.search_s(f"cn=default,ou=policies,{BASE}", ldap.SCOPE_BASE)
        assert found and found[0][1]["pwdMinLength"]
    finally:
        process.terminate()
        process.wait(timeout=10)
