"""menuserver over real HTTP: each client's iPXE script from its ipxe_menu, boot files with
Range, a clear status for every bad request, and the one-at-a-time COW target queue."""

from __future__ import annotations

import http.client
import threading

import pytest

from imaging.host import menuserver
from imaging.tests.bootsupport import PXELINUX, boot_tree, running_menuserver

ROOK_MAC = "02:00:5e:10:00:65"  # a Windows 7 client of megatron (windowsImage cs_lab)


@pytest.fixture
def megatron(tmp_path):
    etc, root = boot_tree(tmp_path)
    with running_menuserver("megatron", etc, root) as server:
        yield server


def get(server, path: str, **headers: str) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def mac_of(server, client: str) -> str:
    return next(c.mac for c in server.index.clients() if c.name == client)


def test_the_ipxe_script_of_a_client_is_its_ipxe_menu_rendered(megatron):
    status, headers, body = get(megatron, f"/ipxe?mac={ROOK_MAC.upper().replace(':', '-')}")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    script = body.decode()
    assert script.startswith("#!ipxe\n")
    assert "set initiator-iqn iqn.1989-06.edu.example.cs.rook:system-disk\n" in script
    assert "set password rookiscsipas\n" in script
    assert "sanhook iscsi:192.0.2.20::::iqn.1989-06.edu.example.cs.megatron:cs-lab:rook" in script


def test_boot_files_whole_and_by_range(megatron):
    status, headers, body = get(megatron, "/boot/pxelinux.0")
    assert (status, body, headers["Accept-Ranges"]) == (200, PXELINUX, "bytes")
    status, headers, body = get(megatron, "/boot/pxelinux.0", Range="bytes=100-199")
    assert (status, body) == (206, PXELINUX[100:200])
    assert headers["Content-Range"] == f"bytes 100-199/{len(PXELINUX)}"
    assert get(megatron, "/boot/pxelinux.0", Range="bytes=-10")[2] == PXELINUX[-10:]
    assert get(megatron, "/boot/pxelinux.0", Range="bytes=40000-")[2] == PXELINUX[40000:]
    assert get(megatron, "/boot/pxelinux.0", Range="bytes=50000-")[0] == 416
    assert get(megatron, "/boot/pxelinux.0", Range="lines=1-2")[0] == 416


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/ipxe", 400, "give ?mac="),
        ("/ipxe?mac=02:00:5e:10", 400, "is not a MAC address"),
        ("/ipxe?mac=02:00:5e:10:99:99", 404, "no client has MAC 02:00:5e:10:99:99"),
        ("/ipxe?mac=02:00:5e:10:00:6e", 403, "client hogwarts is not served by megatron"),
        ("/boot/nothing.here", 404, "nothing.here: no such file"),
        ("/boot/../../etc/passwd", 403, "leaves the boot directory"),
        ("/boot/%2e%2e/%2e%2e/etc/passwd", 403, "leaves the boot directory"),
        ("/elsewhere", 404, "no page /elsewhere"),
    ],
)
def test_bad_requests_get_a_status_that_names_the_fault(megatron, path, status, text):
    got, _, body = get(megatron, path)
    assert (got, text in body.decode()) == (status, True), body


def test_a_client_without_ipxe_menu_or_with_a_broken_template(megatron):
    boot = megatron.boot_dir
    (boot / "template" / "ipxe_template").write_text("<Template>\n<bogus/>\n</Template>\n")
    status, _, body = get(megatron, f"/ipxe?mac={ROOK_MAC}")
    assert status == 500 and "template/ipxe_template:2" in body.decode()
    (boot / "template" / "ipxe_template").unlink()
    status, _, body = get(megatron, f"/ipxe?mac={ROOK_MAC}")
    assert (status, body) == (404, b"template ipxe_template is not installed\n")


@pytest.fixture
def cow_maker():
    calls: list[str] = []
    busy, most = [0], [0]
    gate = threading.Event()
    lock = threading.Lock()

    def make(client) -> None:
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        gate.wait(10)
        with lock:
            busy[0] -= 1
        calls.append(client.name)
        if client.name == "finch":
            raise RuntimeError("no space left in vg2")

    menuserver.set_cow_maker(make)
    yield calls, gate, most
    menuserver.set_cow_maker(None)


def test_windows_clients_are_queued_for_their_cow_target_one_at_a_time(megatron, cow_maker):
    calls, gate, most = cow_maker
    for client in ("finch", "rook", "rook", "wren", "bunting"):
        assert get(megatron, f"/ipxe?mac={mac_of(megatron, client)}")[0] == 200
    gate.set()
    megatron.cow_queue.join()
    # finch's maker failed, the queue went on; rook's second boot waited already; bunting
    # has no windowsImage.
    assert calls == ["finch", "rook", "wren"]
    assert most[0] == 1
    assert get(megatron, f"/ipxe?mac={ROOK_MAC}")[0] == 200
    megatron.cow_queue.join()
    assert calls[-1] == "rook"


def test_without_a_cow_maker_nothing_is_queued(megatron):
    assert megatron.cow_queue.add(megatron.index.by_mac(ROOK_MAC)) is False
