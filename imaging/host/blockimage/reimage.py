"""`reimage HOST --at logout|boot`: the client re-images its local partition from its block
image when its configuration says so (guide 3.2: small images at every logout, the rest at
boot), and reports the result to the web server: to the re-imaging page
(api imaging/restores/<host>/) and as the monitoring reading `reimage` of the partition.

The client's variables (docs/block-images.md): reimage_at (logout, boot or never),
reimage_partition (the device), reimage_image (directory or http(s) URL), reimage_fs."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from entities.mirror import MirrorError, read_entity_file
from workers.host.client import ApiClient
from workers.host.outbox import deliver
from workers.host.registry import Command
from workers.host.settings import add_agent_arguments, settings_from

from .commands import FAILED, OK, default_state_path, summary
from .format import FILESYSTEMS, ImageError
from .restore import restore_image

MOMENTS = ("logout", "boot")
KEEP = 500  # restore reports waiting for the web server, newest kept
MAX_ERROR = 500


def client_config(etc, host: str) -> dict[str, str] | None:
    """The client's re-imaging variables, or None when it re-images nothing."""
    try:
        entity = read_entity_file(etc / "client" / host)
    except (OSError, MirrorError):
        return None
    names = ("at", "partition", "image", "fs")
    config = {name: (entity.values(f"reimage_{name}") or [""])[0] for name in names}
    return config if config["partition"] and config["image"] else None


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_agent_arguments(parser)
    parser.add_argument("--at", choices=MOMENTS, required=True, help="when this runs")


def _run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    config = client_config(settings.etc, settings.host)
    wanted = config and (
        config["at"] == args.at or (config["at"] == "logout" and args.at == "boot")
    )
    if not wanted:
        # A client re-imaged at logout is also checked at boot: a logout may not have run.
        print(f"reimage: {settings.host} re-images nothing at {args.at}")
        return OK
    fs = config["fs"] if config["fs"] in FILESYSTEMS else None
    began = datetime.now(UTC)
    try:
        result = restore_image(
            config["image"],
            config["partition"],
            expect_fs=fs,
            state_path=default_state_path(config["partition"], str(settings.root)),
        )
        fields = ("good", "used_blocks", "differed_blocks", "written_bytes", "seconds")
        report = {name: getattr(result, name) for name in fields} | {"error": ""}
        print(summary(result))
    except ImageError as exc:
        print(f"reimage: {exc}", file=sys.stderr)
        seconds = (datetime.now(UTC) - began).total_seconds()
        report = dict.fromkeys(("used_blocks", "differed_blocks", "written_bytes"), 0)
        report |= {"good": False, "seconds": seconds, "error": str(exc)[:MAX_ERROR]}
    report |= {"partition": config["partition"], "image": config["image"]}
    _report(settings, report)
    return OK if report["good"] else FAILED


def _report(settings, report: dict) -> None:
    """To the re-imaging page, and as a monitoring reading; kept in the agent's outbox
    while the web server is away."""
    client = ApiClient(settings.server, settings.token)
    state = settings.paths.state
    deliver(client, state / "reimage-reports", f"imaging/restores/{settings.host}/", report, KEEP)
    value = "good" if report["good"] else "failed"
    detail = report["error"] or (
        f"{report['differed_blocks']} of {report['used_blocks']} blocks differed, "
        f"{report['written_bytes']} bytes written in {report['seconds']:.1f} s"
    )
    reading = {"item": report["partition"], "value": value, "detail": detail}
    nms = {"time": datetime.now(UTC).isoformat(), "reports": {"reimage": [reading]}}
    deliver(client, state / "reimage-readings", f"nms/hosts/{settings.host}/reports/", nms, KEEP)


COMMAND = Command(
    "reimage",
    "re-image this client's local partition if its configuration says so, and report it",
    _arguments,
    _run,
)
