"""The managed DHCP templates (demo/files/dhcpd.conf, kea-dhcp4.conf) rendered from the mirror
for each appserver and checked by the real servers' own validators."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from filemgr.templating import MirrorSource, compile_template
from imaging.tests.bootsupport import DEMO, set_value

APPSERVERS = ("odie", "megatron", "scout")
VALIDATORS = {
    "dhcpd.conf": ("dhcpd", ["dhcpd", "-t", "-cf"]),
    "kea-dhcp4.conf": ("kea-dhcp4", ["kea-dhcp4", "-t"]),
}


def render(name: str, host: str, etc=DEMO / "mirror") -> str:
    template = (DEMO / "files" / name / "default_server").read_bytes()
    return compile_template(template, name).render(MirrorSource(etc), host, "server")


def validate(name: str, text: str, tmp_path) -> subprocess.CompletedProcess:
    program, command = VALIDATORS[name]
    if shutil.which(program) is None:
        pytest.skip(f"{program} not installed")
    path = tmp_path / name
    path.write_text(text)
    return subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", VALIDATORS)
@pytest.mark.parametrize("host", APPSERVERS)
def test_the_validator_accepts_each_appservers_file(name, host, tmp_path):
    checked = validate(name, render(name, host), tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_dhcpd_conf_carries_each_client_of_the_appserver():
    text = render("dhcpd.conf", "odie")
    hogwarts = re.search(r"host hogwarts \{\n(.*?)\n\}", text, re.S).group(1)
    for line in (
        "hardware ethernet 02:00:5e:10:00:6e;",
        "fixed-address 192.0.2.110;",
        "option routers 192.0.2.1;",
        "option domain-name-servers 192.0.2.12, 203.0.113.143;",
        "next-server 192.0.2.10;",
        'option pxelinux-configfile "linux_template";',
        'filename "ipxe.efi";',
        'filename "pxelinux.0";',
    ):
        assert line in hogwarts
    assert "host rook" not in text  # megatron's


def test_kea_conf_carries_each_client_and_its_uefi_and_ipxe_classes():
    import json

    text = render("kea-dhcp4.conf", "megatron")
    config = json.loads("\n".join(line for line in text.splitlines() if not line.startswith("//")))
    dhcp4 = config["Dhcp4"]
    rook = next(r for r in dhcp4["reservations"] if r["hostname"] == "rook")
    assert (rook["hw-address"], rook["ip-address"]) == ("02:00:5e:10:00:65", "192.0.2.101")
    options = {o["name"]: o["data"] for o in rook["option-data"]}
    assert options["pxelinux-configfile"] == "winlin_template"
    classes = {c["name"]: c for c in dhcp4["client-classes"]}
    assert classes["boot rook"]["boot-file-name"] == "lnundionly.kpxe"
    assert classes["boot rook"]["next-server"] == "192.0.2.20"
    assert classes["UEFI"]["boot-file-name"] == "ipxe.efi"
    assert classes["iPXE"]["boot-file-name"] == "http://192.0.2.20:8080/ipxe?mac=${net0/mac}"
    assert dhcp4["subnet4"][0]["subnet"] == "192.0.2.0/24"


@pytest.mark.parametrize("name", VALIDATORS)
def test_a_bad_mac_in_the_configuration_is_caught_by_the_validator(name, tmp_path):
    etc = tmp_path / "etc"
    shutil.copytree(DEMO / "mirror", etc)
    set_value(etc, "client/hogwarts", "mac_address", "zz:00:5e:10:00:6e")
    checked = validate(name, render(name, "odie", etc), tmp_path)
    assert checked.returncode != 0
