"""The master configuration store (guide 2.5, SVN there): a git repository with one file per
fileMgr entity and instance, `<file>/<instance>`, and one commit per accepted change with the
user as author (DESIGN.md, "Version control")."""

from __future__ import annotations

import fcntl
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from entities.mirror import is_plain_name

from .hashing import file_hash


class StoreError(RuntimeError):
    pass


@dataclass(frozen=True)
class Revision:
    commit: str
    author: str
    email: str
    date: str
    message: str


class MasterStore:
    def __init__(self, directory: Path | str | None = None):
        self.directory = Path(directory or settings.LABNET_MASTER_STORE)

    def _git(self, *args: str, data: bytes | None = None, env: dict | None = None) -> bytes:
        done = subprocess.run(
            ["git", "-C", str(self.directory), *args],
            input=data,
            capture_output=True,
            env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})},
        )
        if done.returncode != 0:
            raise StoreError(f"git {args[0]}: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def ensure(self) -> None:
        if (self.directory / ".git").is_dir():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        self._git("init", "--quiet", "--initial-branch=master")

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.ensure()
        with open(self.directory / ".git" / "labnet.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @staticmethod
    def relative(file: str, instance: str) -> str:
        for name in (file, instance):
            if not is_plain_name(name):
                raise StoreError(f"{name!r} is not a plain name")
        return f"{file}/{instance}"

    def read(self, file: str, instance: str) -> bytes | None:
        try:
            return (self.directory / self.relative(file, instance)).read_bytes()
        except FileNotFoundError:
            return None

    def read_by_hash(self, file: str, instance: str, digest: str) -> bytes | None:
        """The newest committed version with that hash (the database and an agent may be a
        commit apart)."""
        current = self.read(file, instance)
        if current is not None and file_hash(current) == digest:
            return current
        if not (self.directory / ".git").is_dir():
            return None
        for revision in self.history(file, instance):
            data = self._git("show", f"{revision.commit}:{self.relative(file, instance)}")
            if file_hash(data) == digest:
                return data
        return None

    def commit(
        self, file: str, instance: str, data: bytes, author: str, email: str, message: str
    ) -> str:
        relative = self.relative(file, instance)
        with self.locked():
            path = self.directory / relative
            previous = path.read_bytes() if path.is_file() else None
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            try:
                return self._commit(relative, author, email, message)
            except StoreError:
                self._restore(relative, previous)
                raise

    def _restore(self, relative: str, previous: bytes | None) -> None:
        """Put back what a refused commit wrote, in the working tree and the index, so no
        later commit picks it up."""
        path = self.directory / relative
        if previous is None:
            path.unlink()
            if not any(path.parent.iterdir()):
                path.parent.rmdir()
        else:
            path.write_bytes(previous)
        with suppress(StoreError):  # the commit's own error is the one to report
            self._git("reset", "--quiet", "--", relative)

    def _commit(self, relative: str, author: str, email: str, message: str) -> str:
        self._git("add", "--", relative)
        identity = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": "Labnet",
            "GIT_COMMITTER_EMAIL": "labnet@localhost",
        }
        self._git(
            "commit",
            "--quiet",
            "--allow-empty",
            "-F",
            "-",
            "--",
            relative,
            data=message.encode(),
            env=identity,
        )
        return self._git("rev-parse", "HEAD").decode().strip()

    def history(self, file: str, instance: str) -> list[Revision]:
        relative = self.relative(file, instance)
        if not (self.directory / ".git").is_dir():
            return []
        try:
            out = self._git("log", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%B%x1e", "--", relative)
        except StoreError:
            return []  # no commit yet
        revisions = []
        for record in out.decode().split("\x1e"):
            if record.strip():
                commit, author, email, date, message = record.strip("\n").split("\x1f", 4)
                revisions.append(Revision(commit, author, email, date, message.strip()))
        return revisions

    def diff(self, file: str, instance: str, commit: str) -> str:
        """What commit changed in the instance (the whole file for its first version)."""
        if not all(c in "0123456789abcdef" for c in commit) or not commit:
            raise StoreError(f"{commit!r} is not a commit id")
        return self._git(
            "show", "--format=", "--no-color", commit, "--", self.relative(file, instance)
        ).decode(errors="replace")
