"""The agent consuming only its host's queue host.<name> (workers.host.consumer: kombu, no
Celery worker), with its own schedule thread: the poll and the daily sanity pass go on while
the broker is down, and SIGUSR2 asks for a sanity pass (the guide's SIGUSR1, kept free as
when the agent was a Celery worker, which dumps its threads' tracebacks on SIGUSR1)."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.broker import transport_options

from .agent import Agent
from .client import ApiError, ApiUnavailable
from .registry import HostSide, Job, host_sides
from .settings import AgentSettings

log = logging.getLogger("labnet.agent")
SANITY_SIGNAL = signal.SIGUSR2
SYNC_TASK, SANITY_TASK = "workers.sync", "workers.sanity"
FAILED_JOB_WAIT = 60.0


class Schedule(threading.Thread):
    """Sanity pass at start and every sanity_interval, a sync every poll_interval, and a
    sanity pass as soon as one is asked for."""

    def __init__(self, agent: Agent, poll_interval: float, sanity_interval: float):
        super().__init__(name="labnet-schedule", daemon=True)
        self.agent = agent
        self.poll_interval, self.sanity_interval = poll_interval, sanity_interval
        self.wake = threading.Event()
        self.sanity_asked = True
        self.stopping = False

    def ask_sanity(self, *_: object) -> None:
        self.sanity_asked = True
        self.wake.set()

    def stop(self) -> None:
        self.stopping = True
        self.wake.set()

    def run(self) -> None:
        next_sanity = time.monotonic() + self.sanity_interval
        while not self.stopping:
            try:
                if self.sanity_asked or time.monotonic() >= next_sanity:
                    self.sanity_asked = False
                    next_sanity = time.monotonic() + self.sanity_interval
                    self.agent.sanity()
                else:
                    self.agent.sync()
            except Exception:  # the schedule must outlive any one failed pass
                log.exception("agent pass failed")
            self.wake.wait(self.poll_interval)
            self.wake.clear()


class Periodic(threading.Thread):
    """A plug-in's job on the agent's clock: one pass, then the wait the pass asked for."""

    def __init__(self, job: Job):
        super().__init__(name=f"labnet-{job.name}", daemon=True)
        self.job = job
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                wait = self.job.run()
            except Exception:  # the schedule must outlive any one failed pass
                log.exception("%s failed", self.job.name)
                wait = FAILED_JOB_WAIT
            self.stopping.wait(wait)


def broker_options(url: str) -> dict:
    var = Path(os.environ.get("LABNET_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
    return transport_options(url, var)


def agent_tasks(agent: Agent, sides: list[HostSide]) -> dict[str, Callable[..., object]]:
    """What the agent runs from its queue, by task name: sync and sanity, and the plug-ins'."""
    tasks: dict[str, Callable[..., object]] = {SYNC_TASK: agent.sync, SANITY_TASK: agent.sanity}
    for side in sides:
        tasks.update(side.tasks)
    return tasks


def periodic(sides: list[HostSide]) -> list[Periodic]:
    return [Periodic(job) for side in sides for job in side.jobs]


def run_worker(settings: AgentSettings) -> None:
    """Register, then consume host.<name> until stopped (SIGTERM: the task under way, if
    any, is finished first)."""
    from kombu import Connection  # only here: the poll and the host programs do without

    from .consumer import TaskConsumer, host_queue

    agent = Agent(settings)
    try:
        agent.register()
    except (ApiUnavailable, ApiError) as exc:
        log.warning("could not register with %s: %s", settings.server, exc)
    schedule = Schedule(agent, settings.poll_interval, settings.sanity_interval)
    signal.signal(SANITY_SIGNAL, schedule.ask_sanity)
    sides = host_sides(settings.plug_ins, agent)
    connection = Connection(settings.broker, transport_options=broker_options(settings.broker))
    consumer = TaskConsumer(connection, host_queue(settings.queue), agent_tasks(agent, sides))
    threads = (schedule, *periodic(sides))

    def stop(*_: object) -> None:
        consumer.stop()
        for thread in threads:
            thread.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pidfile = Path(settings.paths.pidfile)
    pidfile.write_text(f"{os.getpid()}\n")
    # Started before the broker is reached: the agent must sync, check and collect while it
    # is down.
    for thread in threads:
        thread.start()
    try:
        consumer.consume_until_stopped()
    finally:
        pidfile.unlink(missing_ok=True)


def run_poll_only(settings: AgentSettings) -> None:
    """The guide's lnsysconfigd: no broker, a poll every poll_interval."""
    agent = Agent(settings)
    schedule = Schedule(agent, settings.poll_interval, settings.sanity_interval)
    signal.signal(SANITY_SIGNAL, schedule.ask_sanity)
    jobs = periodic(host_sides(settings.plug_ins, agent))
    signal.signal(signal.SIGTERM, lambda *_: [thread.stop() for thread in (schedule, *jobs)])
    Path(settings.paths.pidfile).write_text(f"{os.getpid()}\n")
    for thread in jobs:
        thread.start()
    schedule.start()
    while schedule.is_alive():
        schedule.join(1.0)
