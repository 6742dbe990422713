"""What the boot services' tests share: an appserver's mirror and boot directory in a temp
dir, made from the demo data, and lntftpd or menuserver running on a free loopback port."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from imaging.host.bootclients import ClientIndex
from imaging.host.bootfiles import boot_dir
from imaging.host.menuserver import MenuServer
from imaging.host.tftp.files import TftpFiles
from imaging.host.tftp.server import serve

DEMO = Path(__file__).resolve().parents[2] / "demo"
MENU_TEMPLATES = {
    "linux_template": "linux_template/mun@site_server",
    "winlin_template": "winlin_template/cs@dept_server",
    "linwin_template": "winlin_template/cs@dept_server",
    "ipxe_template": "ipxe_template/cs@dept_server",
}
PXELINUX = bytes(range(256)) * 160  # 40 KB, every byte value


def boot_tree(base: Path) -> tuple[Path, Path]:
    """(etc, root): a copy of the demo mirror, and a root whose boot directory holds the
    demo's menu templates, a 40 KB pxelinux.0 and pxelinux.cfg/default."""
    etc, root = base / "etc", base / "root"
    shutil.copytree(DEMO / "mirror", etc)
    boot = boot_dir(root)
    (boot / "template").mkdir(parents=True)
    (boot / "pxelinux.cfg").mkdir()
    for name, source in MENU_TEMPLATES.items():
        shutil.copyfile(DEMO / "files" / source, boot / "template" / name)
    (boot / "pxelinux.0").write_bytes(PXELINUX)
    (boot / "pxelinux.cfg" / "default").write_text("DEFAULT local\n")
    return etc, root


def set_value(etc: Path, entity: str, variable: str, value: str) -> None:
    """Set the first value of variable (added if missing) in a mirror file, as the agent
    does: a new file renamed into place."""
    path = etc / entity
    text = path.read_text()
    marker = f'<variable name="{variable}">'
    if marker not in text:
        added = f'  {marker}\n    <value indx="1">{value}</value>\n  </variable>\n</entity>'
        text = text.replace("</entity>", added)
    else:
        start = text.index(marker)
        open_end = text.index(">", text.index("<value", start)) + 1
        text = text[:open_end] + value + text[text.index("</value>", open_end) :]
    new = path.with_name(".new")
    new.write_text(text)
    new.replace(path)


@contextmanager
def running_tftpd(host: str, etc: Path, root: Path) -> Iterator[tuple[int, list]]:
    """lntftpd for host in a thread of this process: its port, and the requests it saw."""
    seen: list = []
    bound: list[tuple[str, int]] = []
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    files = TftpFiles(host, etc, boot_dir(root), ClientIndex(etc))

    def started(address: tuple[str, int]) -> None:
        bound.append(address)
        ready.set()

    task = loop.create_task(
        serve(files, "127.0.0.1", 0, lambda *r: seen.append(r), started=started)
    )

    def run() -> None:
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10), "lntftpd did not start"
    try:
        yield bound[0][1], seen
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(10)
        loop.close()


@contextmanager
def running_menuserver(host: str, etc: Path, root: Path) -> Iterator[MenuServer]:
    """menuserver for host in a thread of this process (server_address has its port)."""
    server = MenuServer(("127.0.0.1", 0), host, etc, boot_dir(root))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
