"""The appserver's boot programs: `python -m workers.host tftpd HOST --listen ADDR:PORT` and
`python -m workers.host menuserver HOST --listen ADDR:PORT` (DESIGN.md contract 5). Both read
only the XML mirror and the boot directory."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

from workers.host.registry import Command
from workers.host.settings import add_host_arguments, local_from

from .bootclients import ClientIndex
from .bootfiles import boot_dir
from .bootrequests import HTTP, TFTP, RequestLog
from .procname import set_process_name

log = logging.getLogger("labnet.boot")


def listen_address(text: str) -> tuple[str, int]:
    """ADDR:PORT (a port of 0 picks a free one)."""
    address, _, port = text.rpartition(":")
    if not address or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not ADDR:PORT")
    return address.strip("[]"), int(port)


def _directory_arguments(parser: argparse.ArgumentParser) -> None:
    _arguments(8080)(parser)
    parser.add_argument(
        "--ldap-url",
        action="append",
        default=[],
        help="directory server for /login (repeatable; default: the host's ldapsrv)",
    )
    parser.add_argument("--ldap-bind-dn", default="", help="bind as (default: anonymous)")
    parser.add_argument(
        "--ldap-password-file", type=Path, help="root-only file holding the bind password"
    )


def _arguments(default_port: int) -> Callable[[argparse.ArgumentParser], None]:
    def add(parser: argparse.ArgumentParser) -> None:
        add_host_arguments(parser)
        parser.add_argument(
            "--listen",
            type=listen_address,
            default=("0.0.0.0", default_port),
            help=f"ADDR:PORT to serve on (0.0.0.0:{default_port})",
        )
        parser.add_argument(
            "--requests",
            type=Path,
            help="write the requests seen lately, per client, to this JSON file (the agent "
            "reports them)",
        )

    return add


def run_tftpd(args: argparse.Namespace) -> int:
    from .tftp.files import TftpFiles
    from .tftp.server import run, serve

    set_process_name("lntftpd")
    local = local_from(args)
    directory = boot_dir(local.paths.root)
    index = ClientIndex(local.paths.etc)
    files = TftpFiles(local.host, local.paths.etc, directory, index)
    recent = None
    if args.requests:
        recent = RequestLog(args.requests, index, TFTP)
        recent.start()

    def started(bound: tuple[str, int]) -> None:
        log.info("lntftpd for %s serving %s on %s:%d", local.host, directory, *bound)

    try:
        run(serve(files, *args.listen, recent.record if recent else None, started=started))
    except KeyboardInterrupt:
        pass
    return 0


def run_menuserver(args: argparse.Namespace) -> int:
    from .iscsi.cow import install_cow_maker
    from .iscsi.planning import Refused
    from .iscsi.storage import StorageError
    from .logins import DirectoryAccess
    from .menuserver import MenuServer

    set_process_name("menuserver")
    local = local_from(args)
    directory = DirectoryAccess(tuple(args.ldap_url), args.ldap_bind_dn, args.ldap_password_file)
    server = MenuServer(
        args.listen, local.host, local.paths.etc, boot_dir(local.paths.root), directory
    )
    if args.requests:
        recent = RequestLog(args.requests, server.index, HTTP)
        server.on_request = recent.record
        recent.start()
    try:
        install_cow_maker(local.host, local.paths.etc, local.paths.root)
    except (Refused, StorageError) as exc:
        log.warning("menuserver for %s makes no COW targets: %s", local.host, exc)
    log.info("menuserver for %s on %s:%d", local.host, *server.server_address[:2])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


COMMANDS = [
    Command("tftpd", "template-aware TFTP of <root>/diskless/boot", _arguments(69), run_tftpd),
    Command(
        "menuserver",
        "iPXE scripts, boot files and Windows login lookups over HTTP",
        _directory_arguments,
        run_menuserver,
    ),
]
