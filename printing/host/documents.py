"""Counting the pages of a print job's data before it prints: PDF with pypdf (also a PDF
wrapped in PJL, as CUPS's PDF drivers send it), PostScript with Ghostscript (its bbox device
draws every page, so a program without DSC comments counts too; by its %%Page: comments
where Ghostscript is not installed). What cannot be counted is refused, never printed for
free. ink_coverage measures a job's ink with Ghostscript's inkcov device, for printers
priced by colour coverage."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

# A PJL header before the PDF is a few hundred bytes; look no further than this for it.
HEADER_SCAN = 64 * 1024
POINTS_PER_MM = 72 / 25.4
PS_PAGE = re.compile(rb"^%%Page:", re.MULTILINE)
PS_BOX = re.compile(rb"^%%(?:Page)?BoundingBox:\s*(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)", re.M)
LETTER_MM = (215.9, 279.4)
GS_BOX = re.compile(rb"^%%BoundingBox:", re.MULTILINE)
INKCOV = re.compile(rb"^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+CMYK OK", re.M)
GS_TIMEOUT = 300  # seconds for one job: a plotter's poster at low resolution
# Ghostscript in its sandbox (-dSAFER): a job's PostScript reads and writes no file.
GS = ["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE"]


class UncountableDocument(ValueError):
    """The job's pages cannot be counted: the reason, as the user reads it."""


@dataclass(frozen=True)
class Document:
    """What a job prints: its pages (one copy) and the size of its first page."""

    pages: int
    width_mm: float
    height_mm: float


def count_pages(path: Path) -> Document:
    data = path.read_bytes()
    start = data.find(b"%PDF-", 0, HEADER_SCAN)
    if start >= 0:
        return _pdf(data[start:])
    if b"%!PS" in data[:HEADER_SCAN]:
        return _postscript(data, path)
    raise UncountableDocument("the document is neither PDF nor PostScript")


def _pdf(data: bytes) -> Document:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UncountableDocument("the PDF is encrypted")
        pages = len(reader.pages)
        box = reader.pages[0].mediabox if pages else None
    except UncountableDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise UncountableDocument(f"the PDF is corrupt ({str(exc)[:120]})") from None
    if not pages:
        raise UncountableDocument("the PDF has no pages")
    return Document(
        pages,
        round(float(box.width) / POINTS_PER_MM, 1),
        round(float(box.height) / POINTS_PER_MM, 1),
    )


def _ghostscript(arguments: list[str], what: str) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(
            ["gs", *GS, *arguments], capture_output=True, timeout=GS_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise UncountableDocument(f"Ghostscript took over {GS_TIMEOUT} s on {what}") from None
    if done.returncode != 0:
        error = done.stdout.decode(errors="replace").strip().splitlines()[:1]
        raise UncountableDocument(f"Ghostscript cannot read {what} ({' '.join(error)[:120]})")
    return done


def _postscript(data: bytes, path: Path) -> Document:
    if shutil.which("gs"):
        done = _ghostscript(["-sDEVICE=bbox", str(path)], "the PostScript")
        pages = len(GS_BOX.findall(done.stderr))
        if not pages:
            raise UncountableDocument("the PostScript prints no page")
    else:
        pages = len(PS_PAGE.findall(data))
        if not pages:
            raise UncountableDocument("the PostScript has no %%Page comments to count")
    box = PS_BOX.search(data)
    if box is None:
        return Document(pages, *LETTER_MM)
    x1, y1, x2, y2 = (int(n) for n in box.groups())
    return Document(pages, round((x2 - x1) / POINTS_PER_MM, 1), round((y2 - y1) / POINTS_PER_MM, 1))


def ink_coverage(path: Path) -> float:
    """The job's ink per page, averaged over its pages: the sum of the cyan, magenta, yellow
    and black fractions of the page each covers (0: blank, 4: every ink everywhere)."""
    if not shutil.which("gs"):
        raise UncountableDocument("Ghostscript (gs) is not installed to measure its ink")
    data = path.read_bytes()
    start = data.find(b"%PDF-", 0, HEADER_SCAN)
    if start > 0:  # a PDF wrapped in PJL: Ghostscript reads the PDF alone
        path = path.with_suffix(".pdf")
        path.write_bytes(data[start:])
    try:
        done = _ghostscript(["-r36", "-o", "-", "-sDEVICE=inkcov", str(path)], "the job")
    finally:
        if start > 0:
            path.unlink(missing_ok=True)
    pages = [sum(float(n) for n in m) for m in INKCOV.findall(done.stdout)]
    if not pages:
        raise UncountableDocument("Ghostscript measured no page's ink")
    return round(sum(pages) / len(pages), 4)
