"""ssh as rsync's transport (`-e`) for every host program that copies between servers
(lnrsync, backupsync, buildserver, WIMP's archive). Free of Django: the host side uses it."""

from __future__ import annotations

import os
import shlex


def rsync_shell(ssh_config: str | os.PathLike | None = None) -> str:
    """rsync's -e: ssh that never asks (BatchMode), forwards no X11 and checks the host key
    against known_hosts (StrictHostKeyChecking yes: a changed key is refused); ssh_config,
    when given, says how each host name is reached. rsync splits -e as a shell would."""
    command = ["ssh", "-x", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
    if ssh_config:
        command += ["-F", os.fspath(ssh_config)]
    return shlex.join(command)
