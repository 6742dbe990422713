"""buildserver (guide 3.6): turn empty disks into the server its entity describes.

    manage.py buildserver SERVER [--disks sda=/dev/X,sdb=/dev/Y] [--target DIR] [--yes]
        [--plan] [--wipe DISK] [--server URL --token T]

planning (the tables -> a checked plan), disks (scan, sfdisk, mkfs, mount), raidlvm (mdadm,
lvm2), boot (GRUB 2) and steps (the guide's steps in order). No Django here: the management
command passes a Configuration on the database or on the API."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from workers.host.client import ApiClient

from .planning import parse_disks
from .steps import Build, Configuration, Console, Options

DEFAULT_TARGET = "/mnt/slash"  # the guide's


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("server_name", metavar="SERVER", help="the server entity to build")
    parser.add_argument(
        "--disks",
        type=_disks,
        default={},
        metavar="sda=/dev/X,sdb=/dev/Y",
        help="the devices here of the disks the tables name (default: the same names)",
    )
    parser.add_argument("--target", default=DEFAULT_TARGET, help="where the new root is mounted")
    parser.add_argument("--yes", action="store_true", help="answer yes to every question")
    parser.add_argument("--plan", action="store_true", help="print the plan; write nothing")
    parser.add_argument(
        "--wipe",
        action="append",
        default=[],
        metavar="DISK",
        help="erase disk DISK (sda) even though it holds data buildserver did not make",
    )
    parser.add_argument("--server", dest="api", metavar="URL", help="web server (with --token)")
    parser.add_argument("--token", help="the server's own agent token (LABNET_TOKEN)")
    parser.add_argument("--ssh-config", metavar="FILE", help="ssh -F FILE for the rsync sources")
    parser.add_argument(
        "--peer-roots",
        metavar="DIR",
        help="demos and tests: source host H's paths are under DIR/H",
    )
    parser.add_argument("--no-grub", action="store_true", help="leave the boot sectors alone")


def _disks(text: str) -> dict[str, str]:
    try:
        return parse_disks(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        server=args.server_name,
        target=Path(args.target).resolve(),
        disks=args.disks,
        yes=args.yes,
        plan_only=args.plan,
        wipe=frozenset(args.wipe),
        ssh_config=args.ssh_config,
        peer_roots=args.peer_roots,
        grub=not args.no_grub,
    )


def run_build(args: argparse.Namespace, database: Configuration | None) -> int:
    """Build with database (manage.py on the database) or, with --server, through the API."""
    options = options_from(args)
    console = Console(options.yes)
    if args.api:
        from .api_config import ApiConfiguration

        token = args.token or os.environ.get("LABNET_TOKEN")
        if not token:
            raise SystemExit("buildserver: --server needs --token (or LABNET_TOKEN)")
        with tempfile.TemporaryDirectory(prefix="buildserver-") as staging:
            config = ApiConfiguration(ApiClient(args.api, token), options.server, Path(staging))
            return Build(options, config, console).run()
    if database is None:
        raise SystemExit("buildserver: give --server URL --token T")
    return Build(options, database, console).run()
