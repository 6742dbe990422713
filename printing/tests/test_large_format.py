"""PostScript counted by Ghostscript (no %%Page comments needed), and a large-format printer
priced by paper area and the ink Ghostscript measures: its job is held with the quote until
its user releases it. Real cupsd, a live web server, Ghostscript."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from printing.choices import JobStatus
from printing.host.agent import BackendSettings
from printing.host.documents import count_pages, ink_coverage
from printing.models import PrintJob
from printing.pricing import CENT
from printing.services import do_add_credit
from testing.clients import signed_in
from testing.live import wait_for
from workers.services import do_make_host_token

from .conftest import print_server, printer
from .test_accounting import account_balance, lp
from .test_held_jobs import broker  # noqa: F401 (the fixture)

pytestmark = pytest.mark.skipif(
    shutil.which("gs") is None, reason="Ghostscript is not installed (scripts/setup installs it)"
)
# A 1000 x 500 mm poster (2835 x 1417 points), its left half black; no %%Page comments.
POSTER = (
    b"%!PS-Adobe-3.0\n%%BoundingBox: 0 0 2835 1417\n"
    b"<< /PageSize [2835 1417] >> setpagedevice\n"
    b"0 setgray 0 0 1417 1417 rectfill showpage\n"
)
TWO_PAGES = b"%!PS\n100 100 moveto 0 setgray 50 50 rlineto stroke showpage showpage\n"


def test_postscript_without_page_comments_is_counted_and_its_ink_measured(tmp_path):
    two = tmp_path / "two.ps"
    two.write_bytes(TWO_PAGES)
    assert count_pages(two).pages == 2
    poster = tmp_path / "poster.ps"
    poster.write_bytes(POSTER)
    document = count_pages(poster)
    assert (document.pages, document.width_mm, document.height_mm) == (1, 1000.1, 499.9)
    assert 0.45 < ink_coverage(poster) < 0.55  # half the page in one ink


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_poster_is_priced_by_area_and_ink_and_held_with_its_quote(
    cupsd,
    tmp_path,
    web,
    broker,  # noqa: F811
):
    device = cupsd.out / "plotter.out"
    printer(
        "en1018_lj", device_uri=f"file://{device}", ppd="raw",
        cost_per_square_metre="2.00", cost_per_square_metre_ink="3.00",
    )  # fmt: skip
    backend = BackendSettings("odie", web.url, do_make_host_token("odie"), str(tmp_path / "ob"))
    server = print_server(cupsd, tmp_path, backend)
    server.sync()
    do_add_credit("alice", Decimal("10.00"), "", user="tests")
    poster = tmp_path / "poster.ps"
    poster.write_bytes(POSTER)
    poster.chmod(0o644)

    lp(cupsd, "alice", poster, "-o", "raw")

    held = wait_for(lambda: PrintJob.objects.filter(status=JobStatus.HELD).first(), what="held")
    area = Decimal("1.0001") * Decimal("0.4999")
    quote = (area * (Decimal("2.00") + Decimal("3.00") * Decimal(str(held.ink)))).quantize(CENT)
    assert 0.45 < held.ink < 0.55 and held.cost == quote
    assert not device.exists()
    alice = signed_in("viewer", "alice")
    assert f"Release and pay ${quote}" in alice.get("/printing/").content.decode()

    alice.post(f"/printing/mine/{held.pk}/release/")
    server.release(**broker[0][1])
    wait_for(lambda: PrintJob.objects.filter(status=JobStatus.PRINTED).exists(), what="printed")
    assert account_balance("alice") == Decimal("10.00") - quote
    assert device.read_bytes() == POSTER
