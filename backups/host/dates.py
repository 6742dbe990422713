"""The date directories inside one mangled backup directory (guide 4.5): `YYYY-MM-DD` is a
complete backup of that day; `YYYY-MM-DD.partial` is one being written (or left by a run that
failed), renamed only once rsync succeeded, so a date directory is always a whole tree."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

PARTIAL = ".partial"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_date(name: str) -> bool:
    if not _DATE.fullmatch(name):
        return False
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return True


def complete_dates(directory: Path) -> list[str]:
    """The complete backups in directory, oldest first (none when it does not exist)."""
    try:
        entries = list(directory.iterdir())
    except FileNotFoundError:
        return []
    return sorted(e.name for e in entries if is_date(e.name) and e.is_dir() and not e.is_symlink())


def partial_dates(directory: Path) -> list[str]:
    """The `<date>.partial` directories in directory, oldest first."""
    try:
        names = [e.name for e in directory.iterdir()]
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.endswith(PARTIAL) and is_date(n.removesuffix(PARTIAL)))
