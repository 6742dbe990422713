"""authdns zones from the configuration: A, PTR and CNAME records named-checkzone accepts,
clashes reported without breaking the zone, and the serial moving only on a change."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest

from filemgr.templating import MirrorSource
from workers.host.dns import build_zones, serial_of, zone_if_changed, zone_text
from workers.host.functions import FunctionContext, run_functions
from workers.host.paths import AgentPaths

from .mirrors import write_entity

CHECKZONE = shutil.which("named-checkzone")
TODAY = datetime.date(2026, 3, 1)


def campus(etc: Path) -> None:
    write_entity(etc, "domain", "cs.example.edu", subnet="192.0.2.0")
    write_entity(etc, "domain", "math.example.edu", subnet="198.51.100.0")
    write_entity(
        etc,
        "server",
        "odie",
        domain="cs.example.edu",
        ip="192.0.2.12",
        functions=["authdns", "appserver"],
        cname=["www", "mail"],
    )
    write_entity(
        etc, "server", "keeper", domain="math.example.edu", ip="198.51.100.7", cname=["files"]
    )
    write_entity(etc, "client", "scout", domain="cs.example.edu", ip_address="192.0.2.40")


def check(zone_file: Path, origin: str) -> str:
    done = subprocess.run([CHECKZONE, origin, str(zone_file)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_zones_hold_every_hosts_records(tmp_path):
    campus(tmp_path)
    build = build_zones(MirrorSource(tmp_path))
    assert build.problems == []
    assert build.nameservers == ["odie.cs.example.edu"]
    assert sorted(build.zones["cs.example.edu"].records) == [
        ("mail", "CNAME", "odie.cs.example.edu."),
        ("odie", "A", "192.0.2.12"),
        ("scout", "A", "192.0.2.40"),
        ("www", "CNAME", "odie.cs.example.edu."),
    ]
    assert sorted(build.zones["2.0.192.in-addr.arpa"].records) == [
        ("12", "PTR", "odie.cs.example.edu."),
        ("40", "PTR", "scout.cs.example.edu."),
    ]


@pytest.mark.skipif(CHECKZONE is None, reason="named-checkzone (bind9-utils) is not installed")
def test_clashes_are_reported_and_the_zone_stays_valid(tmp_path):
    campus(tmp_path)
    # A client named like a server of the same domain, an alias on a host's name, an alias
    # taken twice, an address used twice.
    write_entity(tmp_path, "client", "odie", domain="cs.example.edu", ip_address="192.0.2.99")
    write_entity(
        tmp_path,
        "standalone",
        "discovery",
        domain="cs.example.edu",
        ip_address="192.0.2.40",
        cname=["scout"],
        cn_name=["files"],
        cn_domain=["math.example.edu"],
    )
    build = build_zones(MirrorSource(tmp_path))
    assert build.problems == [
        "odie.cs.example.edu is claimed by client/odie and server/odie; kept client/odie's",
        "192.0.2.40 is the address of client/scout and standalone/discovery; "
        "its PTR names scout.cs.example.edu",
        "standalone/discovery: alias scout.cs.example.edu is already a host's name; skipped",
        "standalone/discovery: alias files.math.example.edu is already an alias of "
        "server/keeper; skipped",
    ]
    for name, zone in build.zones.items():
        path = tmp_path / f"{name}.zone"
        path.write_text(zone_text(zone, build.nameservers, 2026030100))
        check(path, name)


def test_the_serial_moves_only_when_the_records_change(tmp_path):
    campus(tmp_path)
    build = build_zones(MirrorSource(tmp_path))
    zone = build.zones["cs.example.edu"]
    first = zone_if_changed(zone, build.nameservers, None, TODAY)
    assert serial_of(first) == 2026030100
    assert zone_if_changed(zone, build.nameservers, first, TODAY) is None
    zone.records.append(("new", "A", "192.0.2.50"))
    assert serial_of(zone_if_changed(zone, build.nameservers, first, TODAY)) == 2026030101


def test_the_authdns_handler_installs_zones_and_zones_conf(tmp_path):
    campus(tmp_path / "etc")
    paths = AgentPaths(tmp_path / "root", tmp_path / "etc")
    context = FunctionContext("odie", paths, MirrorSource(paths.etc))
    done = run_functions(context, ["basic_services", "appserver", "authdns"])
    assert list(done) == ["appserver", "authdns"]
    assert done["appserver"].problems == []  # it serves no client
    assert done["authdns"].changed == [
        "/var/lib/labnet/zones/100.51.198.in-addr.arpa.zone",
        "/var/lib/labnet/zones/2.0.192.in-addr.arpa.zone",
        "/var/lib/labnet/zones/cs.example.edu.zone",
        "/var/lib/labnet/zones/math.example.edu.zone",
        "/var/lib/labnet/zones/zones.conf",
    ]
    again = run_functions(FunctionContext("odie", paths, MirrorSource(paths.etc)), ["authdns"])
    assert again["authdns"].changed == []
