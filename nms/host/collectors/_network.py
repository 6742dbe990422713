"""Bandwidth used on each network port, as a percentage of its link speed, from the byte
counters of /sys/class/net between this collection and the previous one (shared by netrx
and nettx)."""

from __future__ import annotations

from . import Reading, System

NET = "/sys/class/net"
FIRST_SAMPLE_SECONDS = 1.0


def percent(before: int, after: int, seconds: float, speed_mbps: int) -> float | None:
    """None when the counter went back (a driver reload or a wrap): no rate to tell."""
    if after < before or seconds <= 0 or speed_mbps <= 0:
        return None
    return 100.0 * (after - before) * 8 / seconds / (speed_mbps * 1e6)


def ports(system: System, direction: str) -> dict[str, tuple[int, int]]:
    """port -> (link speed in Mb/s, byte counter) for ports that report a speed (virtual
    ports and a cable pulled out report none or -1)."""
    found = {}
    for port in sorted(system.path(NET).iterdir()):
        try:
            speed = int((port / "speed").read_text())
            counter = int((port / "statistics" / f"{direction}_bytes").read_text())
        except (OSError, ValueError):
            continue
        if port.name != "lo" and speed > 0:
            found[port.name] = (speed, counter)
    return found


def usage(system: System, direction: str) -> list[Reading]:
    """direction is "rx" or "tx". The first collection after the agent starts has no earlier
    counters, so it samples over one second."""
    key = f"net_{direction}"
    previous = system.state.get(key)
    if previous is None:
        previous = {
            "time": system.clock(),
            "bytes": {p: c for p, (_, c) in ports(system, direction).items()},
        }
        system.sleep(FIRST_SAMPLE_SECONDS)
    now = system.clock()
    current = ports(system, direction)
    system.state[key] = {"time": now, "bytes": {p: c for p, (_, c) in current.items()}}
    readings = []
    for port, (speed, counter) in current.items():
        before = previous["bytes"].get(port)
        used = None if before is None else percent(before, counter, now - previous["time"], speed)
        if used is not None:
            rate = used * speed / 100
            readings.append(Reading(port, f"{used:.1f}", f"{rate:.1f} of {speed} Mb/s"))
    return readings
