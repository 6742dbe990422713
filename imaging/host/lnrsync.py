"""lnrsync (guide 3.1): on a distribution server, push each image copy it holds to the servers
whose Rsync rows name it as rs_host, with rsync -aSx --delete over ssh.

    python -m workers.host lnrsync HOST [--dry-run] [--only SERVER] [--bwlimit KBPS] [--jobs N]

The trees come from the XML mirror (imaging.replication). A destination is synced only when
its row's rs_sync is yes and HOST's own copy has been synced and is not older than the
destination's (rs_date), so one night's copies flow down the tree; HOST pushes up to N
destinations at once. Once the pushes are over, one request through HOST's token sets rs_date
of every row synced; a failed one keeps its date and is reported with rsync's exit status and
last lines."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from threading import Thread
from typing import TYPE_CHECKING

from core.hosts import CLIENT
from core.ssh import rsync_shell
from entities.mirror import MirrorEntity, MirrorError, iter_mirror
from filemgr.resolution import FILE_TYPE
from workers.host.paths import under
from workers.host.registry import Command
from workers.host.settings import add_agent_arguments, local_from, settings_from

from ..replication import (
    IMAGE_TYPE,
    NEVER,
    SERVER_TYPE,
    Derivation,
    Image,
    Node,
    derive,
    image_from_values,
    rows_from_values,
)
from .excludes import Values, filter_rules, managed_paths

if TYPE_CHECKING:
    from workers.host.client import ApiClient
    from workers.host.rsync_progress import Progress

RSYNC = "rsync"
RSYNC_OPTIONS = ["-aSx", "--delete", "--stats", "--timeout=600"]
MAX_BWLIMIT = 10_000_000  # KB/s: far above any link, far below what rsync's parser takes
LAST_LINES = 5
TAIL_BYTES = 16384  # of rsync's output and errors: its statistics, its last lines
JOBS, MAX_JOBS = 4, 32
RECORD_BATCH = 1000  # rows of one rs_date request (the API's limit)
MIRROR_TYPES = (SERVER_TYPE, IMAGE_TYPE, FILE_TYPE, CLIENT)
SSH_CONFIG_ENV, PEER_ROOTS_ENV = "LABNET_SSH_CONFIG", "LABNET_PEER_ROOTS"
# What became of a destination (a sync now reports these to the web server).
SYNCED, FAILED, WAITING, SKIPPED, DRY_RUN = "synced", "failed", "waiting", "skipped", "dry run"
Entities = dict[tuple[str, str], Values]
Watch = Callable[["Progress"], None]  # told of each --info=progress2 line of a push
_SENT = re.compile(r"^Total bytes sent: ([\d,.]+)", re.MULTILINE)


@dataclass
class Sync:
    """One destination of HOST: the image, HOST's copy (parent) and the destination's."""

    image: Image
    parent: Node
    node: Node

    @property
    def where(self) -> str:
        return f"{self.node.server}:{self.node.path} ({self.image.name})"


def read_mirror(etc: Path) -> tuple[Derivation, Entities]:
    """The trees, and the values of the entities lnrsync needs by (type, name), from the
    mirror: servers, images, managed files and clients (an appserver's clients' copies)."""
    entities = {
        (item.entity_type, item.name): {v: item.values(v) for v in item.variables}
        for item in iter_mirror(etc, MIRROR_TYPES)
        if isinstance(item, MirrorEntity)
    }
    servers = {name for kind, name in entities if kind == SERVER_TYPE}
    images = [image_from_values(n, v) for (k, n), v in entities.items() if k == IMAGE_TYPE]
    rows = [
        row
        for (kind, name), values in entities.items()
        if kind == SERVER_TYPE
        for row in rows_from_values(name, values)
    ]
    return derive(images, rows, servers), entities


def syncs_from(derivation: Derivation, host: str) -> list[Sync]:
    """Every row drawing from a copy that host holds, by destination server and path."""
    found = [
        Sync(tree.image, parent, child)
        for tree in derivation.trees.values()
        for _, parent in tree.root.walk()
        if parent.server == host
        for child in parent.children
    ]
    return sorted(found, key=lambda s: (s.node.server, s.node.path))


# rsync's exit values (rsync(1)), said beside the number: when a remote receiver dies (a full
# disk), rsync may exit before its message reaches the sending side.
RSYNC_EXITS = {
    1: "syntax or usage error",
    2: "protocol incompatibility",
    3: "errors selecting input/output files",
    5: "error starting the client-server protocol",
    10: "error in socket I/O",
    11: "error in file I/O",
    12: "error in the rsync protocol data stream",
    20: "interrupted",
    23: "partial transfer due to error",
    24: "source files vanished",
    30: "timeout in data send/receive",
    255: "ssh failed",
}


def _last_lines(text: str) -> str:
    return " | ".join(text.strip().splitlines()[-LAST_LINES:])


@dataclass(frozen=True)
class Options:
    """How rsync is called: from the command line, or from the agent's environment
    (LABNET_SSH_CONFIG, LABNET_PEER_ROOTS) for a sync now."""

    dry_run: bool = False
    bwlimit: int | None = None
    ssh_config: str | None = None
    peer_roots: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        return cls(args.dry_run, args.bwlimit, args.ssh_config, args.peer_roots)

    @classmethod
    def from_environment(cls) -> Options:
        env = os.environ
        return cls(ssh_config=env.get(SSH_CONFIG_ENV), peer_roots=env.get(PEER_ROOTS_ENV))


@dataclass(frozen=True)
class Outcome:
    """What became of one destination: one of lnrsync's states, and the line it prints."""

    state: str
    line: str

    @property
    def ok(self) -> bool:
        return self.state != FAILED


