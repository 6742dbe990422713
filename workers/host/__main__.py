"""python -m workers.host COMMAND HOST [options]: the host agent.

run      register, then consume host.HOST from the broker (the normal way to start it)
poll     no broker: poll the change feed every --poll-interval seconds (the guide's design)
sync     catch up with the change feed once and install what changed
sanity   re-check the mirror and every managed file now (or: kill -USR2 <agent pid>)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from .agent import Agent
from .settings import from_environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workers.host",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["run", "poll", "sync", "sanity"])
    parser.add_argument("host", nargs="?", help="this host's entity name (LABNET_HOST)")
    parser.add_argument("--server", help="web server URL (LABNET_SERVER)")
    parser.add_argument("--token", help="this host's API token (LABNET_TOKEN)")
    parser.add_argument("--broker", help="broker URL (LABNET_BROKER_URL)")
    parser.add_argument("--root", help="prefix of every path written (LABNET_ROOT, /)")
    parser.add_argument("--etc", help="the XML mirror (LABNET_ETC, /usr/local/etc/labnet)")
    parser.add_argument("--poll-interval", type=float, help="seconds between polls (60)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LABNET_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = from_environment(
        host=args.host,
        server=args.server,
        token=args.token,
        broker=args.broker,
        root=args.root,
        etc=args.etc,
        poll_interval=args.poll_interval,
    )
    if args.command == "run":
        from .worker import run_worker

        run_worker(settings)
    elif args.command == "poll":
        from .worker import run_poll_only

        run_poll_only(settings)
    else:
        agent = Agent(settings)
        report = agent.sync() if args.command == "sync" else agent.sanity()
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
        if report and report["errors"]:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
