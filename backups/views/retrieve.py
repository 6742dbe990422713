"""Retrieve Backup Files (guide 4.4): a user's own home directory in every backup date:
browse, download a file or a folder (zip), restore under a new name, every version of a
path. An administrator may open any backed-up directory (`?tree=<mangled name>`)."""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView, View

from core.permissions import BROWSE_ANY_BACKUP, LabnetView, allowed, require
from core.refusals import refusal_text

from .. import services
from ..configuration import backup_table
from ..homes import Home, HomeUnavailable, home_of
from ..trees import Scope, home_scope

ZIP_SPOOL = 16 * 1024 * 1024  # a zip larger than this is spooled to a temporary file


def own_home(request) -> Home | None:
    """The signed-in user's home; a directory that cannot be asked is said, not taken for
    "no home"."""
    try:
        return home_of(request.user.get_username())
    except HomeUnavailable as problem:
        raise Http404(f"Your home directory cannot be looked up now: {problem}") from None


def scope_of(request) -> Scope:
    """The tree the request may read: `tree` for those who may browse any backup (403 for
    others), else the user's own home."""
    tree = request.GET.get("tree") or request.POST.get("tree")
    if tree:
        require(request.user, BROWSE_ANY_BACKUP)  # the others see their own home only
        row = next((r for r in backup_table() if r.mangled == tree), None)
        if row is None:
            raise Http404("No BackupTable row has this backup directory.")
        return Scope(row, "", None)
    home = own_home(request)
    if home is None:
        raise Http404("No home directory is known for you.")
    scope = home_scope(home, backup_table([home.server]))
    if scope is None:
        raise Http404(f"No backup covers your home directory {home.directory} on {home.server}.")
    return scope


def refused(problem: ValidationError) -> BadRequest:
    return BadRequest(refusal_text(problem))


class ScopeMixin(LabnetView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.scope = scope_of(request)
        self.tree = request.GET.get("tree") or request.POST.get("tree") or ""
        return super().dispatch(request, *args, **kwargs)

    def url(self, name: str, *args: str, **query: str) -> str:
        query = {k: v for k, v in {"tree": self.tree, **query}.items() if v}
        return reverse(f"backups:{name}", args=args) + ("?" + urlencode(query) if query else "")

    def path_of(self, date: str, text: str) -> Path:
        try:
            return self.scope.path(date, text)
        except ValidationError as problem:
            raise refused(problem) from None


class RetrieveView(LabnetView, TemplateView):
    """The dates of the user's home backups (for an administrator without a home or a tree:
    every backed-up directory to choose from)."""

    template_name = "backups/retrieve.html"

    def get_context_data(self, **kwargs):
        tree = self.request.GET.get("tree", "")
        if (
            not tree
            and allowed(self.request.user, BROWSE_ANY_BACKUP)
            and not own_home(self.request)
        ):
            return super().get_context_data(rows=backup_table(), **kwargs)
        scope = scope_of(self.request)
        query = "?" + urlencode({"tree": tree}) if tree else ""
        return super().get_context_data(
            scope=scope, dates=scope.dates()[::-1], query=query, tree=tree, **kwargs
        )


class BrowseView(ScopeMixin, TemplateView):
    """A folder of one date (its entries) or a file (download, restore, every version)."""

    template_name = "backups/browse.html"

    def get_context_data(self, date: str, **kwargs):
        text = self.request.GET.get("path", "")
        path = self.path_of(date, text)
        parts = [p for p in text.split("/") if p]
        crumbs = [("/".join(parts[: i + 1]), part) for i, part in enumerate(parts)]
        context = {"date": date, "path": "/".join(parts), "crumbs": crumbs, "view": self}
        if path.is_dir():
            context["entries"] = self.entries(date, parts, path)
        elif path.is_file():
            found = path.stat()
            context["file"] = {"size": found.st_size, "modified": _time(found.st_mtime)}
            context["suggested"] = f"{parts[-1]}.{date}"
        else:
            raise Http404(f"The backup of {date} has no {text!r}.")
        return super().get_context_data(**context, **kwargs)

    def entries(self, date: str, parts: list[str], folder: Path) -> list[dict]:
        found = []
        for entry in sorted(os.scandir(folder), key=lambda e: (not e.is_dir(), e.name)):
            info = entry.stat(follow_symlinks=False)
            path = "/".join([*parts, entry.name])
            kind = "link" if entry.is_symlink() else "folder" if entry.is_dir() else "file"
            found.append(
                {
                    "name": entry.name,
                    "kind": kind,
                    "size": info.st_size if stat.S_ISREG(info.st_mode) else None,
                    "modified": _time(info.st_mtime),
                    "url": self.url("browse", date, path=path),
                    "download": self.url("download", date, path=path),
                }
            )
        return found


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds)


