"""Whole numbers a page reads from its query or form: entity ids, row numbers, sequence
numbers.

A value that is not one is the visitor's mistake, answered by the site's 400 page with the
message (`BadRequest`, labnet_site.errors.bad_request), not a server error from int() or
from the database driver."""

from __future__ import annotations

from django.core.exceptions import BadRequest

# The widest whole numbers the database stores: a bigint (ids, change sequence numbers) and
# an integer column.
MAX_BIGINT = 2**63 - 1
MAX_INTEGER = 2**31 - 1


def is_whole_number(text: str) -> bool:
    """Whether text is a whole number from 0 to MAX_BIGINT in plain digits."""
    # Nineteen digits at most before int(), which refuses strings of over 4,300 digits.
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_BIGINT


def whole_number(text: str, what: str) -> int:
    """text as a whole number; else BadRequest "'text' is not {what}."."""
    if not is_whole_number(text):
        raise BadRequest(f"{text[:40]!r} is not {what}.")
    return int(text)
