"""The BackupTable (guide 3.6) as rows, and which rows a backup server handles.

Pure functions over plain values, shared by the backup server's programs (from the XML
mirror) and the web tool (from the database)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.rows import rows_of, value_lists

from .mangle import mangle

TABLE = "BackupTable"
COLUMNS = (
    "bk_directory",
    "bk_server",
    "bk_basedir",
    "bk_on",
    "bk_filter",
    "bk_date",
    "bk_tsm_date",
)
NEVER = "none"  # bk_date of a row never backed up (guide 3.6)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class BackupRow:
    """One BackupTable row of the server `source`: row number indx (from 1)."""

    source: str
    indx: int
    directory: str
    bk_server: str
    basedir: str
    on: bool
    filter: str
    date: str
    tsm_date: str

    @property
    def mangled(self) -> str:
        return mangle(self.source, self.directory)

    @property
    def last_date(self) -> str | None:
        """bk_date when it names a day, None for "none" or anything else."""
        return self.date if _DATE.fullmatch(self.date) else None


def backup_rows(source: str, values: Iterable[tuple[str, int, str]]) -> list[BackupRow]:
    """The BackupTable rows of the server `source` from its (variable, indx, text) values;
    rows without a directory or a backup server are left out."""
    wanted = [v for v in values if v[0] in COLUMNS]
    lists = value_lists(wanted, dict.fromkeys(COLUMNS, TABLE))
    rows = []
    for number, row in enumerate(rows_of(lists, COLUMNS), start=1):
        if not row["bk_directory"] or not row["bk_server"]:
            continue
        rows.append(
            BackupRow(
                source=source,
                indx=number,
                directory=row["bk_directory"],
                bk_server=row["bk_server"],
                basedir=row["bk_basedir"],
                on=row["bk_on"] == "on",
                filter=row["bk_filter"],
                date=row["bk_date"] or NEVER,
                tsm_date=row["bk_tsm_date"] or NEVER,
            )
        )
    return rows


def rows_backed_up_by(backup_server: str, rows: Iterable[BackupRow]) -> list[BackupRow]:
    """The rows backup_server backs up: those naming it as bk_server, with bk_on on, in
    source then row order."""
    return sorted(
        (r for r in rows if r.bk_server == backup_server and r.on),
        key=lambda r: (r.source, r.indx),
    )


def filter_rules(values: Mapping[str, Sequence[str]]) -> list[str]:
    """An rsync_filter entity's rf_action/rf_pattern rows as rsync filter rules
    ("- .cache/", "+ *.tex"); a row with another action or a newline is refused."""
    actions, patterns = values.get("rf_action", ()), values.get("rf_pattern", ())
    rules = []
    for action, pattern in zip(actions, patterns, strict=False):
        sign = {"exclude": "-", "include": "+"}.get(action)
        if sign is None or not pattern or "\n" in pattern:
            raise ValueError(f"rsync_filter rule {action!r} {pattern!r} is not a filter rule")
        rules.append(f"{sign} {pattern}")
    return rules
