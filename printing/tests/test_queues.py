"""A print server's queues follow its printer entities, on a real cupsd."""

from __future__ import annotations

import os

import pytest

from entities.exporting import export_mirror
from entities.services import do_delete_entity, do_set_values
from filemgr.templating import MirrorSource
from printing.host.agent import PrintServer
from printing.host.cups import Cups, CupsError
from printing.host.queues import printer_queue

from .conftest import print_server, printer


def device_of(cupsd, name: str) -> str | None:
    for line in cupsd.command("lpstat", "-v").stdout.splitlines():
        if line.startswith(f"device for {name}: "):
            return line.split(": ", 1)[1]
    return None


def location_of(cupsd, name: str) -> str:
    out = cupsd.command("lpstat", "-l", "-p", name).stdout
    return next(ln.split(":", 1)[1].strip() for ln in out.splitlines() if "Location:" in ln)


def test_a_printer_entity_becomes_an_accounted_queue(db, cupsd, tmp_path):
    printer("en1018_lj", room="EN1018", device_uri=f"file://{cupsd.out}/en1018.out")

    result = print_server(cupsd, tmp_path).sync()

    assert result["created"] == ["en1018_lj"] and not result["errors"]
    assert device_of(cupsd, "en1018_lj") == f"labnet:file://{cupsd.out}/en1018.out"
    assert location_of(cupsd, "en1018_lj") == "EN1018"
    backend = cupsd.server_bin / "backend" / "labnet"
    assert backend.stat().st_mode & 0o777 == 0o700
    assert "printing.host.backend" in backend.read_text()


def test_queues_follow_changes_and_removals_of_the_entities(db, cupsd, tmp_path, admin):
    moved = printer("en1018_lj", room="EN1018", device_uri=f"file://{cupsd.out}/a.out")
    gone = printer("en2036_lj", device_uri=f"file://{cupsd.out}/b.out")
    print_server(cupsd, tmp_path).sync()
    assert (
        cupsd.command("lpadmin", "-p", "by_hand", "-v", f"file://{cupsd.out}/c.out").returncode == 0
    )

    do_set_values(moved, {"room": ["EN2036"], "device_uri": [f"file://{cupsd.out}/new.out"]})
    do_delete_entity(gone)
    result = print_server(cupsd, tmp_path).sync()

    assert result == {
        "created": [],
        "updated": ["en1018_lj"],
        "removed": ["en2036_lj"],
        "errors": [],
    }
    assert location_of(cupsd, "en1018_lj") == "EN2036"
    assert device_of(cupsd, "en1018_lj") == f"labnet:file://{cupsd.out}/new.out"
    assert device_of(cupsd, "en2036_lj") is None
    assert device_of(cupsd, "by_hand") is not None  # a queue made by hand stays
    # Nothing changed: no lpadmin at all.
    assert print_server(cupsd, tmp_path).sync() == {
        "created": [], "updated": [], "removed": [], "errors": []
    }  # fmt: skip


def test_a_printer_cups_refuses_is_reported_and_the_others_are_made(db, cupsd, tmp_path):
    printer("en1018_lj", device_uri=f"file://{cupsd.out}/a.out")
    printer("bad_model", device_uri=f"file://{cupsd.out}/b.out", ppd="drv:///no-such.drv/x.ppd")

    result = print_server(cupsd, tmp_path).sync()

    assert result["created"] == ["en1018_lj"]
    assert len(result["errors"]) == 1 and result["errors"][0].startswith(
        "printer bad_model: lpadmin"
    )
    assert device_of(cupsd, "bad_model") is None


def test_a_device_uri_password_never_reaches_the_report(db, cupsd, tmp_path, monkeypatch):
    printer("smb_bad", device_uri="smb://lab:Sekr3t-pw@winsrv/lj", ppd="drv:///no-such.drv/x.ppd")

    refused = print_server(cupsd, tmp_path).sync()["errors"]
    # A timeout's message holds lpadmin's whole command line.
    monkeypatch.setattr("printing.host.cups.TIMEOUT", 0)
    with pytest.raises(CupsError) as timed_out:
        Cups().define(printer_queue("smb_lj", {"device_uri": ["smb://lab:Sekr3t-pw@winsrv/lj"]}))

    assert len(refused) == 1 and "Sekr3t" not in refused[0]
    assert "timed out" in str(timed_out.value) and "Sekr3t" not in str(timed_out.value)
    assert "labnet:smb://(credentials)@winsrv/lj" in str(timed_out.value)


def test_a_long_error_cut_inside_a_device_uri_keeps_its_password_out(tmp_path, monkeypatch):
    uri = "smb://lab:Sekr3t-pw@winsrv/lj"
    # lpadmin's error ends 500 characters after the URI's scheme: the message kept begins
    # inside the URI, after its "smb://".
    said = tmp_path / "error"
    said.write_text("lpadmin: " + "x" * 300 + uri + "y" * (500 - len(uri) + len("smb://")))
    fake = tmp_path / "bin" / "lpadmin"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ncat {said} >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    with pytest.raises(CupsError) as refused:
        Cups().define(printer_queue("smb_lj", {"device_uri": [uri]}))
    assert "Sekr3t" not in str(refused.value)
    assert str(refused.value).startswith("(credentials)@winsrv/lj")


def test_a_host_serving_no_printer_runs_no_cups_program(db, tmp_path):
    # No scheduler answers on port 1: a CUPS program run would fail the pass.
    export_mirror(tmp_path / "etc")
    server = PrintServer(
        "odie", MirrorSource(tmp_path / "etc"), tmp_path, Cups("127.0.0.1:1"), tmp_path / "lib"
    )
    assert server.sync() == {"created": [], "updated": [], "removed": [], "errors": []}
