"""Real host agents (`python -m workers.host run`) for end-to-end tests: each installs into
its own root and keeps its mirror in its own etc under a temp dir, logging to a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings

SERVER_AWAY = "web server unavailable"  # workers.host.agent's warning


def read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


class AgentProcess:
    """The agent of host, installing into root (tmp/<host>/root unless given), with env added
    to its environment."""

    def __init__(
        self,
        host: str,
        server: str,
        token: str,
        tmp: Path,
        poll: float,
        broker: str,
        root: Path | None = None,
        env: Mapping[str, str] | None = None,
    ):
        self.root, self.etc = root or tmp / host / "root", tmp / host / "etc"
        self.log_path = tmp / f"{host}.log"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "LABNET_VAR_DIR": str(tmp / "var"),
            "LABNET_LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "workers.host", "run", host, "--server", server),
                *("--token", token, "--broker", broker),
                *("--root", str(self.root), "--etc", str(self.etc)),
                *("--poll-interval", str(poll)),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def file(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def syncs_failed(self) -> int:
        """The passes that found the web server away (the agent logs each)."""
        return self.log_path.read_text().count(SERVER_AWAY)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
