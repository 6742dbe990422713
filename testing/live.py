"""What end-to-end tests share: waiting for an outcome, a Redis database of their own as the
Celery broker, and a real central worker on the test database."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection
from pytest_django.live_server_helper import LiveServer

from labnet_site.celery import app as celery_app

T = TypeVar("T")

STOP_SECONDS = 10.0


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    """A port free on 127.0.0.1 for TCP and UDP, for a server a test starts later. It lies
    below the kernel's ephemeral range, which a socket bound by connect() or sendto() takes
    its port from: a probe of the server while it starts, or any other process, cannot take
    the port before the server binds it."""
    low = int(EPHEMERAL_RANGE.read_text().split()[0])
    for port in random.SystemRandom().sample(range(1024, low), min(100, low - 1024)):
        if _bindable(port):
            return port
    with socket.socket() as s:  # no room below the range: any free port
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindable(port: int) -> bool:
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as s:
                s.bind(("127.0.0.1", port))
    except OSError:
        return False
    return True


PORT_TRIES = 5


class PortTaken(Exception):
    """A server could not bind its port: another socket took it after free_port released it."""


def on_a_free_port(start: Callable[[int], T], what: str) -> T:
    """start(port) on a free port, and again on another while start raises PortTaken."""
    for _ in range(PORT_TRIES):
        try:
            return start(free_port())
        except PortTaken:
            continue
    raise RuntimeError(f"{what} found no free port in {PORT_TRIES} tries")


def exited(what: str, process: subprocess.Popen, log: Path, logged_before: int) -> NoReturn:
    """Why a server a test started has exited, from what it logged after logged_before:
    PortTaken when its port was taken, else its last words."""
    said = log.read_bytes()[logged_before:].decode(errors="replace")
    if "Address already in use" in said:
        raise PortTaken(said)
    raise RuntimeError(f"{what} exited {process.returncode}: {said[-2000:]}")


@contextmanager
def web_server() -> Iterator[LiveServer]:
    """Labnet's web server on loopback for the block's length. Port 0: it binds a free port
    itself, so no other socket can take the port between picking and binding."""
    server = LiveServer("127.0.0.1:0", start=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_for(predicate: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _reset_pools() -> None:
    celery_app.close()
    # The producer pool outlives close(): without this, publishing keeps the old broker.
    celery_app.amqp._producer_pool = None


@contextmanager
def use_broker(url: str) -> Iterator[None]:
    """Celery publishes to url until the block ends."""
    # Under the Django namespace the setting's own name is what the broker URL is read from.
    saved = celery_app.conf.CELERY_BROKER_URL
    celery_app.conf.CELERY_BROKER_URL = url
    _reset_pools()
    try:
        yield
    finally:
        celery_app.conf.CELERY_BROKER_URL = saved
        _reset_pools()


RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def rabbitmq_answers() -> bool:
    """Whether RabbitMQ listens at RABBITMQ (the CI machine runs it)."""
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def _empty(url: str) -> None:
    if url.startswith("redis:"):
        redis.Redis.from_url(url).flushdb()
    else:
        # The queue "central"; a stale sync left in a host queue only makes its agent read
        # the change feed.
        celery_app.control.purge()


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Celery publishes to url, emptied before and after: a Redis database is flushed, on
    RabbitMQ the central queue is purged."""
    with use_broker(url):
        _empty(url)
        try:
            yield
        finally:
            _empty(url)


def database_url() -> str:
    """The test database as a LABNET_DATABASE_URL, for the processes a test starts."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    return f"mysql://{user}:{password}@{db['HOST']}:{db['PORT'] or 3306}/{db['NAME']}"


@contextmanager
def central_worker(broker_url: str, log: Path) -> Iterator[subprocess.Popen]:
    """A real central worker process (queue "central") on the test database, consuming from
    broker_url, logging to log."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "labnet_site.settings",
        "LABNET_DATABASE_URL": database_url(),
        "LABNET_BROKER_URL": broker_url,
        "LABNET_VAR_DIR": str(log.parent / "var"),
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "labnet_site", "worker", "--queues", "central"),
        *("--hostname", f"central@{log.parent.name}", "--pool", "solo", "--loglevel", "INFO"),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
