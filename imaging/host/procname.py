"""A host program's name as ps and monitoring see it: `python -m workers.host tftpd` runs as
python3, and monitoring's daemon category looks for the service's daemon (lntftpd, menuserver)
among process names (nms.host.collectors.daemon)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("labnet.boot")
PR_SET_NAME = 15
MAX_NAME = 15  # the kernel keeps 15 bytes of a thread's name


def set_process_name(name: str) -> None:
    """Name the calling process (its main thread's comm) name; logged, never raised, where
    the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        if libc.prctl(PR_SET_NAME, name.encode()[:MAX_NAME], 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError) as exc:
        log.warning("process not named %s: %s", name, exc)
