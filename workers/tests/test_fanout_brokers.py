"""The central worker's sync messages reach each host's queue on every broker Labnet runs
with: Redis (a command per chunk of hosts), the embedded filesystem broker and RabbitMQ, in the
format a plain Celery publish gives."""

import base64
import json
import time
import uuid
from pathlib import Path

import pytest
import redis
from kombu import Queue
from kombu.message import Message

from core.broker import transport_options
from labnet_site.celery import app
from testing import live
from testing.live import RABBITMQ, rabbitmq_answers
from workers import fanout

REDIS = "redis://127.0.0.1:6379/13"


def stored(client: redis.Redis, queue: str) -> list[dict]:
    """The messages waiting in a Redis queue as the transport stored them, oldest first."""
    return [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]


def without_ids(message: dict) -> dict:
    """The message with what differs between two hosts' messages taken out."""
    headers = {k: v for k, v in message["headers"].items() if k not in ("id", "root_id")}
    properties = {
        k: v
        for k, v in message["properties"].items()
        if k not in ("correlation_id", "delivery_tag", "delivery_info")
    }
    return {**message, "headers": headers, "properties": properties}


def test_redis_gets_a_plain_publish_per_host_but_for_its_ids():
    with live.broker(REDIS):
        client = redis.Redis.from_url(REDIS)
        assert fanout.enqueue_sync({"wren", "odie"}, 42) == 2
        task = app.amqp.as_task_v2(uuid.uuid4().hex, fanout.SYNC_TASK, args=[42])
        with app.producer_or_acquire() as producer:
            producer.publish(
                task.body,
                exchange="",
                routing_key="host.plain",
                headers=task.headers,
                serializer="json",
                retry=False,
                **task.properties,
            )
        [plain] = stored(client, "host.plain")
        [wren] = stored(client, "host.wren")
        [odie] = stored(client, "host.odie")
    for message, queue in ((wren, "host.wren"), (odie, "host.odie")):
        assert without_ids(message) == without_ids(plain)
        assert message["properties"]["delivery_info"] == {"exchange": "", "routing_key": queue}
        assert message["headers"]["id"] == message["headers"]["root_id"]
        assert message["headers"]["id"] == message["properties"]["correlation_id"]
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        assert (message["headers"]["task"], args) == (fanout.SYNC_TASK, [42])
    assert wren["headers"]["id"] != odie["headers"]["id"]
    assert wren["properties"]["delivery_tag"] != odie["properties"]["delivery_tag"]


def test_redis_pushes_in_chunks(monkeypatch):
    monkeypatch.setattr(fanout, "PUSH_CHUNK", 2)
    hosts = [f"lab{i}" for i in range(5)]
    with live.broker(REDIS):
        client = redis.Redis.from_url(REDIS)
        assert fanout.enqueue_sync(hosts, 7) == 5
        assert all(len(stored(client, f"host.{host}")) == 1 for host in hosts)
        with app.connection_for_read() as connection:
            received = [
                first_message(Queue(f"host.{host}")(connection.default_channel)) for host in hosts
            ]
    assert [(m.headers["task"], m.decode()[0]) for m in received] == [(fanout.SYNC_TASK, [7])] * 5


def first_message(queue: Queue) -> Message | None:
    """The queue's first message, waiting up to 5 s (RabbitMQ routes it after the publish
    returns)."""
    deadline = time.monotonic() + 5
    while (message := queue.get(no_ack=True)) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return message


@pytest.mark.parametrize("url", ["filesystem://", RABBITMQ])
def test_other_brokers_get_one_message_per_host(url, tmp_path, monkeypatch):
    if url == RABBITMQ and not rabbitmq_answers():
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    options = {"max_retries": 0} | transport_options(url, tmp_path)
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        if key in options:  # made by scripts/run for the embedded broker
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(app.conf, "CELERY_BROKER_TRANSPORT_OPTIONS", options)
    hosts = [f"labnet-test-{uuid.uuid4().hex[:8]}-{n}" for n in range(3)]
    with live.use_broker(url), app.connection_for_read() as connection:
        # An agent's queue exists once it consumes; these go with the connection.
        queues = [
            Queue(f"host.{host}", exclusive=True)(connection.default_channel) for host in hosts
        ]
        for queue in queues:
            queue.declare()
        assert fanout.enqueue_sync(hosts, 9) == 3
        received = [first_message(queue) for queue in queues]
    assert all(message is not None for message in received)
    assert [(m.headers["task"], m.decode()[0]) for m in received] == [(fanout.SYNC_TASK, [9])] * 3
    assert len({m.headers["id"] for m in received}) == 3
