"""What end-to-end tests share: a live server that answers one request at a time on the
test's in-memory database, waiting for an outcome, and a Redis database of their own as the
Celery broker."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import redis

from labnet_site.celery import app as celery_app

T = TypeVar("T")

# The test thread and the live server's thread share one SQLite connection: one at a time.
DB_LOCK = threading.RLock()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with DB_LOCK:
            if result := predicate():
                return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class OneAtATime:
    """A WSGI application served one request at a time, under DB_LOCK."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with DB_LOCK:
            return list(self.app(environ, start_response))


def _reset_pools() -> None:
    celery_app.close()
    # The producer pool outlives close(): without this, publishing keeps the old broker.
    celery_app.amqp._producer_pool = None


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Celery publishes to the Redis database `url` names, flushed before and after."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    # Under the Django namespace the setting's own name is what the broker URL is read from.
    saved = celery_app.conf.CELERY_BROKER_URL
    celery_app.conf.CELERY_BROKER_URL = url
    _reset_pools()
    try:
        yield
    finally:
        celery_app.conf.CELERY_BROKER_URL = saved
        _reset_pools()
        client.flushdb()