def rsync_command(sync: Sync, options: Options, root: Path, merge_file: Path) -> list[str]:
    source = f"{under(root, sync.parent.path)}/"
    target = sync.node.path
    if options.peer_roots:
        target = str(under(Path(options.peer_roots) / sync.node.server, target))
    shell = rsync_shell(options.ssh_config)
    command = [RSYNC, *RSYNC_OPTIONS, f"--filter=merge {merge_file}", "-e", shell]
    if options.bwlimit:
        command.append(f"--bwlimit={options.bwlimit}")
    if options.dry_run:
        command.append("--dry-run")
    return [*command, source, f"{sync.node.server}:{target.rstrip('/')}/"]


def _rsync(command: list[str], progress: Watch | None) -> tuple[int, str, str]:
    """rsync's exit status, the end of its output and of its errors; progress, when given, is
    told of rsync's --info=progress2 lines as they come."""
    reader = None
    if progress is not None:
        # Imported here: only a sync now watches a push.
        from workers.host.rsync_progress import ProgressReader

        command, reader = [*command[:1], "--info=progress2", *command[1:]], ProgressReader()
    # Errors go to a file: a pipe nobody reads while stdout is read could fill.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        tail = b""
        for chunk in iter(lambda: process.stdout.read1(65536), b""):
            tail = (tail + chunk)[-TAIL_BYTES:]
            if reader is not None and (found := reader.feed(chunk)) is not None:
                progress(found)
        code = process.wait()
        errors.seek(max(errors.tell() - TAIL_BYTES, 0))
        error_text = errors.read()
    return code, tail.decode(errors="replace"), error_text.decode(errors="replace")