class DownloadView(ScopeMixin, View):
    """A file as it is, a folder as a zip (symlinks left out, at most
    LABNET_BACKUP_ZIP_MAX_FILES files of at most LABNET_BACKUP_ZIP_MAX_BYTES together)."""

    def get(self, request, date: str):
        text = request.GET.get("path", "")
        path = self.path_of(date, text)
        if path.is_file():
            return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
        if not path.is_dir():
            raise Http404(f"The backup of {date} has no {text!r}.")
        files = self._files(path)
        spool = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL)
        top = path.name if text.strip("/") else f"backup-{date}"
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in files:
                archive.write(file, f"{top}/{file.relative_to(path)}")
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=f"{top}.zip")

    @staticmethod
    def _files(folder: Path) -> list[Path]:
        """The folder's files, refused as soon as they pass either limit (a folder of
        millions of small files is refused before they are all listed)."""
        most_files, most_bytes = (
            settings.LABNET_BACKUP_ZIP_MAX_FILES,
            settings.LABNET_BACKUP_ZIP_MAX_BYTES,
        )
        files, total = [], 0
        for parent, _, names in os.walk(folder):
            for name in names:
                file = Path(parent, name)
                if file.is_symlink():
                    continue
                files.append(file)
                total += file.stat().st_size
                if len(files) > most_files:
                    raise BadRequest(
                        f"The folder holds more than the {most_files:,} files a zip may: "
                        "download it in parts."
                    )
                if total > most_bytes:
                    raise BadRequest(
                        f"The folder holds more than the {most_bytes:,} bytes a zip may: "
                        "download it in parts."
                    )
        return files


class RestoreView(ScopeMixin, View):
    """Restore a file or folder into the user's home under a new name."""

    def post(self, request, date: str):
        text = request.POST.get("path", "")
        new_name = request.POST.get("new_name", "")
        try:
            written = services.do_restore(
                request.user, self.scope, date, text, new_name, request.POST.get("replace") == "on"
            )
        except ValidationError as problem:
            messages.error(request, refusal_text(problem))
        else:
            messages.success(request, f"Restored {text} of {date} as {written} in your home.")
        return HttpResponseRedirect(self.url("browse", date, path=text))


class FindView(ScopeMixin, TemplateView):
    """Every version of a path across the dates: a new version where the file changed (a
    date whose copy is a hard link to the one before holds the same version)."""

    template_name = "backups/find.html"

    def get_context_data(self, **kwargs):
        text = self.request.GET.get("path", "")
        versions = []
        if text:
            previous = None
            for date in self.scope.dates():
                path = self.path_of(date, text)
                if not path.is_file():
                    previous = None
                    continue
                found = path.stat()
                key = (found.st_dev, found.st_ino)
                versions.append(
                    {
                        "date": date,
                        "size": found.st_size,
                        "modified": _time(found.st_mtime),
                        "new": key != previous,
                        "url": self.url("browse", date, path=text),
                    }
                )
                previous = key
        return super().get_context_data(path=text, versions=versions[::-1], view=self, **kwargs)
