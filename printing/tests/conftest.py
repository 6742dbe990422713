"""What printing's tests share: a real cupsd, a live web server, printer entities."""

from __future__ import annotations

import itertools

import pytest
from pypdf import PdfWriter

from entities.exporting import export_mirror
from entities.models import Entity
from filemgr.templating import MirrorSource
from printing.host.agent import BackendSettings, PrintServer
from printing.host.cups import Cups
from testing import cupsd as cups_server
from testing import factories, live

_addresses = itertools.count(60)
PDF_PPD = "lsb/usr/cupsfilters/Generic-PDF_Printer-PDF.ppd"


@pytest.fixture
def cupsd():
    if not cups_server.available():
        pytest.skip("cupsd and lpadmin are not installed (scripts/setup installs cups)")
    with cups_server.running_cupsd() as running:
        yield running


def printer(name: str, **values: str):
    """A printer entity served by odie (made with its domain when missing)."""
    if not _exists("domain", "cs.example.edu"):
        factories.entity(factories.demo_type("domain"), "cs.example.edu")
    if not _exists("server", "odie"):
        factories.entity(factories.demo_type("server"), "odie", domain="cs.example.edu")
    number = next(_addresses)
    defaults = {
        "domain": "cs.example.edu",
        # ip_address and mac_address are unique within the printer type.
        "ip_address": f"192.0.2.{number}",
        "mac_address": f"02:00:5e:10:01:{number:02x}",
        "server": "odie",
        "ppd": PDF_PPD,
    }
    return factories.entity(factories.demo_type("printer"), name, **{**defaults, **values})


def _exists(type_name: str, name: str) -> bool:
    return Entity.objects.filter(entity_type__name=type_name, name=name).exists()


def print_server(cupsd, tmp_path, backend: BackendSettings | None = None) -> PrintServer:
    """odie's queue pass from a mirror exported now."""
    etc = tmp_path / "etc"
    export_mirror(etc)
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    return PrintServer(
        "odie", MirrorSource(etc), state, Cups(cupsd.server), cupsd.server_bin, backend
    )


def pdf(path, pages: int, width: float = 612, height: float = 792):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width, height)
    writer.write(path)
    path.chmod(0o644)
    return path


@pytest.fixture
def web():
    with live.web_server() as server:
        yield server
