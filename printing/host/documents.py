"""Counting the pages of a print job's data before it prints: PDF with pypdf (also a PDF
wrapped in PJL, as CUPS's PDF drivers send it), PostScript by its DSC page comments. What
cannot be counted is refused, never printed for free."""

from __future__ import annotations

import io
import re
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
        return _postscript(data)
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


def _postscript(data: bytes) -> Document:
    pages = len(PS_PAGE.findall(data))
    if not pages:
        raise UncountableDocument("the PostScript has no %%Page comments to count")
    box = PS_BOX.search(data)
    if box is None:
        return Document(pages, *LETTER_MM)
    x1, y1, x2, y2 = (int(n) for n in box.groups())
    return Document(pages, round((x2 - x1) / POINTS_PER_MM, 1), round((y2 - y1) / POINTS_PER_MM, 1))
