"""The client's iPXE script names exactly the target LIO exports and the initiator its ACL
lets in: the demo template (demo/files/ipxe_template) and imaging.host.iscsi.planning follow
one rule, checked here for every demo Windows client and for names and domains of other
shapes; a client in a WIMP session asks for the session's direct target instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from filemgr.templating import SnapshotSource
from filemgr.templating.template import compile_template
from imaging.host.iscsi.mirror import IscsiMirror
from imaging.host.iscsi.planning import (
    Appserver,
    IscsiClient,
    Refused,
    initiator_iqn,
    target_iqn,
)

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "demo" / "files" / "ipxe_template" / "cs@dept_server"
DEMO = REPO / "demo" / "mirror"


def script_iqns(source: SnapshotSource, client: str) -> tuple[str, str]:
    """(initiator, target) the rendered iPXE script of client sends."""
    script = compile_template(TEMPLATE.read_bytes(), str(TEMPLATE)).render(source, client, None)
    initiator = re.search(r"^set initiator-iqn (\S+)$", script, re.M)[1]
    assert re.search(rf"^set username {re.escape(initiator)}$", script, re.M)
    target = re.search(r"^sanhook iscsi:[^:]*::::(\S+)$", script, re.M)[1]
    return initiator, target


def planned_iqns(source: SnapshotSource, client: str) -> tuple[str, str]:
    values = source.data["client"][client]
    server_name = values["appserver"][0]
    server = source.data["server"][server_name]
    appserver = Appserver(
        server_name,
        server["domain"][0],
        source.data["lnappconf"]["menuserver"]["iqn_prefix"][0],
        "vg2",
        (),
    )
    iscsi_client = IscsiClient(client, values["domain"][0], values["windowsImage"][0], "x")
    return (
        initiator_iqn(appserver, iscsi_client),
        target_iqn(appserver, iscsi_client.windows_image, client),
    )


@pytest.fixture
def demo() -> SnapshotSource:
    return SnapshotSource.from_mirror(DEMO)


def windows_clients(source: SnapshotSource) -> list[str]:
    return sorted(
        name
        for name, values in source.data["client"].items()
        if (values.get("windowsImage") or [""])[0] and (values.get("appserver") or [""])[0]
    )


def test_every_demo_windows_client_asks_for_the_target_lio_exports(demo):
    clients = windows_clients(demo)
    assert "rook" in clients
    for client in clients:
        assert script_iqns(demo, client) == planned_iqns(demo, client), client


def test_rooks_script_names_the_target_the_mirror_plans(demo, tmp_path):
    mirror = IscsiMirror(DEMO, "megatron", tmp_path)
    server, rook = mirror.appserver(), mirror.client("rook")
    assert script_iqns(demo, "rook") == (
        "iqn.1989-06.edu.example.cs.rook:system-disk",
        target_iqn(server, rook.windows_image, "rook"),
    )


@pytest.mark.parametrize(
    "client_domain, server_domain, image",
    [
        ("example.edu", "example.edu", "cs_lab"),
        ("a.b.c.d.e.f.example.edu", "cs.example.edu", "win_7_lab_2024"),
        ("cs.example.edu", "x.cs.example.edu", "plain"),
        ("lab_1.example.edu", "cs.example.edu", "a_b_c_d_e_f_g_h"),
    ],
)
def test_other_domains_and_image_names_agree(demo, client_domain, server_domain, image):
    demo.data["client"]["rook"]["domain"] = [client_domain]
    demo.data["client"]["rook"]["windowsImage"] = [image]
    demo.data["server"]["megatron"]["domain"] = [server_domain]
    assert script_iqns(demo, "rook") == planned_iqns(demo, "rook")


@pytest.mark.parametrize(
    "client_domain, image, message",
    [
        ("CS.example.edu", "cs_lab", "has an uppercase letter"),
        ("a.b.c.d.e.f.g.h.example", "cs_lab", "domain has more than 8 labels"),
        ("cs.example.edu", "a_b_c_d_e_f_g_h_i_j", "more than 8 '_'"),
    ],
)
def test_names_the_template_cannot_write_are_refused(demo, client_domain, image, message):
    demo.data["client"]["rook"]["domain"] = [client_domain]
    demo.data["client"]["rook"]["windowsImage"] = [image]
    with pytest.raises(Refused, match=message):
        planned_iqns(demo, "rook")


def script(source: SnapshotSource, client: str) -> str:
    return compile_template(TEMPLATE.read_bytes(), str(TEMPLATE)).render(source, client, None)


def direct_target(source: SnapshotSource, server_name: str, image: str) -> str:
    server = source.data["server"][server_name]
    prefix = source.data["lnappconf"]["menuserver"]["iqn_prefix"][0]
    return target_iqn(Appserver(server_name, server["domain"][0], prefix, "vg2", ()), image, None)


def test_a_client_in_a_wimp_session_boots_the_sessions_direct_target(demo):
    # The demo's New Managed Install of cs_lab2 is bunting's (which has no windowsImage).
    assert demo.data["wimpSession"]["cs_lab2"]["client"] == ["bunting"]
    initiator, target = script_iqns(demo, "bunting")
    assert target == direct_target(demo, "megatron", "cs_lab2")
    assert target == "iqn.1989-06.edu.example.cs.megatron:cs-lab2"
    assert initiator == "iqn.1989-06.edu.example.cs.bunting:system-disk"

    # Its windowsImage does not matter while the session is open; the session's appserver
    # (its target and next-server) does.
    demo.data["client"]["bunting"]["windowsImage"] = ["cs_lab"]
    demo.data["server"]["megatron"]["domain"] = ["lab.example.edu"]
    assert script_iqns(demo, "bunting")[1] == "iqn.1989-06.edu.example.lab.megatron:cs-lab2"
    assert "set next-server 192.0.2.20\n" in script(demo, "bunting")


@pytest.mark.parametrize("mode", ["update", "clone"])
def test_update_and_clone_sessions_boot_the_direct_target_too(demo, mode):
    demo.data["wimpSession"]["cs_lab2"]["mode"] = [mode]
    assert script_iqns(demo, "bunting")[1] == direct_target(demo, "megatron", "cs_lab2")


def test_outside_a_session_the_client_boots_its_cow_disk_or_no_disk(demo):
    demo.data["client"]["bunting"]["windowsImage"] = ["cs_lab"]
    # A local-disk session (XP WIMP) boots diskless Linux: the client's own COW disk as usual.
    demo.data["wimpSession"]["cs_lab2"]["mode"] = ["xp"]
    assert script_iqns(demo, "bunting") == planned_iqns(demo, "bunting")
    assert script_iqns(demo, "bunting")[1].endswith(":cs-lab:bunting")
    # The session over (its entity gone): the COW disk again; with no windowsImage no disk.
    del demo.data["wimpSession"]["cs_lab2"]
    over = SnapshotSource(demo.data)  # a fresh search index, as a new mirror read has
    assert script_iqns(over, "bunting")[1].endswith(":cs-lab:bunting")
    demo.data["client"]["bunting"]["windowsImage"] = []
    assert "sanhook" not in script(over, "bunting")
    assert "set password" not in script(over, "bunting")
