"""The client's iPXE script names exactly the target LIO exports and the initiator its ACL
lets in: the demo template (demo/files/ipxe_template) and imaging.host.iscsi.planning follow
one rule, checked here for every demo Windows client and for names and domains of other
shapes."""

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
