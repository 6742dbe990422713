"""backupsync (guide 4.4, 4.5): back up every BackupTable row naming this host as bk_server,
with bk_on on, from its source server over ssh into

    <bk_basedir>/<mangled name>/<date>/

with `rsync -a --delete --link-dest=<previous date>`: an unchanged file is a hard link to the
previous night's copy, so each date is a whole tree and costs only what changed. rsync writes
into `<date>.partial`, renamed once it succeeded (exit 0, or 24: files vanished meanwhile,
reported); a failure leaves the earlier dates and bk_date as they were and its partial tree
for the next run to resume. One run at a time per destination disk (disks.disk_lock)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from workers.host.paths import AgentPaths

from .dates import PARTIAL, complete_dates, partial_dates
from .disks import DiskBusy, disk_lock, disk_use
from .rsync import Progress, run_rsync
from .table import BackupRow

VERIFY_SAMPLE = 200  # files of the newest backup that --verify re-reads against the source
Watch = Callable[[BackupRow, Progress], None]  # told of each progress line of a row's rsync


@dataclass(frozen=True)
class Result:
    """What backupsync did for one row: the report the web server stores."""

    source: str
    directory: str
    date: str
    ok: bool
    exit_code: int = 0
    message: str = ""
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    differences: list[str] = field(default_factory=list)

    def as_report(self) -> dict:
        return asdict(self)


def _destination(paths: AgentPaths, row: BackupRow) -> Path:
    if not row.basedir:
        raise ValueError(f"{row.source}'s backup of {row.directory} has no bk_basedir")
    basedir = paths.file(row.basedir)
    if not basedir.is_dir():
        raise ValueError(f"bk_basedir {row.basedir} does not exist here (is its disk mounted?)")
    return basedir / row.mangled


def _take_partial(target: Path, date: str) -> Path:
    """`<date>.partial`: a partial tree of another date left by a failed run becomes it, so
    rsync resumes from what was copied instead of starting over."""
    partial = target / f"{date}{PARTIAL}"
    for name in partial_dates(target):
        left = target / name
        if left != partial:
            if partial.exists():
                shutil.rmtree(left)
            else:
                left.rename(partial)
    return partial


def _publish(target: Path, partial: Path, date: str) -> None:
    """Rename the finished tree to its date; a second backup the same day replaces the
    first only once it is whole."""
    final = target / date
    if final.exists():
        replaced = target / f".{date}.replaced"
        final.rename(replaced)
        partial.rename(final)
        shutil.rmtree(replaced)
    else:
        partial.rename(final)


def back_up(
    row: BackupRow,
    target: Path,
    date: str,
    rules: list[str],
    rsh: str,
    dry_run: bool,
    watch: Watch | None = None,
) -> Result:
    """One row: rsync its source directory into target/<date>. rsync's progress goes to our
    standard output, or to watch when given."""
    started = time.monotonic()
    target.mkdir(exist_ok=True)
    previous = complete_dates(target)
    arguments = ["-a", "--delete", "--numeric-ids", "-e", rsh]
    arguments += [f"--filter={rule}" for rule in rules]
    if previous:
        arguments.append(f"--link-dest={target / previous[-1]}")
    if dry_run:
        destination = target / date
        arguments += ["--dry-run", "--itemize-changes"]
    else:
        destination = _take_partial(target, date)
        arguments.append("--info=progress2")
    source = f"{row.source}:{row.directory.rstrip('/')}/"
    told = None if watch is None or dry_run else (lambda progress: watch(row, progress))
    transfer = run_rsync(
        [*arguments, source, f"{destination}/"], stream=watch is None, progress=told
    )
    if transfer.ok and not dry_run:
        _publish(target, destination, date)
    return Result(
        row.source,
        row.directory,
        date,
        transfer.ok,
        transfer.exit_code,
        transfer.message,
        transfer.files,
        transfer.bytes,
        round(time.monotonic() - started, 3),
    )


def _sample(tree: Path, size: int) -> list[str]:
    files = sorted(
        str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file() and not p.is_symlink()
    )
    step = max(len(files) // size, 1)
    return files[::step][:size]


def verify(row: BackupRow, target: Path, rules: list[str], rsh: str) -> list[str]:
    """Files of the newest backup whose contents differ from the source although size and
    time agree (a file changed since the backup is not a difference); a sample of
    VERIFY_SAMPLE files, compared by checksum."""
    dates = complete_dates(target)
    if not dates:
        return []
    newest = target / dates[-1]
    with tempfile.NamedTemporaryFile("w") as listed:
        listed.write("".join(f"{name}\n" for name in _sample(newest, VERIFY_SAMPLE)))
        listed.flush()
        transfer = run_rsync(
            [
                "-rlt",
                "--dry-run",
                "--checksum",
                "--itemize-changes",
                f"--files-from={listed.name}",
                "-e",
                rsh,
                *(f"--filter={rule}" for rule in rules),
                f"{row.source}:{row.directory.rstrip('/')}/",
                f"{newest}/",
            ],
            stream=False,
        )
    differences = []
    for line in transfer.output.decode(errors="replace").splitlines():
        flags, _, name = line.partition(" ")
        # >fcst...: c checksum, s size, t time; only c means the stored bytes are wrong.
        if flags.startswith(">f") and flags[2:5] == "c..":
            differences.append(f"{dates[-1]}/{name}")
    return differences


def backupsync(
    paths: AgentPaths,
    rows: Iterable[BackupRow],
    date: str,
    rsh: str,
    rules_of: Callable[[str], list[str]],
    *,
    dry_run: bool = False,
    check: bool = False,
    say: Callable[[str], None] = print,
    watch: Watch | None = None,
) -> list[Result]:
    """Back up rows (the rows this host handles), disk by disk under that disk's lock; each
    row's failure is its own result and the others go on. watch is told of each row's
    rsync progress (the web tool's "back up now")."""
    results: list[Result] = []
    by_disk: dict[int, list[tuple[BackupRow, Path]]] = {}
    for row in rows:
        try:
            target = _destination(paths, row)
        except ValueError as problem:
            results.append(Result(row.source, row.directory, date, False, message=str(problem)))
            continue
        by_disk.setdefault(target.parent.stat().st_dev, []).append((row, target))
    for on_disk in by_disk.values():
        try:
            with disk_lock(paths.state, on_disk[0][1].parent, "backupsync"):
                for row, target in on_disk:
                    results.append(
                        _one(row, target, date, rsh, rules_of, dry_run, check, say, watch)
                    )
        except DiskBusy as busy:
            results += [
                Result(r.source, r.directory, date, False, message=str(busy)) for r, _ in on_disk
            ]
    return results


def _one(row, target, date, rsh, rules_of, dry_run, check, say, watch) -> Result:
    say(f"backupsync: {row.source}:{row.directory} -> {target}/{date}")
    try:
        rules = rules_of(row.filter)
    except ValueError as problem:
        return Result(row.source, row.directory, date, False, message=str(problem))
    result = back_up(row, target, date, rules, rsh, dry_run, watch)
    if check and result.ok and not dry_run:
        result = Result(**{**asdict(result), "differences": verify(row, target, rules, rsh)})
    say(f"backupsync: {row.source}:{row.directory}: " + outcome(result))
    return result


def outcome(result: Result) -> str:
    """What became of one row, in a line."""
    if not result.ok:
        return f"FAILED (rsync exit {result.exit_code}): {result.message}"
    text = f"done, {result.files} files, {result.bytes} bytes in {result.seconds:.1f} s"
    if result.message:
        text += f" ({result.message})"
    if result.differences:
        text += f"; verify: {len(result.differences)} differ: " + ", ".join(result.differences[:10])
    return text


def disks_report(paths: AgentPaths, rows: Iterable[BackupRow]) -> list[dict]:
    """Each backup disk of rows: its use, and the dates of each mangled directory it holds."""
    disks: dict[str, dict] = {}
    for row in rows:
        try:
            basedir = paths.file(row.basedir)
            use = disk_use(basedir)
        except (ValueError, OSError):
            continue
        disk = disks.setdefault(use.mount, {**asdict(use), "mount": _shown(paths, use.mount)})
        disk.setdefault("holds", {})
        target = basedir / row.mangled
        disk["holds"][f"{row.basedir.rstrip('/')}/{row.mangled}"] = complete_dates(target)
    return [
        {**d, "holds": [{"directory": k, "dates": v} for k, v in sorted(d["holds"].items())]}
        for d in disks.values()
    ]


def _shown(paths: AgentPaths, mount: str) -> str:
    """A mount point as the configuration names it: inside LABNET_ROOT, from the root."""
    inside = Path(mount)
    if not inside.is_relative_to(paths.root):
        return mount
    return str(Path("/") / inside.relative_to(paths.root))
