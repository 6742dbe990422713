"""The shipped ssh web of trust (guide 2.7): every host's published ssh_key becomes a line of
/etc/ssh/ssh_known_hosts and its name a line of shosts.equiv, through the agent's install."""

from pathlib import Path

from django.conf import settings

from filemgr.templating import MirrorSource
from workers.host.files import HostFiles
from workers.host.paths import AgentPaths
from workers.tests.mirrors import offline_content, write_entity, write_file

FILES = Path(settings.BASE_DIR) / "demo" / "files"
ODIE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOdie root@odie"
SCOUT_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIScout root@scout"


def test_known_hosts_and_shosts_equiv_list_every_host_with_a_key(tmp_path):
    paths = AgentPaths(tmp_path / "root", tmp_path / "etc")
    write_entity(
        paths.etc, "server", "odie", domain="cs.example.edu", ip="192.0.2.12", ssh_key=ODIE_KEY
    )
    write_entity(paths.etc, "server", "keeper", domain="cs.example.edu", ip="192.0.2.30")
    write_entity(
        paths.etc,
        "client",
        "scout",
        domain="math.example.edu",
        ip_address="198.51.100.40",
        ssh_key=SCOUT_KEY,
    )
    for name, path in (
        ("ssh_known_hosts", "/etc/ssh/ssh_known_hosts"),
        ("shosts.equiv", "/etc/ssh/shosts.equiv"),
    ):
        template = (FILES / name / "default").read_text()
        write_file(paths.etc, paths.master, name, path, {"default": (template, True)})
    run = HostFiles(paths, MirrorSource(paths.etc), "odie", offline_content(paths.master)).apply()
    assert run.errors == []
    known = (paths.root / "etc/ssh/ssh_known_hosts").read_text().splitlines()
    assert known[1:] == [
        f"odie,odie.cs.example.edu,192.0.2.12 {ODIE_KEY}",
        f"scout,scout.math.example.edu,198.51.100.40 {SCOUT_KEY}",
    ]
    equiv = (paths.root / "etc/ssh/shosts.equiv").read_text().splitlines()
    assert [line for line in equiv if not line.startswith("#")] == [
        "odie.cs.example.edu",
        "scout.math.example.edu",
    ]
