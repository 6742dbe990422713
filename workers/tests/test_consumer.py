"""The agent's queue consumer (kombu, no Celery worker) runs the Celery task messages the
central side sends: the fan-out's sync and an app's send_task, on the embedded filesystem
broker and RabbitMQ; what it cannot run is logged and dropped."""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from core.broker import transport_options
from labnet_site.celery import app
from testing import live
from testing.live import RABBITMQ, rabbitmq_answers
from workers import fanout
from workers.host.consumer import TaskConsumer, host_queue, run_task


def test_a_message_for_an_unknown_task_is_dropped(caplog):
    with caplog.at_level(logging.ERROR, "labnet.agent"):
        run_task({}, {"task": "demo.nothing"}, [[], {}, {}])
    assert "unknown task 'demo.nothing' dropped" in caplog.text


def test_a_body_that_is_not_celery_protocol_2_is_dropped(caplog):
    ran = []
    with caplog.at_level(logging.ERROR, "labnet.agent"):
        run_task({"demo.ping": ran.append}, {"task": "demo.ping"}, {"args": [1]})
    assert ran == []
    assert "demo.ping dropped: its body is not [args, kwargs, embed]" in caplog.text


def test_a_failing_task_is_logged_not_raised(caplog):
    def fails() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, "labnet.agent"):
        run_task({"demo.fail": fails}, {"task": "demo.fail"}, [[], {}, {}])
    assert "task demo.fail failed" in caplog.text


@pytest.mark.parametrize("url", ["filesystem://", RABBITMQ])
def test_the_consumer_runs_the_fan_outs_sync_and_an_apps_task(url, tmp_path, monkeypatch):
    if url == RABBITMQ and not rabbitmq_answers():
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    options = transport_options(url, tmp_path)
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(app.conf, "CELERY_BROKER_TRANSPORT_OPTIONS", {"max_retries": 0} | options)
    host = f"labnet-test-{uuid.uuid4().hex[:8]}"
    queue = host_queue(f"host.{host}")
    ran: list[tuple] = []
    tasks = {
        fanout.SYNC_TASK: lambda seq=None: ran.append(("sync", seq)),
        "demo.collect": lambda **kwargs: ran.append(("collect", kwargs)),
    }
    consumer = TaskConsumer(Connection(url, transport_options=options), queue, tasks)
    thread = threading.Thread(target=consumer.consume_until_stopped)
    with live.use_broker(url):
        with Connection(url, transport_options=options) as connection:
            queue(connection.default_channel).declare()  # as the agent's first start does
        try:
            thread.start()
            assert fanout.enqueue_sync([host], 12) == 1
            app.send_task("demo.collect", kwargs={"what": "ping"}, queue=f"host.{host}")
            live.wait_for(lambda: len(ran) == 2, 20, "both tasks to run")
        finally:
            consumer.stop()
            thread.join(10)
            if url == RABBITMQ:
                with Connection(url) as connection:
                    queue(connection.default_channel).delete()
    assert not thread.is_alive()
    # The filesystem transport orders messages by their millisecond of arrival, and two
    # sent in the same millisecond come out in either order: only what ran is checked.
    assert sorted(ran, key=lambda task: task[0]) == [("collect", {"what": "ping"}), ("sync", 12)]


def test_the_consumer_stops_while_the_broker_is_away():
    consumer = TaskConsumer(Connection("redis://127.0.0.1:1/0"), host_queue("host.x"), {})
    tried = threading.Event()
    consumer.on_connection_error = lambda exc, interval: tried.set()
    thread = threading.Thread(target=consumer.consume_until_stopped)
    thread.start()
    assert tried.wait(10)
    consumer.stop()
    thread.join(10)
    assert not thread.is_alive()
