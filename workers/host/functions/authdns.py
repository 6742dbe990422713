"""`authdns`: the zone files of the configuration (workers.host.dns) for the authoritative
DNS server, each installed only when its records changed, with a higher serial; then the
server's reload script. zones.conf lists them in nsd.conf's syntax (`include:` it)."""

from __future__ import annotations

import datetime

from core.files import write_atomic

from ..dns import build_zones, zone_if_changed
from ..paths import under
from . import FunctionContext, FunctionRun, register, run_reload

ZONE_DIR = "/var/lib/labnet/zones"
# Run after a zone changed: ship it as a managed file (mode 0755), e.g. `nsd-control reload`.
RELOAD = "/etc/labnet/reload.d/authdns"


def authdns(context: FunctionContext) -> FunctionRun:
    run = FunctionRun()
    build = build_zones(context.source)
    run.problems = build.problems
    directory = under(context.paths.root, ZONE_DIR)
    today = datetime.datetime.now(datetime.UTC).date()
    stanzas = []
    for name, zone in sorted(build.zones.items()):
        path = directory / f"{name}.zone"
        try:
            installed = path.read_text()
        except FileNotFoundError:
            installed = None
        text = zone_if_changed(zone, build.nameservers, installed, today)
        if text is not None:
            write_atomic(path, text.encode(), mode=0o644)
            run.changed.append(f"{ZONE_DIR}/{name}.zone")
        stanzas.append(f"zone:\n\tname: {name}\n\tzonefile: {path}\n")
    if write_atomic(directory / "zones.conf", "".join(stanzas).encode(), mode=0o644):
        run.changed.append(f"{ZONE_DIR}/zones.conf")
    if run.changed:
        run.scripts = run_reload(context.paths, RELOAD, "authdns", directory)
    return run


register("authdns", authdns)
