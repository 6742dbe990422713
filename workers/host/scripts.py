"""Running a fileMgr entity's script after its file changed (guide 2.3, step 7)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .paths import AgentPaths
from .runlevels import apply_runlevels

SCRIPT_TIMEOUT = 300
OUTPUT_KEPT = 4000

# Scripts the agent carries out itself: "@name" in a fileMgr entity's script variable.
BUILTINS: dict[str, Callable[[AgentPaths, Path], str]] = {"@runlevels": apply_runlevels}


@dataclass(frozen=True)
class ScriptRun:
    file: str
    command: str
    exit_status: int
    output: str


def run_script(command: str, file: str, installed: Path, paths: AgentPaths) -> ScriptRun:
    """Run command through the shell in LABNET_ROOT, told where the file went."""
    builtin = BUILTINS.get(command.strip())
    if builtin is not None:
        try:
            return ScriptRun(file, command, 0, builtin(paths, installed))
        except (OSError, ValueError) as exc:
            return ScriptRun(file, command, 1, str(exc))
    env = {
        **os.environ,
        "LABNET_ROOT": str(paths.root),
        "LABNET_ETC": str(paths.etc),
        "LABNET_FILE": str(installed),
    }
    try:
        done = subprocess.run(
            rooted(command, paths.root),
            shell=True,
            cwd=paths.root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=SCRIPT_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"") + (exc.stderr or b"")
        return ScriptRun(file, command, -1, f"timed out after {SCRIPT_TIMEOUT}s\n" + _tail(output))
    return ScriptRun(file, command, done.returncode, _tail(done.stdout + done.stderr))


def rooted(command: str, root: Path) -> str:
    """Under a LABNET_ROOT other than /, a script's absolute program path is taken inside the
    root too: a demo or test install must never restart the real machine's services."""
    stripped = command.lstrip()
    if root == Path("/") or not stripped.startswith("/"):
        return command
    return str(root) + stripped


def _tail(output: bytes) -> str:
    return output.decode(errors="replace")[-OUTPUT_KEPT:]
