"""Labnet's accounting backend: CUPS runs it for a queue whose device URI is
labnet:<the printer's URI> (printing.host.queues). It counts the job's pages, asks the web
server to charge the user (the check and the debit are one transaction there), and prints
the job to the printer's own device only once charged; a refused job is cancelled with the
reason as its job-printer-state-message, and a job that failed to print is refunded.

    python -m printing.host.backend SETTINGS job-id user title copies options [file]

SETTINGS is the agent's BackendSettings file. Without the CUPS arguments it lists no device
(CUPS asks every backend for devices)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from workers.host.client import ApiClient, ApiError, ApiUnavailable
from workers.host.outbox import deliver

from .documents import UncountableDocument, count_pages, ink_coverage
from .queues import ACCOUNTING_SCHEME

# CUPS backend exit codes (cups/backend.h).
OK, FAILED, HOLD, STOP, CANCEL, RETRY = 0, 1, 3, 4, 5, 6
MAX_JOB_BYTES = 1024**3
# A job's finish report waits in the outbox while the web server is away; at most this many.
KEPT_REPORTS = 10_000


def message(text: str) -> None:
    """The job's and the printer's state message, as lpstat and the job's attributes show it."""
    print(f"ERROR: Labnet printing: {text}", file=sys.stderr, flush=True)


def options_of(text: str) -> dict[str, str]:
    found = {}
    for word in text.split():
        name, _, value = word.partition("=")
        found[name] = value
    return found


def spool(source: str | None, directory: str) -> Path:
    """The job's data as a file of our own (CUPS gives a file or pipes it on stdin)."""
    handle, name = tempfile.mkstemp(prefix="labnet-job-", dir=directory)
    with os.fdopen(handle, "wb") as out:
        if source:
            with open(source, "rb") as data:
                shutil.copyfileobj(data, out)
        else:
            shutil.copyfileobj(sys.stdin.buffer, out)
    return Path(name)


def print_to_device(uri: str, arguments: list[str], data: Path) -> int:
    """Send the data to the printer's own device: a file:// device is written here (CUPS
    writes those itself, it has no backend), any other scheme runs CUPS's backend for it."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        try:
            with open(unquote(parts.path), "ab") as out, open(data, "rb") as source:
                shutil.copyfileobj(source, out)
        except OSError as exc:
            message(f"cannot write {parts.path}: {exc.strerror}")
            return FAILED
        return OK
    server_bin = Path(os.environ.get("CUPS_SERVERBIN", "/usr/lib/cups"))
    backend = server_bin / "backend" / parts.scheme
    if not backend.is_file() or parts.scheme == ACCOUNTING_SCHEME:
        message(f"no CUPS backend for {parts.scheme}:")
        return STOP
    environment = {**os.environ, "DEVICE_URI": uri}
    return subprocess.run(
        [uri, *arguments[:5], str(data)], executable=backend, env=environment
    ).returncode


def run(settings_file: str, arguments: list[str]) -> int:
    if not arguments:
        return OK
    if len(arguments) not in (5, 6):
        message("usage: job-id user title copies options [file]")
        return FAILED
    settings = json.loads(Path(settings_file).read_text())
    job_id, user, title, copies, options = arguments[:5]
    uri = os.environ.get("DEVICE_URI", "").removeprefix(f"{ACCOUNTING_SCHEME}:")
    data = spool(arguments[5] if len(arguments) == 6 else None, os.environ.get("TMPDIR", "/tmp"))
    try:
        if data.stat().st_size > MAX_JOB_BYTES:
            message(f"job refused: over {MAX_JOB_BYTES // 1024**2} MiB")
            return CANCEL
        try:
            document = count_pages(data)
        except UncountableDocument as exc:
            message(f"job refused, not charged: {exc}")
            return CANCEL
        chosen = options_of(options)
        request = {
            "printer": os.environ.get("PRINTER", ""),
            "job_id": int(job_id),
            "user": user,
            "title": title[:255],
            "pages": document.pages,
            # CUPS's rule: a backend given the job on stdin gets it through filters, which
            # made the copies already; only a job file given by name prints copies times.
            "copies": max(int(copies or 1), 1) if len(arguments) == 6 else 1,
            "color": chosen.get("print-color-mode", "color") != "monochrome",
            "duplex": chosen.get("sides", "one-sided").startswith("two-sided"),
            "width_mm": document.width_mm,
            "height_mm": document.height_mm,
        }
        if request["printer"] in settings.get("ink_coverage", []):
            try:
                request["ink"] = ink_coverage(data)
            except UncountableDocument as exc:
                message(f"job refused, not charged: {exc}")
                return CANCEL
        client = ApiClient(settings["server"], settings["token"])
        host = settings["host"]
        try:
            charged = client.post(f"printing/hosts/{host}/jobs/", request)
        except ApiUnavailable:
            message("the accounting server does not answer; the job waits and is tried again")
            return RETRY
        except ApiError as exc:
            message(refusal(exc))
            return CANCEL
        if charged.get("held"):
            # Over the printer's page_limit: CUPS holds the job (job-hold-until=indefinite)
            # until its user releases it on the web page, and runs this backend again.
            message(charged["detail"])
            return HOLD
        print(f"INFO: Labnet printing: charged {charged['cost']}", file=sys.stderr, flush=True)
        status = print_to_device(uri, arguments, data)
        outcome = {"status": "printed" if status == OK else "failed"}
        deliver(
            client,
            Path(settings["outbox"]),
            f"printing/hosts/{host}/jobs/{charged['id']}/finish/",
            outcome,
            KEPT_REPORTS,
        )
        return status
    finally:
        data.unlink(missing_ok=True)


def refusal(exc: ApiError) -> str:
    """The web server's reason, as the user reads it."""
    text = str(exc).split(": ", 1)[-1]
    try:
        detail = json.loads(text)
    except ValueError:
        return f"job refused ({text[:200]})"
    if isinstance(detail, dict) and isinstance(detail.get("detail"), str):
        return detail["detail"]
    return f"job refused ({text[:200]})"


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2:]))
