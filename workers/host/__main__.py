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
import json
import logging
import os
import sys

from .registry import commands
from .settings import add_agent_arguments, plug_ins, settings_from


def agent_command(args: argparse.Namespace) -> int:
    # Imported here: the apps' host programs (lnrsync, tftpd, ...) start without the agent.
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


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m workers.host",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    programs = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in (
        ("run", "the agent, on the broker"),
        ("poll", "the agent, without a broker"),
        ("sync", "catch up once"),
        ("sanity", "re-check everything once"),
    ):
        sub = programs.add_parser(name, help=text)
        add_agent_arguments(sub)
        sub.add_argument("--poll-interval", type=float, help="seconds between polls (60)")
        sub.set_defaults(handler=agent_command)
    for command in commands(plug_ins()).values():
        sub = programs.add_parser(command.name, help=command.help)
        command.add_arguments(sub)
        sub.set_defaults(handler=command.run)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LABNET_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
