"""Clients' printers and default_printer become their CUPS client configuration: the managed
/etc/cups/client.conf (the default printer's print server) and /etc/cups/lpoptions (the
default), rendered by templatecat for a demo client and read by the real lpstat against a
real cupsd standing for that print server."""

from __future__ import annotations

import io
import os
import subprocess

from django.core.management import call_command

from entities.schema import DEMO_MIRROR
from filemgr.demo import DEMO_FILES

PRINT_SERVER = "odie.cs.example.edu"  # rook's printers' server, odie, in its domain


def render(file: str, client: str) -> str:
    out = io.StringIO()
    template = DEMO_FILES / file / "default_client"
    call_command(
        "templatecat", str(template), client, "client", mirror=str(DEMO_MIRROR), stdout=out
    )
    return out.getvalue()


def test_a_client_gets_its_default_printers_server_and_default():
    assert "ServerName odie.cs.example.edu\n" in render("client.conf", "rook")
    assert "Default en2036_lj\n" in render("lpoptions", "rook")
    assert "Default en1018_lj\n" in render("lpoptions", "hogwarts")


def test_lpstat_on_the_client_sees_the_print_servers_queues_and_the_default(cupsd, tmp_path):
    # en2036_clj first: were lpoptions not read, the first queue would be the default.
    for queue in ("en2036_clj", "en2036_lj"):
        made = cupsd.command(
            "lpadmin", "-p", queue, "-E", "-v", f"file://{cupsd.out}/{queue}", "-m", "raw"
        )
        assert made.returncode == 0, made.stderr
    server_root = tmp_path / "cups"
    server_root.mkdir()
    # The demo's DNS name stands for the test's cupsd.
    client_conf = render("client.conf", "rook").replace(PRINT_SERVER, cupsd.server)
    (server_root / "client.conf").write_text(client_conf)
    (server_root / "lpoptions").write_text(render("lpoptions", "rook"))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CUPS_") and k not in ("LPDEST", "PRINTER")
    }
    env.update(CUPS_SERVERROOT=str(server_root), HOME=str(tmp_path))
    done = subprocess.run(
        ["lpstat", "-d", "-a"], capture_output=True, text=True, timeout=30, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "system default destination: en2036_lj" in done.stdout
    assert "en2036_clj accepting requests" in done.stdout