def push(
    sync: Sync,
    options: Options,
    root: Path,
    entities: Entities,
    host: str,
    force: bool = False,
    progress: Watch | None = None,
) -> Outcome:
    """One destination: wait, skip, or rsync (rs_date is for `record`, once the pushes are
    over). force (a sync now asked for this destination) pushes even when host's copy is not
    newer than the destination's."""
    row = sync.node.row
    assert row is not None
    if not row.sync:
        return Outcome(SKIPPED, f"{sync.where}: skipped, rs_sync is no ({row.label})")
    if not sync.parent.can_feed(sync.node) and not force:
        if sync.parent.date == NEVER:
            return Outcome(WAITING, f"{sync.where}: waiting, {host}'s copy was never synced")
        return Outcome(
            WAITING,
            f"{sync.where}: waiting, {host}'s copy ({sync.parent.date}) is not newer than "
            f"{row.server}'s ({row.date})",
        )
    rules = filter_rules(sync.image, row.dst, managed_paths(row.server, entities))
    with tempfile.NamedTemporaryFile("w", prefix="lnrsync-", suffix=".rules") as merge:
        merge.write("".join(f"{rule}\n" for rule in rules))
        merge.flush()
        command = rsync_command(sync, options, root, Path(merge.name))
        start = time.monotonic()
        code, output, errors = _rsync(command, progress)
        seconds = time.monotonic() - start
    if code != 0:
        return Outcome(
            FAILED,
            f"{sync.where}: FAILED, rsync exited {code} ({RSYNC_EXITS.get(code, 'error')}): "
            f"{_last_lines(errors or output)}; rs_date left at {row.date}",
        )
    sent = _SENT.search(output)
    figures = f"{sent.group(1) if sent else '?'} bytes sent in {seconds:.1f} s"
    if options.dry_run:
        return Outcome(DRY_RUN, f"{sync.where}: dry run, {figures}")
    return Outcome(SYNCED, f"{sync.where}: synced, {figures}")


def record(api: ApiClient, host: str, pushed: Sequence[tuple[Sync, Outcome]]) -> list[Outcome]:
    """Set rs_date of every destination synced, in one request per RECORD_BATCH rows; a
    destination whose date could not be set is reported failed (its copy is there, but its
    children will not take it before it is synced again)."""
    from workers.host.client import ApiError, ApiUnavailable

    outcomes = [outcome for _, outcome in pushed]
    synced = [i for i, (_, outcome) in enumerate(pushed) if outcome.state == SYNCED]
    for start in range(0, len(synced), RECORD_BATCH):
        batch = synced[start : start + RECORD_BATCH]
        rows = [{"server": pushed[i][0].node.server, "dst": pushed[i][0].node.path} for i in batch]
        try:
            date = api.post(f"imaging/rsync/{host}/done/", {"rows": rows})["rs_date"]
        except (ApiError, ApiUnavailable) as exc:
            for i in batch:
                outcomes[i] = Outcome(FAILED, f"{outcomes[i].line}, but rs_date not set: {exc}")
            continue
        for i in batch:
            outcomes[i] = Outcome(SYNCED, f"{outcomes[i].line}, rs_date {date}")
    return outcomes


def in_rounds(syncs: Sequence[Sync]) -> list[list[Sync]]:
    """The syncs in rounds that may each run at once: a copy host pushes to itself (another
    directory of its own) goes out a round before the pushes that draw from that copy."""
    pushed = {(s.node.server, s.node.path): s for s in syncs}

    def depth(sync: Sync) -> int:
        feeding = pushed.get((sync.parent.server, sync.parent.path))
        return 0 if feeding is None else depth(feeding) + 1

    rounds: dict[int, list[Sync]] = defaultdict(list)
    for sync in syncs:
        rounds[depth(sync)].append(sync)
    return [rounds[d] for d in sorted(rounds)]


def push_all(
    syncs: Sequence[Sync], options: Options, root: Path, entities: Entities, host: str, jobs: int
) -> list[tuple[Sync, Outcome]]:
    """Every sync, round after round; within a round up to jobs at once (siblings in the
    tree: each rsync waits mostly on the disks and the network). In the order given."""

    def one(sync: Sync) -> Outcome:
        return push(sync, options, root, entities, host)

    done: dict[int, Outcome] = {}
    for round_ in in_rounds(syncs):
        if jobs == 1 or len(round_) == 1:
            outcomes = [one(sync) for sync in round_]
        else:
            # Imported here: a run pushing one after the other starts without threads.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(jobs, len(round_))) as pool:
                outcomes = list(pool.map(one, round_))
        done.update((id(s), outcome) for s, outcome in zip(round_, outcomes, strict=True))
    return [(sync, done[id(sync)]) for sync in syncs]


