"""The state of each software RAID array, from /proc/mdstat.

An array is inactive, in recovery (a member being rebuilt), in resync / check / reshape,
degraded (a member missing, "[U_]", and nothing rebuilding), or active."""

from __future__ import annotations

import re
from pathlib import Path

from . import HostConfig, Reading, System

_ARRAY = re.compile(r"^(md\S*)\s*:\s*(\S+)\s*(.*)$")
_MEMBERS = re.compile(r"\[(\d+)/(\d+)\]\s*\[([U_]+)\]")
_PROGRESS = re.compile(r"\b(recovery|resync|check|reshape|repair)\s*=\s*([\d.]+%)(.*)")
_DELAYED = re.compile(r"\b(resync|recovery)\s*=\s*(DELAYED|PENDING)")
_FINISH = re.compile(r"finish=(\S+)")


def parse_mdstat(text: str) -> list[Reading]:
    readings = []
    current: dict | None = None
    for line in text.splitlines():
        match = _ARRAY.match(line)
        if match:
            current = {"name": match.group(1), "status": match.group(2), "rest": match.group(3)}
            current.update(members=None, progress=None)
            readings.append(current)
            continue
        if current is None or not line[:1].isspace():
            current = None
            continue
        members = _MEMBERS.search(line)
        if members:
            current["members"] = members.groups()
        progress = _PROGRESS.search(line) or _DELAYED.search(line)
        if progress:
            finish = _FINISH.search(line)
            current["progress"] = (progress.group(1), progress.group(2), finish)
    return [_reading(array) for array in readings]


def _reading(array: dict) -> Reading:
    device = f"/dev/{array['name']}"
    words = array["rest"].split()
    level = next((w for w in words if w.startswith("raid") or w == "linear"), "")
    parts = [level] if level else []
    missing = False
    if array["members"]:
        total, up, flags = array["members"]
        missing = "_" in flags
        parts.append(f"[{total}/{up}] [{flags}]")
    if array["status"] == "inactive":
        return Reading(device, "inactive", " ".join(parts + words))
    if array["progress"]:
        action, amount, finish = array["progress"]
        text = f"{action} {amount}" + (f", finish {finish.group(1)}" if finish else "")
        return Reading(
            device, action if action != "repair" else "resync", ", ".join(parts + [text])
        )
    return Reading(device, "degraded" if missing else "active", " ".join(parts))


def collect(host: HostConfig, system: System) -> list[Reading]:
    path: Path = system.path("/proc/mdstat")
    if not path.exists():  # no md driver loaded: no arrays
        return []
    return parse_mdstat(path.read_text())
