"""python -m workers.host COMMAND [HOST] [options]: the host agent and every host program.

run      register, then consume host.HOST from the broker (the normal way to start it)
poll     no broker: poll the change feed every --poll-interval seconds (the guide's design)
sync     catch up with the change feed once and install what changed
sanity   re-check the mirror and every managed file now (or: kill -USR2 <agent pid>)

The apps' host programs (tftpd, lnrsync, backupsync, ...) come from the plug-ins named in
LABNET_PLUG_INS (workers.host.settings.PLUG_INS); `python -m workers.host --help` lists them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .registry import command, programs
from .settings import add_agent_arguments, plug_ins, settings_from


def agent_command(args: argparse.Namespace) -> int:
    # Imported here: the apps' host programs (lnrsync, tftpd, ...) start without the agent.
    import json

    from .agent import Agent

    settings = settings_from(args)
    if args.command == "run":
        from .worker import run_worker

        run_worker(settings)
        return 0
    if args.command == "poll":
        from .worker import run_poll_only

        run_poll_only(settings)
        return 0
    agent = Agent(settings)
    report = agent.sync() if args.command == "sync" else agent.sanity()
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if report and report["errors"] else 0


AGENT_COMMANDS = {
    "run": "the agent, on the broker",
    "poll": "the agent, without a broker",
    "sync": "catch up once",
    "sanity": "re-check everything once",
}


def parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Every program's command line, or only the one argv names: a host program then imports
    its own module and no other plug-in's (its start is a large part of a short run)."""
    main = argparse.ArgumentParser(
        prog="python -m workers.host",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    found = programs(plug_ins())
    chosen = argv[0] if argv and (argv[0] in AGENT_COMMANDS or argv[0] in found) else None
    for name, text in AGENT_COMMANDS.items():
        if chosen in (None, name):
            sub = subparsers.add_parser(name, help=text)
            add_agent_arguments(sub)
            sub.add_argument("--poll-interval", type=float, help="seconds between polls (60)")
            sub.set_defaults(handler=agent_command)
    for name, target in found.items():
        if chosen in (None, name):
            program = command(name, target)
            sub = subparsers.add_parser(name, help=program.help)
            program.add_arguments(sub)
            sub.set_defaults(handler=program.run)
    return main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    # A host program whose modules do not log (lnrsync pushing one destination after the
    # other) starts without importing logging, a few ms of a short run.
    if args.handler is agent_command or "logging" in sys.modules:
        import logging

        logging.basicConfig(
            level=os.environ.get("LABNET_LOG_LEVEL", "INFO"),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
