"""A real CUPS scheduler for tests and benchmarks: Debian's cupsd in the foreground on a free
127.0.0.1 port, every file it writes inside a temp dir (DESIGN.md's cupsd recipe), with a
temp copy of /usr/lib/cups as its ServerBin so a backend of ours is never installed into the
system's."""

from __future__ import annotations

import grp
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from testing.live import free_port, wait_for

CUPSD = "/usr/sbin/cupsd"
CONNECT_TRIES = 3
SYSTEM_SERVER_BIN = Path("/usr/lib/cups")
SYSTEM_DATA_DIR = Path("/usr/share/cups")
# cupsd refuses spool and state folders that are not root:lp with these modes.
PRIVATE_MODE = 0o1770


@dataclass(frozen=True)
class Cupsd:
    """A running cupsd: where to reach it and the files it writes."""

    port: int
    directory: Path

    @property
    def server(self) -> str:
        """What lp, lpstat and lpadmin take with -h."""
        return f"127.0.0.1:{self.port}"

    @property
    def server_bin(self) -> Path:
        return self.directory / "lib"

    @property
    def out(self) -> Path:
        """A folder every user may write to, for file:// devices."""
        return self.directory / "out"

    @property
    def page_log(self) -> Path:
        return self.directory / "log" / "page_log"

    @property
    def error_log(self) -> Path:
        return self.directory / "log" / "error_log"

    def command(self, program: str, *args: str) -> subprocess.CompletedProcess:
        """Run a CUPS client program (lp, lpstat, lpadmin, cancel) against this cupsd, again
        after a moment when it could not connect (on a loaded machine cupsd, busy writing
        its files, now and then drops a new connection: "Bad file descriptor")."""
        command = [program, "-h", self.server, *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        for _ in range(CONNECT_TRIES - 1):
            if "Unable to connect to server" not in done.stderr:
                break
            time.sleep(0.5)
            done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        return done


def available() -> bool:
    return Path(CUPSD).exists() and shutil.which("lpadmin") is not None


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, 0, grp.getgrnam("lp").gr_gid)
    path.chmod(PRIVATE_MODE)


def _write_config(directory: Path, port: int) -> tuple[Path, Path]:
    for name in ("etc", "spool", "cache", "state", "tmp"):
        _private_dir(directory / name)
    (directory / "etc" / "ppd").mkdir(exist_ok=True)
    (directory / "log").mkdir(exist_ok=True)
    shutil.copytree(SYSTEM_SERVER_BIN, directory / "lib", symlinks=True)
    cupsd_conf = directory / "etc" / "cupsd.conf"
    cupsd_conf.write_text(
        f"Listen 127.0.0.1:{port}\n"
        "LogLevel debug\n"
        "MaxLogSize 0\n"
        "Browsing No\n"
        "WebInterface No\n"
        "PreserveJobHistory Yes\n"
        "PreserveJobFiles No\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    files_conf = directory / "etc" / "cups-files.conf"
    files_conf.write_text(
        f"ServerRoot {directory / 'etc'}\n"
        f"RequestRoot {directory / 'spool'}\n"
        f"CacheDir {directory / 'cache'}\n"
        f"StateDir {directory / 'state'}\n"
        f"TempDir {directory / 'tmp'}\n"
        f"ServerBin {directory / 'lib'}\n"
        f"DataDir {SYSTEM_DATA_DIR}\n"
        f"AccessLog {directory / 'log' / 'access_log'}\n"
        f"ErrorLog {directory / 'log' / 'error_log'}\n"
        f"PageLog {directory / 'log' / 'page_log'}\n"
        f"Printcap {directory / 'etc' / 'printcap'}\n"
        "FileDevice Yes\n"
        "Sandboxing Relaxed\n"
    )
    return cupsd_conf, files_conf


@contextmanager
def running_cupsd() -> Iterator[Cupsd]:
    """cupsd serving from a temp dir of its own until the block ends, then stopped and the
    dir removed. The dir is open to traversal (mode 0755, under /tmp): cupsd runs its
    helpers, filters and backends as the user lp, and a pytest tmp_path is private."""
    directory = Path(tempfile.mkdtemp(prefix="labnet-cupsd-"))
    directory.chmod(0o755)
    (directory / "out").mkdir()
    (directory / "out").chmod(0o1777)
    port = free_port()
    cupsd_conf, files_conf = _write_config(directory, port)
    process = subprocess.Popen(
        [CUPSD, "-f", "-c", str(cupsd_conf), "-s", str(files_conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    cupsd = Cupsd(port, directory)
    try:
        wait_for(
            lambda: process.poll() is not None or cupsd.command("lpstat", "-r").returncode == 0,
            timeout=20,
            what="cupsd to answer",
        )
        if process.poll() is not None:
            raise RuntimeError(f"cupsd stopped: {process.stderr.read().decode()[-2000:]}")
        yield cupsd
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()
        shutil.rmtree(directory, ignore_errors=True)
