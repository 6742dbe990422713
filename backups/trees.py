"""What a restore page may read and write: a path given in a URL or a form is a list of
plain names, and what it names must stay inside the tree it is asked of (a user's home in
one backup date, or that home on the file server), symlinks resolved.

Refused, each with a message: an absolute path, a `.` or `..` segment, a NUL, a newline, text
that was not UTF-8 (Django decodes it to U+FFFD), over-long names, and anything that
resolves outside the tree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from .homes import Home
from .host.dates import complete_dates
from .host.table import BackupRow

PATH_MAX = 4095
NAME_MAX = 255


def parts_of(text: str) -> list[str]:
    """The names of a relative path ("" is the top)."""
    if len(text.encode("utf-8", "surrogatepass")) > PATH_MAX:
        raise ValidationError(f"the path is longer than {PATH_MAX} bytes")
    if text.startswith("/"):
        raise ValidationError(f"{text[:80]!r} is an absolute path")
    if any(c in text for c in "\0\n\r") or "\ufffd" in text:
        raise ValidationError(f"{text[:80]!r} has a NUL, a line break or bytes that are not UTF-8")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"{text[:80]!r} is not UTF-8") from None
    parts = [p for p in text.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValidationError(f"{text[:80]!r} has a '.' or '..' segment")
    if any(len(p.encode()) > NAME_MAX for p in parts):
        raise ValidationError(f"a name in {text[:80]!r} is longer than {NAME_MAX} bytes")
    return parts


def inside(top: Path, text: str) -> Path:
    """The path text names under top, refused when it (or a symlink on the way) leads out."""
    path = top.joinpath(*parts_of(text))
    if not path.resolve().is_relative_to(top.resolve()):
        raise ValidationError(f"{text[:80]!r} leads outside the backup")
    return path


def host_path(host: str, directory: str) -> Path:
    """Where the web server sees directory of host (LABNET_BACKUP_HOSTS_ROOT)."""
    root = Path(settings.LABNET_BACKUP_HOSTS_ROOT.format(host=host))
    return root.joinpath(*(p for p in directory.split("/") if p))


@dataclass(frozen=True)
class Scope:
    """A tree one may retrieve from: row's backups, from `base` (a path inside the backed-up
    directory: a user's home) down; and where a restore writes (`restore_to`, or None)."""

    row: BackupRow
    base: str
    restore_to: Path | None

    @property
    def backups(self) -> Path:
        return host_path(self.row.bk_server, self.row.basedir) / self.row.mangled

    def dates(self) -> list[str]:
        """The dates whose backup holds the tree, oldest first."""
        return [d for d in complete_dates(self.backups) if self._top(d).is_dir()]

    def _top(self, date: str) -> Path:
        return self.backups.joinpath(date, *(p for p in self.base.split("/") if p))

    def top(self, date: str) -> Path:
        if date not in complete_dates(self.backups):
            raise ValidationError(f"there is no backup of {date[:20]!r}")
        return self._top(date)

    def path(self, date: str, text: str) -> Path:
        return inside(self.top(date), text)


def home_scope(home: Home, rows: list[BackupRow]) -> Scope | None:
    """The scope of a user's home: the row of its server whose bk_directory holds it (the
    deepest one), or None when no backup covers it."""
    best = None
    for row in rows:
        directory = row.directory.rstrip("/")
        if row.source == home.server and (
            home.directory == directory or home.directory.startswith(directory + "/")
        ):
            if best is None or len(row.directory) > len(best.directory):
                best = row
    if best is None:
        return None
    base = home.directory[len(best.directory.rstrip("/")) :].strip("/")
    return Scope(best, base, host_path(home.server, home.directory))
