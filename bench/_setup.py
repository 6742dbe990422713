"""What the benchmarks share: Labnet's environment for this process and the manage.py
commands it runs, and the percentiles they print."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def use_database(url: str) -> None:
    """Run Labnet on the database url, here and in manage(). The master store is a temporary
    folder, removed at exit, so the managed files gendata commits stay out of var/master."""
    sys.path.insert(0, str(ROOT))
    os.environ["LABNET_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labnet_site.settings")
    os.environ["LABNET_DEBUG"] = "0"
    if "LABNET_MASTER_STORE" not in os.environ:
        store = tempfile.mkdtemp(prefix="labnet-bench-master-")
        atexit.register(shutil.rmtree, store, ignore_errors=True)
        os.environ["LABNET_MASTER_STORE"] = store


def manage(*args: str, database_url: str | None = None) -> None:
    """manage.py args in a child process, on database_url or the benchmark's database."""
    env = dict(os.environ, LABNET_DATABASE_URL=database_url or os.environ["LABNET_DATABASE_URL"])
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env)


def percentiles(samples: list[float]) -> str:
    """p50 and p95 in milliseconds (p95 by nearest rank)."""
    ordered = sorted(samples)
    p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms"
