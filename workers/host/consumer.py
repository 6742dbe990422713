"""The agent's end of its queue host.<name>: the Celery task messages the central side
sends (protocol 2, JSON: headers["task"], body [args, kwargs, embed]), taken one at a time
with kombu alone, on every broker kombu reaches (Redis, RabbitMQ, the embedded filesystem
one). Not a Celery worker: its consumer, pool, event loop and remote control cost a client
more memory than the work itself (docs/benchmarks.md, "Scale: memory")."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from kombu import Connection, Consumer, Exchange, Queue
from kombu.message import Message
from kombu.mixins import ConsumerMixin

log = logging.getLogger("labnet.agent")
Task = Callable[..., object]


class Stopped(Exception):
    """Raised while waiting for the broker once the agent is asked to stop."""


def host_queue(name: str) -> Queue:
    """The queue as Celery declares it for send_task(queue=name): durable, bound to a direct
    exchange of its own name. RabbitMQ refuses a second declaration that differs, and either
    side may declare it first."""
    return Queue(name, Exchange(name, type="direct"), routing_key=name)


def run_task(tasks: Mapping[str, Task], headers: Mapping[str, Any], body: object) -> None:
    """Run the task a message names, as Celery's worker would: an unknown name or a body that
    is not protocol 2 is logged and dropped; a task's failure is logged, not raised."""
    name = headers.get("task")
    task = tasks.get(name) if isinstance(name, str) else None
    if task is None:
        log.error("message for unknown task %r dropped", name)
        return
    if not (
        isinstance(body, list)
        and len(body) == 3
        and isinstance(body[0], list)
        and isinstance(body[1], dict)
    ):
        log.error("message for %s dropped: its body is not [args, kwargs, embed]", name)
        return
    args, kwargs, _embed = body
    try:
        task(*args, **kwargs)
    except Exception:  # one failed task must not stop the agent
        log.exception("task %s failed", name)


class TaskConsumer(ConsumerMixin):
    """Consumes one queue until should_stop is set, reconnecting to the broker for as long as
    it takes; a task under way when asked to stop is finished first."""

    def __init__(self, connection: Connection, queue: Queue, tasks: Mapping[str, Task]):
        self.connection = connection
        self.queue = queue
        self.tasks = tasks

    def get_consumers(self, consumer: type[Consumer], channel: object) -> list[Consumer]:
        return [consumer([self.queue], callbacks=[self.on_task], accept=["json"], prefetch_count=1)]

    def on_task(self, body: object, message: Message) -> None:
        # Acknowledged before it runs, as Celery's worker does by default: a task cut short
        # by the agent's death is not run again (the poll and sanity pass catch up).
        message.ack()
        run_task(self.tasks, message.headers or {}, body)

    @contextmanager
    def establish_connection(self) -> Iterator[Connection]:
        with self.create_connection() as connection:
            connection.ensure_connection(
                self.on_connection_error, self.connect_max_retries, callback=self._waiting
            )
            yield connection

    def _waiting(self) -> None:
        """Called every second while the broker does not answer."""
        if self.should_stop:
            raise Stopped

    def stop(self, *_: object) -> None:
        self.should_stop = True

    def consume_until_stopped(self) -> None:
        try:
            self.run()
        except Stopped:
            pass
