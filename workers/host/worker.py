"""The agent as a Celery worker consuming only its host's queue host.<name>, with its own
schedule thread: the poll and the daily sanity pass go on while the broker is down, and
SIGUSR2 asks for a sanity pass (the guide's SIGUSR1; Celery's worker uses SIGUSR1 to dump
its threads' tracebacks and leaves SIGUSR2 free unless CELERY_RDBSIG is set)."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from celery import Celery
from celery.signals import worker_shutting_down

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


def make_app(settings: AgentSettings, agent: Agent, sides: list[HostSide]) -> Celery:
    # fixups=[]: the agent never sets Django up, whatever DJANGO_SETTINGS_MODULE says.
    app = Celery("labnet-agent", broker=settings.broker, fixups=[], set_as_current=True)
    app.conf.update(
        task_default_queue=settings.queue,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # the agent outlives any broker outage
        broker_transport_options=broker_options(settings.broker),
        worker_hijack_root_logger=False,
    )

    @app.task(name=SYNC_TASK)
    def sync(seq: int | None = None) -> None:
        agent.sync(seq)

    @app.task(name=SANITY_TASK)
    def sanity() -> None:
        agent.sanity()

    for side in sides:
        for name, run in side.tasks.items():
            app.task(name=name)(_named(run))
    return app


def _named(run: Callable[..., object]) -> Callable[..., object]:
    """A plug-in's task as a plain named function: Celery rebuilds a task's signature from
    its function's name, which a lambda or a bound method's partial does not have."""

    def plug_in_task(*args: object, **kwargs: object) -> object:
        return run(*args, **kwargs)

    return plug_in_task


def periodic(sides: list[HostSide]) -> list[Periodic]:
    return [Periodic(job) for side in sides for job in side.jobs]


def run_worker(settings: AgentSettings) -> None:
    """Register, then consume host.<name> until stopped (SIGTERM)."""
    agent = Agent(settings)
    try:
        agent.register()
    except (ApiUnavailable, ApiError) as exc:
        log.warning("could not register with %s: %s", settings.server, exc)
    schedule = Schedule(agent, settings.poll_interval, settings.sanity_interval)
    signal.signal(SANITY_SIGNAL, schedule.ask_sanity)
    os.environ.pop("CELERY_RDBSIG", None)
    sides = host_sides(settings.plug_ins, agent)
    app = make_app(settings, agent, sides)
    # Started here, not on worker_ready: that fires only once the broker answers, and the
    # agent must sync, check and collect while it is down.
    for thread in (schedule, *periodic(sides)):
        worker_shutting_down.connect(lambda thread=thread, **_: thread.stop(), weak=False)
        thread.start()
    app.worker_main(
        [
            "worker",
            "--queues",
            settings.queue,
            "--hostname",
            f"agent@{settings.host}",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            os.environ.get("LABNET_LOG_LEVEL", "INFO"),
            "--pidfile",
            str(settings.paths.pidfile),
        ]
    )


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
