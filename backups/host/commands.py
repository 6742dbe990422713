"""The host programs `python -m workers.host backupsync HOST ...` and `bkupclean HOST -m N`
(DESIGN.md contract 5), as the crontab_tasks of a backup server run them."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date as Date

from core.ssh import rsync_shell
from workers.host.client import ApiClient, ApiError, ApiUnavailable
from workers.host.registry import Command
from workers.host.settings import LocalHost, add_agent_arguments, local_from, settings_from

from .backupsync import backupsync, disks_report
from .bkupclean import bkupclean
from .config import mirror_filter, mirror_retention, mirror_rows
from .dates import is_date
from .disks import DiskBusy
from .table import rows_backed_up_by

REPORT_PATH = "backups/{host}/report/"


def _date(text: str) -> str:
    if not is_date(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD")
    return text


def add_backupsync_arguments(parser: argparse.ArgumentParser) -> None:
    add_agent_arguments(parser)
    parser.add_argument("--dry-run", action="store_true", help="list what would be copied")
    parser.add_argument("--only", metavar="DIR", help="only the row whose bk_directory is DIR")
    parser.add_argument(
        "--verify", action="store_true", help="re-read a sample of the new backup by checksum"
    )
    parser.add_argument(
        "--date", type=_date, default=None, help="the date directory to write (today)"
    )
    parser.add_argument(
        "--ssh-config", help="ssh_config naming how each source is reached (LABNET_SSH_CONFIG)"
    )


def run_backupsync(args: argparse.Namespace) -> int:
    """0 when every row was backed up and reported, 1 otherwise."""
    client = None
    if not args.dry_run:
        settings = settings_from(args)
        client = ApiClient(settings.server, settings.token)
    ssh_config = args.ssh_config or os.environ.get("LABNET_SSH_CONFIG")
    return sync_and_report(
        local_from(args),
        client,
        args.date or Date.today().isoformat(),
        rsync_shell(ssh_config),
        only=args.only,
        dry_run=args.dry_run,
        check=args.verify,
    )


def sync_and_report(
    local: LocalHost,
    client: ApiClient | None,
    date: str,
    rsh: str,
    *,
    only: str | None = None,
    dry_run: bool = False,
    check: bool = False,
) -> int:
    """backupsync on local's host, then its report to the web server through client (none
    for a dry run): bk_date of the rows backed up, each row's result, each disk's use."""
    paths = local.paths
    all_rows = rows_backed_up_by(local.host, mirror_rows(paths.etc))
    rows = all_rows
    if only:
        rows = [r for r in all_rows if r.directory.rstrip("/") == only.rstrip("/")]
        if not rows:
            print(
                f"backupsync: no BackupTable row backed up by {local.host} has bk_directory {only}",
                file=sys.stderr,
            )
            return 2
    results = backupsync(
        paths,
        rows,
        date,
        rsh,
        lambda name: mirror_filter(paths.etc, name),
        dry_run=dry_run,
        check=check,
    )
    failed = [r for r in results if not r.ok or r.differences]
    if dry_run or client is None:
        return 1 if failed else 0
    body = {"results": [r.as_report() for r in results], "disks": disks_report(paths, all_rows)}
    try:
        client.post(REPORT_PATH.format(host=local.host), body)
    except (ApiError, ApiUnavailable) as problem:
        print(f"backupsync: the web server did not take the report: {problem}", file=sys.stderr)
        return 1
    return 1 if failed else 0


def _mark(text: str) -> float:
    try:
        mark = float(text)
    except ValueError:
        mark = -1.0
    if not 1 <= mark <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage from 1 to 100")
    return mark


def add_bkupclean_arguments(parser: argparse.ArgumentParser) -> None:
    add_agent_arguments(parser)
    parser.add_argument(
        "-m",
        dest="mark",
        type=_mark,
        required=True,
        metavar="PERCENT",
        help="high-water mark: remove old backups until each disk is at most this full",
    )
    parser.add_argument("--dry-run", action="store_true", help="say what would be removed")


def run_bkupclean(args: argparse.Namespace) -> int:
    """0 when every disk ends under the mark (and the web server took the report)."""
    client = None
    if not args.dry_run:
        settings = settings_from(args)
        client = ApiClient(settings.server, settings.token)
    return clean_and_report(local_from(args), client, args.mark, dry_run=args.dry_run)


def clean_and_report(
    local: LocalHost, client: ApiClient | None, mark: float, *, dry_run: bool = False
) -> int:
    """bkupclean on local's host, then its disks' use to the web server through client."""
    paths = local.paths
    rows = [r for r in mirror_rows(paths.etc) if r.bk_server == local.host and r.basedir]
    try:
        retention = mirror_retention(paths.etc, local.host)
        basedirs = {paths.file(r.basedir) for r in rows}
        uses = bkupclean(paths.state, basedirs, mark, retention, dry_run=dry_run)
    except (ValueError, DiskBusy) as problem:
        print(f"bkupclean: {problem}", file=sys.stderr)
        return 1
    over = [u for u in uses if u.percent > mark]
    if dry_run or client is None:
        return 1 if over else 0
    try:
        client.post(REPORT_PATH.format(host=local.host), {"disks": disks_report(paths, rows)})
    except (ApiError, ApiUnavailable) as problem:
        print(f"bkupclean: the web server did not take the report: {problem}", file=sys.stderr)
        return 1
    return 1 if over else 0


COMMANDS = [
    Command(
        "backupsync",
        "back up the BackupTable rows naming this host as bk_server",
        add_backupsync_arguments,
        run_backupsync,
    ),
    Command(
        "bkupclean",
        "remove the oldest backups until each backup disk is under the high-water mark",
        add_bkupclean_arguments,
        run_bkupclean,
    ),
]