def run_sync(
    sync: Sync,
    options: Options,
    root: Path,
    entities: Entities,
    api: ApiClient,
    host: str,
    force: bool = False,
    progress: Watch | None = None,
) -> Outcome:
    """One destination pushed and recorded (a sync now's step)."""
    outcome = push(sync, options, root, entities, host, force, progress)
    return record(api, host, [(sync, outcome)])[0]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_agent_arguments(parser)
    parser.add_argument("--dry-run", action="store_true", help="rsync --dry-run; no rs_date")
    parser.add_argument("--only", metavar="SERVER", help="sync only this destination server")
    parser.add_argument("--bwlimit", type=_bwlimit, metavar="KBPS", help="rsync --bwlimit")
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=JOBS,
        metavar="N",
        help=f"push up to N destinations at once ({JOBS}; 1: one after the other)",
    )
    parser.add_argument(
        "--ssh-config",
        metavar="FILE",
        default=os.environ.get(SSH_CONFIG_ENV),
        help=f"ssh -F FILE ({SSH_CONFIG_ENV}; default ~/.ssh)",
    )
    parser.add_argument(
        "--peer-roots",
        metavar="DIR",
        default=os.environ.get(PEER_ROOTS_ENV),
        help=f"demo and tests: each destination server's files are under DIR/<server> "
        f"({PEER_ROOTS_ENV})",
    )


def _bwlimit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_BWLIMIT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of KB/s, 1..{MAX_BWLIMIT}"
        )
    return int(text)


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number 1..{MAX_JOBS}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    local = local_from(args)
    host = local.host
    try:
        derivation, entities = read_mirror(local.paths.etc)
    except MirrorError as exc:
        print(f"lnrsync: {exc}", file=sys.stderr)
        return 2
    if (SERVER_TYPE, host) not in entities:
        print(f"lnrsync: {host!r} is not a server in the mirror {local.paths.etc}", file=sys.stderr)
        return 2
    for problem in derivation.problems:
        print(f"lnrsync: not synced: {problem}", file=sys.stderr)
    syncs = syncs_from(derivation, host)
    if args.only:
        syncs = [s for s in syncs if s.node.server == args.only]
        if not syncs:
            print(f"lnrsync: no Rsync row of {args.only!r} draws from {host}", file=sys.stderr)
            return 2
    settings = None if args.dry_run else settings_from(args)
    if settings is not None and syncs:
        # The HTTP stack that records rs_date (http.client, email, ssl) is a sixth of a run's
        # own time: it is imported while the first rsync runs, not after the last.
        Thread(target=import_module, args=("workers.host.client",)).start()
    pushed = push_all(syncs, Options.from_args(args), local.paths.root, entities, host, args.jobs)
    outcomes = [outcome for _, outcome in pushed]
    if settings is not None and any(outcome.state == SYNCED for outcome in outcomes):
        from workers.host.client import ApiClient

        outcomes = record(ApiClient(settings.server, settings.token), host, pushed)
    failed: dict[str, int] = defaultdict(int)
    for (sync, _), outcome in zip(pushed, outcomes, strict=True):
        print(outcome.line, file=sys.stdout if outcome.ok else sys.stderr)
        if not outcome.ok:
            failed[sync.node.server] += 1
    print(f"lnrsync {host}: {len(syncs)} destinations, {sum(failed.values())} failed")
    return 1 if failed or derivation.problems else 0


COMMAND = Command("lnrsync", "push image copies down the replication tree", add_arguments, run)
