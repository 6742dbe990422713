"""What a job costs, from its printer entity: cost_per_page (a mono page), cost_per_color_page
(a colour page; cost_per_page when unset), duplex_discount (percent off a two-sided page) and
cost_per_square_metre (large format: a page is priced by its area instead) and
cost_per_square_metre_ink (large format priced by colour coverage: dollars per square metre
of one full ink, times the job's measured ink per page, 0-4, added to the paper's price)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class BadPrice(ValueError):
    """A printer's price variable that is not a number: names the printer and variable."""


def _price(printer: str, values: Mapping[str, list[str]], variable: str) -> Decimal | None:
    text = (values.get(variable) or [""])[0].strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadPrice(f"printer {printer}: {variable} {text[:40]!r} is not a number") from None
    if not number.is_finite() or number < 0 or number > 10_000:
        raise BadPrice(f"printer {printer}: {variable} {text[:40]!r} is out of range")
    return number


def priced_by_area(values: Mapping[str, list[str]]) -> bool:
    """A large-format printer: priced by paper area, its jobs held for their quote."""
    return bool((values.get("cost_per_square_metre") or [""])[0].strip())


def job_cost(
    printer: str,
    values: Mapping[str, list[str]],
    *,
    pages: int,
    copies: int,
    color: bool,
    duplex: bool,
    width_mm: float,
    height_mm: float,
    ink: float | None = None,
) -> Decimal:
    """The job's price in dollars, rounded to the cent. ink is the job's measured ink per
    page; a printer priced by coverage charges full coverage (4) for a job not measured."""
    per_area = _price(printer, values, "cost_per_square_metre")
    per_ink = _price(printer, values, "cost_per_square_metre_ink")
    mono = _price(printer, values, "cost_per_page") or Decimal(0)
    colour_printer = (values.get("color") or ["no"])[0] == "yes"
    if per_area is not None:
        area = Decimal(str(width_mm)) * Decimal(str(height_mm)) / Decimal(1_000_000)
        each = per_area * area
        if per_ink is not None:
            measured = Decimal(str(4.0 if ink is None else min(max(ink, 0.0), 4.0)))
            each += per_ink * measured * area
    elif color and colour_printer:
        each = _price(printer, values, "cost_per_color_page") or mono
    else:
        each = mono
    if duplex:
        discount = _price(printer, values, "duplex_discount") or Decimal(0)
        each = each * (Decimal(100) - min(discount, Decimal(100))) / Decimal(100)
    return (each * pages * copies).quantize(CENT, rounding=ROUND_HALF_UP)
