"""The cashier's top-ups: a CSV an administrator uploads, one credit per row. The header names
the columns reference, username, amount and (optionally) note. The file is taken whole or
not at all: every row is checked first and each problem is reported with its line; a
reference already imported, or twice in the file, is refused."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from core.permissions import MANAGE_PRINTING, require

from .choices import EntryKind
from .models import LedgerEntry
from .services import MAX_CREDIT, locked_account

MAX_BYTES = 1024 * 1024
MAX_ROWS = 10_000
MAX_PROBLEMS = 20  # problems listed; the rest are counted
COLUMNS = ("reference", "username", "amount")
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
USERNAME = re.compile(r"[\w.@+-]{1,150}")


@dataclass(frozen=True)
class TopUp:
    line: int
    reference: str
    username: str
    amount: Decimal
    note: str


def parse(data: bytes) -> list[TopUp]:
    """The file's rows, or a ValidationError listing each bad line."""
    if len(data) > MAX_BYTES:
        raise ValidationError(f"The file is over {MAX_BYTES // 1024} KiB: split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"The file is not UTF-8 text (byte {exc.start}).") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(f"line 1: the header has no {', '.join(missing)} column.")
    problems: list[str] = []
    rows: list[TopUp] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if len(rows) + len(problems) >= MAX_ROWS:
                raise ValidationError(f"The file has over {MAX_ROWS} rows: split it.")
            problem, row = _row(line, record, seen)
            if problem:
                problems.append(f"line {line}: {problem}")
            else:
                rows.append(row)
                seen[row.reference] = line
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    taken = set(
        LedgerEntry.objects.filter(reference__in=list(seen)).values_list("reference", flat=True)
    )
    problems += [
        f"line {r.line}: reference {r.reference} was already imported"
        for r in rows
        if r.reference in taken
    ]
    if problems:
        more = len(problems) - MAX_PROBLEMS
        shown = problems[:MAX_PROBLEMS] + ([f"and {more} more problems"] if more > 0 else [])
        raise ValidationError(["Nothing was imported."] + shown)
    if not rows:
        raise ValidationError("The file has no rows.")
    return rows


def _row(line: int, record: dict, seen: dict[str, int]) -> tuple[str, TopUp | None]:
    if None in record:
        return "more fields than the header names", None
    reference = (record.get("reference") or "").strip()
    username = (record.get("username") or "").strip()
    text = (record.get("amount") or "").strip().lstrip("$")
    note = (record.get("note") or "").strip()
    if not REFERENCE.fullmatch(reference):
        return f"reference {reference[:70]!r} is not a reference (letters, digits, ._:/-)", None
    if reference in seen:
        return f"reference {reference} is also on line {seen[reference]}", None
    if not USERNAME.fullmatch(username):
        return f"username {username[:40]!r} is not a user name", None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return f"amount {text[:40]!r} is not a number", None
    if (
        not amount.is_finite()
        or not 0 < amount <= MAX_CREDIT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        return f"amount {text[:40]} is not from 0.01 to {MAX_CREDIT} in cents", None
    if len(note) > 200:
        return "the note is over 200 characters", None
    return "", TopUp(line, reference, username, amount, note)


def do_import_topups(data: bytes, *, user: object) -> list[LedgerEntry]:
    """Credit every row of the cashier's file, all in one transaction."""
    require(user, MANAGE_PRINTING)
    rows = parse(data)
    with transaction.atomic():
        return [
            LedgerEntry.objects.create(
                account=locked_account(row.username),
                kind=EntryKind.CREDIT,
                amount=row.amount,
                by=str(user),
                note=f"top-up {row.reference}" + (f": {row.note}" if row.note else ""),
                reference=row.reference,
            )
            for row in rows
        ]
