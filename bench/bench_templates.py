"""The template engine against Jinja2: the demo's access.conf and boot-menu templates rendered
for every server and client of gendata's 17,000-entity campus from an in-memory snapshot, and
Jinja2 templates giving byte-identical files from the same data, in the same run.

Run: .venv/bin/python bench/bench_templates.py [--profile]"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from entities import gendata  # noqa: E402
from filemgr.templating import SnapshotSource, compile_template  # noqa: E402

ROUNDS = 5

JINJA_BOOT_MENU = (
    "DEFAULT {{ v.kernel|join }}\n"
    "APPEND root=/dev/nfs init=/etc/rc.d/{{ v.preinit_script|join }}"
    " nfsroot=/diskless/rootfs,v3 ip=dhcp "
    "{% if v.bootOptions|join %}{{ v.bootOptions|join }} {% endif %}"
    "softlevel={{ v.run_level_name|join }}"
)
JINJA_ACCESS_CONF = """\
# This file was generated automatically by the program:
# /usr/local/sbin/lnsysconfigd
# and should not be modified directly.

# Login access control table.

{% if v.access_perm|join %}\
{% for perm, users, origins in zip(v.access_perm, v.access_users, v.access_origins) %}\
{% if perm == "allow" %}+: {{ users }}: {{ origins }}
{% elif perm == "deny" %}-: {{ users }}: {{ origins }}
{% endif %}{% endfor %}\
{% else %}+: root wheel: LOCAL .{{ v.domain|join }}
-: ALL: ALL
{% endif %}"""


def campus() -> SnapshotSource:
    """gendata's campus: the demo data with its hosts cloned."""
    return SnapshotSource.from_items(gendata.campus())


def labnet_renderer(source: SnapshotSource) -> Callable[[str, str], str]:
    files = ROOT / "demo" / "files"
    access = compile_template((files / "access.conf" / "mun@site_server").read_bytes())
    boot = compile_template((files / "linux_template" / "mun@site_server").read_bytes())
    return lambda host, kind: (access if kind == "server" else boot).render(source, host, kind)


def jinja_renderer(source: SnapshotSource) -> Callable[[str, str], str]:
    env = jinja2.Environment(keep_trailing_newline=True, autoescape=False)
    env.globals["zip"] = zip
    access = env.from_string(JINJA_ACCESS_CONF)
    boot = env.from_string(JINJA_BOOT_MENU)

    def render(host: str, kind: str) -> str:
        values = source.entity_values(kind, host)
        return (access if kind == "server" else boot).render(v=values)

    return render


def best_time(render: Callable[[str, str], str], hosts: list[tuple[str, str]]) -> float:
    """The least CPU time of this process over the rounds: on a shared machine, other
    processes' load moves wall-clock figures far more than either engine does."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        for host, kind in hosts:
            render(host, kind)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    source = campus()
    hosts = [(h, "server") for h in source.entity_names("server")]
    hosts += [(h, "client") for h in source.entity_names("client")]
    labnet, jinja = labnet_renderer(source), jinja_renderer(source)
    for host, kind in hosts:
        ours, theirs = labnet(host, kind), jinja(host, kind)
        assert ours == theirs, f"{kind} {host}:\n{ours!r}\n!=\n{theirs!r}"
    if "--profile" in sys.argv:
        profile = cProfile.Profile()
        profile.runcall(lambda: [labnet(h, k) for h, k in hosts])
        pstats.Stats(profile).sort_stats("tottime").print_stats(12)
    entities = sum(len(source.entity_names(t)) for t in source.entity_types())
    labnet_time, jinja_time = best_time(labnet, hosts), best_time(jinja, hosts)
    print(f"campus: {entities} entities, {len(hosts)} hosts, output identical for every host")
    print(f"labnet templates: {len(hosts) / labnet_time:10.0f} hosts/s")
    print(f"jinja2 (baseline): {len(hosts) / jinja_time:9.0f} hosts/s")
    print(f"ratio labnet/jinja2 time: {labnet_time / jinja_time:.2f} (<= 1.0 is no slower)")


if __name__ == "__main__":
    main()
