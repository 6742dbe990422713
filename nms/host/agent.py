"""The host agent's side of network monitoring (the guide's lnsysconfigd statistics report):
collect every category from this machine and the host's configuration in the XML mirror,
and post the report to the web server with the host's token. It runs on the agent's own
schedule (lnappconf/nms report_interval, 300 s by default, re-read every time) once the
agent has its mirror, and when the task nms.collect arrives on the host's queue. A report
the web server cannot take waits in the agent's outbox (a day's worth at most) and goes,
with its age, as soon as the server answers. No ORM here: plain data in,
the API out."""

from __future__ import annotations

import json
import logging
import math
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.files import write_atomic
from core.hosts import CLIENT, SERVER, host_kind
from filemgr.templating import ConfigSource, MirrorSource
from workers.host.client import ApiClient
from workers.host.mirror import LocalMirror
from workers.host.outbox import deliver
from workers.host.registry import HostSide, Job

from .collectors import FstabRow, HostConfig, ImageCopy, System, collect_all

if TYPE_CHECKING:
    from workers.host.agent import Agent

log = logging.getLogger("labnet.nms")
COLLECT_TASK = "nms.collect"
REPORT_INTERVAL = 300.0
KEPT_SECONDS = 24 * 3600.0
# How often the schedule looks for the mirror before the agent's first sync has made it.
MIRROR_WAIT = 2.0
FSTAB_COLUMNS = {
    "dev": "fst_dev",
    "mntpt": "fst_mntpt",
    "type": "fst_type",
    "opts": "fst_opts",
    "passno": "fst_pass",
    "uuid": "fst_uuid",
}


def host_config(source: ConfigSource, host: str) -> HostConfig:
    """The host's fstab table and the daemons its configuration runs: a server's are the
    services of its functions, a client's those of its run level."""
    kind = host_kind(source, host) or SERVER
    own = source.entity_values(kind, host) or {}
    columns = {field: own.get(variable, []) for field, variable in FSTAB_COLUMNS.items()}
    rows = len(columns["mntpt"])
    fstab = [
        FstabRow(**{f: (values[i] if i < len(values) else "") for f, values in columns.items()})
        for i in range(rows)
    ]
    if kind == CLIENT:
        run_level = (own.get("run_level_name") or [""])[0]
        services = (source.entity_values("client_run_levels", run_level) or {}).get("services", [])
    else:
        functions = set(own.get("functions", []))
        services = [
            name
            for name in source.entity_names("service")
            if functions & set((source.entity_values("service", name) or {}).get("functions", []))
        ]
    daemons = [
        ((source.entity_values("service", s) or {}).get("daemon") or [s])[0] for s in services
    ]
    return HostConfig(host, fstab, daemons, image_copies(own))


def image_copies(own: dict[str, list[str]]) -> list[ImageCopy]:
    """The host's Rsync table (guide 3.6), columns aligned by row."""
    columns = {c: own.get(c, []) for c in ("rs_host", "rs_src", "rs_dst", "rs_sync", "rs_date")}

    def cell(column: str, row: int) -> str:
        return columns[column][row].strip() if row < len(columns[column]) else ""

    return [
        ImageCopy(
            cell("rs_dst", i),
            f"{cell('rs_host', i)}:{cell('rs_src', i)}",
            cell("rs_sync", i) == "yes",
            cell("rs_date", i),
        )
        for i in range(len(columns["rs_dst"]))
        if cell("rs_dst", i)
    ]


def report_interval(source: ConfigSource) -> float:
    values = (source.entity_values("lnappconf", "nms") or {}).get("report_interval", [])
    try:
        return max(float(values[0]), 1.0)
    except (IndexError, ValueError):
        return REPORT_INTERVAL


class Collection:
    """One host's collections, one at a time; the network counters persist between them in
    the agent's state folder, and so do the reports not yet delivered."""

    def __init__(self, host: str, mirror: LocalMirror, state_dir: Path, client: ApiClient):
        self.host, self.mirror, self.client = host, mirror, client
        self.etc = mirror.directory
        self.state_file = state_dir / "nms-state.json"
        self.outbox = state_dir / "nms-reports"
        self.lock = threading.Lock()

    def run(self) -> dict[str, Any] | None:
        """Collect and deliver a report; None while the agent has no mirror yet, which holds
        the fstab table and the daemons to look for."""
        with self.lock:
            if self.mirror.last_seq() is None:
                log.info("nms collection waits for the mirror")
                return None
            source = MirrorSource(self.etc)
            config = host_config(source, self.host)
            system = System(state=self._load_state())
            readings = collect_all(config, system)
            report = {"time": datetime.now(UTC).isoformat(), "reports": readings}
            write_atomic(self.state_file, json.dumps(system.state).encode())
            keep = math.ceil(KEPT_SECONDS / report_interval(source))
            deliver(self.client, self.outbox, f"nms/hosts/{self.host}/reports/", report, keep)
            return report

    def _load_state(self) -> dict[str, Any]:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}


def scheduled(collection: Collection) -> float:
    """One collection on the agent's clock, and the seconds until the next: the first comes
    as soon as the agent has its mirror, then one every report interval."""
    try:
        waiting = collection.run() is None
    except Exception:  # the schedule must outlive any one failed collection
        log.exception("nms collection failed")
        waiting = False
    return MIRROR_WAIT if waiting else report_interval(MirrorSource(collection.etc))


def host_side(agent: Agent) -> HostSide:
    """nms on a host: collections on the agent's clock, from its start (whether or not the
    broker is up, and in poll-only mode too), and on demand (the task nms.collect)."""
    settings = agent.settings
    collection = Collection(settings.host, agent.mirror, agent.paths.state, agent.client)
    return HostSide(
        tasks={COLLECT_TASK: collection.run},
        jobs=[Job("nms-collection", lambda: scheduled(collection))],
    )
