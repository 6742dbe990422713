"""The push that replaces the guide's 60 s poll: after a commit, work is enqueued on the
queue host.<name> of exactly the hosts the changes affect (DESIGN.md). The committing request
only sends the central worker one message naming the batch; the central worker finds the
hosts and publishes their messages (workers.tasks.fan_out).

A host is affected by a change of its own entity; of an entity its templates read (the reads
its agent reports); of a managed file whose changed instance it can get by name; and, for
an appserver, of what its clients are affected by, since it renders their shared image.
Changes of types and definitions affect every host. Only hosts with an agent get work."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from django.db.models import Q
from kombu.utils.json import dumps

from core.hosts import CLIENT, HOST_TYPES
from entities.choices import ChangeAction
from entities.models import Change, Value
from filemgr.resolution import (
    APPSERVER,
    APPSERVER_VARIABLE,
    DEFAULT,
    FILE_GROUP,
    FILE_ID,
    FILE_TABLE,
    FILE_TYPE,
    GROUP,
    HOST,
    INSTANCE,
    clients_appserver,
    instance_audience,
)

from .models import AgentHost, HostRead

if TYPE_CHECKING:
    from celery import Celery
    from kombu import Producer

log = logging.getLogger("labnet.fanout")
SYNC_TASK = "workers.sync"
FANOUT_TASK = "workers.fanout"
# Redis: hosts whose sync messages one command pushes, each onto its own queue (LPUSH takes
# one key); the script runs atomically, so a chunk blocks Redis for about a millisecond.
PUSH_CHUNK = 1000
# Host names sent in one query's IN list at most.
IN_LIST = 1000
PUSH_EACH = "for i, key in ipairs(KEYS) do redis.call('LPUSH', key, ARGV[i]) end"
# Stand-ins for what differs between two hosts' messages, replaced in the serialized text.
_TASK_ID, _TAG, _QUEUE = "labnet-task-id-0", "labnet-delivery-tag-0", "labnet-queue-0"
SCHEMA_ACTIONS = {
    ChangeAction.CREATE_TYPE,
    ChangeAction.DELETE_TYPE,
    ChangeAction.SET_VARDEF,
    ChangeAction.DELETE_VARDEF,
}


def on_changes_committed(sender: object, changes: Sequence[Change], **_: object) -> None:
    """In the committing request: one message to queue "central" naming the batch's first and
    last seq, whatever the number of hosts. A broker that is down costs a log line, not the
    commit (the agents' poll catches up)."""
    if not changes or not AgentHost.objects.exists():
        return
    from labnet_site.celery import app

    first, last = changes[0].seq, changes[-1].seq
    try:
        app.send_task(FANOUT_TASK, args=[first, last], retry=False)
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("fan-out of changes %s-%s not sent: %s", first, last, exc)


def fan_out(first: int, last: int) -> int:
    """On the central worker: a sync(last) to every host the changes first..last affect.
    Returns the number of messages published."""
    changes = list(Change.objects.filter(seq__range=(first, last)))
    hosts = affected_hosts(changes) if changes else set()
    return enqueue_sync(hosts, last) if hosts else 0


def affected_hosts(changes: Iterable[Change]) -> set[str]:
    changes = list(changes)
    registered = set(AgentHost.objects.values_list("name", flat=True))
    if any(c.action in SCHEMA_ACTIONS for c in changes):
        return registered
    affected = {c.entity for c in changes if c.entity_type in HOST_TYPES}
    by_type: dict[str, set[str]] = defaultdict(set)
    for change in changes:
        by_type[change.entity_type].add(change.entity)
    query = Q()
    for entity_type, names in by_type.items():
        query |= Q(entity_type=entity_type, entity__in=[*names, ""])
    affected |= set(HostRead.objects.filter(query).values_list("host__name", flat=True))
    files = [c for c in changes if c.entity_type == FILE_TYPE]
    if files:
        audience = file_audience(files)
        if audience is None:
            return registered
        affected |= audience
    affected |= appservers_of(affected)
    return affected & registered


def file_audience(changes: Sequence[Change]) -> set[str] | None:
    """The hosts that can get an instance the changes touch; None means every host."""
    touched: dict[str, set[str]] = defaultdict(set)
    rows: dict[str, set[int]] = defaultdict(set)
    whole: set[str] = set()
    for change in changes:
        if change.action not in (ChangeAction.SET, ChangeAction.DELETE):
            return None  # a file created, deleted or renamed: any host may hold it
        if change.variable == INSTANCE:
            touched[change.entity].update(v for v in (change.old_value, change.new_value) if v)
        if change.variable in FILE_TABLE:
            rows[change.entity].add(change.indx)
        else:  # path, owner, mode, script: every host getting any instance
            whole.add(change.entity)
    instances = Value.objects.filter(
        entity__entity_type__name=FILE_TYPE, variable__name=INSTANCE
    ).values_list("value", flat=True)
    for file in whole:
        touched[file].update(instances.filter(entity__name=file))
    for file, indexes in rows.items():
        touched[file].update(instances.filter(entity__name=file, indx__in=indexes))
    hosts: set[str] = set()
    for file, instances in touched.items():
        for instance in instances:
            audience, subject = instance_audience(instance)
            if audience == DEFAULT:
                return None
            if audience == GROUP:
                hosts |= group_members(file, subject)
            elif audience in (HOST, APPSERVER):
                hosts.add(subject)
            else:
                hosts |= hosts_where(audience, subject, HOST_TYPES)
            if appserver := clients_appserver(instance):
                hosts |= hosts_where(APPSERVER_VARIABLE, appserver, (CLIENT,))
    return hosts


def hosts_where(variable: str, value: str, types: Sequence[str]) -> set[str]:
    return set(
        Value.objects.filter(
            entity__entity_type__name__in=types, variable__name=variable, value=value
        ).values_list("entity__name", flat=True)
    )


def group_members(file: str, group: str) -> set[str]:
    """Hosts whose Config_Files_Table has a row (file, group)."""
    with_file = set(
        Value.objects.filter(
            entity__entity_type__name__in=HOST_TYPES, variable__name=FILE_ID, value=file
        ).values_list("entity_id", "indx")
    )
    with_group = Value.objects.filter(
        entity__entity_type__name__in=HOST_TYPES, variable__name=FILE_GROUP, value=group
    ).values_list("entity_id", "indx", "entity__name")
    return {name for entity_id, indx, name in with_group if (entity_id, indx) in with_file}


def appservers_of(hosts: set[str]) -> set[str]:
    """The appservers of the clients among hosts: they render those clients' image."""
    if not hosts:
        return set()
    clients = Value.objects.filter(
        entity__entity_type__name=CLIENT, variable__name=APPSERVER_VARIABLE
    )
    if len(hosts) <= IN_LIST:
        return set(clients.filter(entity__name__in=hosts).values_list("value", flat=True))
    # Many hosts: every registered client's appserver in one query (a join, no list of
    # names sent), kept for the clients among hosts.
    pairs = clients.filter(entity__name__in=AgentHost.objects.values("name")).values_list(
        "entity__name", "value"
    )
    return {appserver for client, appserver in pairs if client in hosts}


def enqueue_sync(hosts: Iterable[str], seq: int) -> int:
    """One sync message per host, published on the default exchange straight to the queue
    host.<name>: no per-queue declaration. On Redis the messages are pushed PUSH_CHUNK hosts
    per command (a round trip per chunk, not per host); other brokers (the embedded
    filesystem one, RabbitMQ, whose publishes need no answer) get one publish each. A broker
    that is down costs a log line (the agents' poll catches up)."""
    from labnet_site.celery import app

    names = sorted(hosts)
    sent = 0
    try:
        with app.producer_or_acquire() as producer:
            if producer.connection.transport.driver_type == "redis":
                push = _redis_pusher(producer, app, seq)
                for start in range(0, len(names), PUSH_CHUNK):
                    chunk = names[start : start + PUSH_CHUNK]
                    push(chunk)
                    sent += len(chunk)
            else:
                for host in names:
                    message = app.amqp.as_task_v2(uuid.uuid4().hex, SYNC_TASK, args=[seq])
                    producer.publish(
                        message.body,
                        exchange="",
                        routing_key=f"host.{host}",
                        headers=message.headers,
                        serializer="json",
                        retry=False,
                        **message.properties,
                    )
                    sent += 1
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("fan-out of change %s stopped after %s hosts: %s", seq, sent, exc)
    return sent


def _redis_pusher(producer: Producer, app: Celery, seq: int) -> Callable[[Sequence[str]], None]:
    """What pushes a chunk of hosts' sync messages onto their Redis queues, as kombu's Redis
    transport stores them, in one command. The message is made once by Producer.publish
    itself, its final step (the channel's _put, one LPUSH) caught, with stand-in task id,
    delivery tag and queue, and turned into a bytes template; each host's copy differs from
    it only in those (test_fanout_brokers checks it against a plain publish). A plain
    publish costs a Redis round trip and ~0.2 ms of Python per host, a pipelined LPUSH
    still one reply for redis-py to read per host; the script below is one command and one
    reply per chunk. Kombu's consumer BRPOPs each queue as usual."""
    channel = producer.channel
    caught: dict = {}
    channel._put = lambda queue, message, **_: caught.update(message=message)
    try:
        task = app.amqp.as_task_v2(_TASK_ID, SYNC_TASK, args=[seq])
        producer.publish(
            task.body,
            exchange="",
            routing_key=_QUEUE,
            headers=task.headers,
            serializer="json",
            retry=False,
            **task.properties,
        )
    finally:
        del channel._put
    message = caught["message"]
    message["properties"]["delivery_tag"] = _TAG
    template = (
        dumps(message)
        .replace("%", "%%")
        .replace(_TASK_ID, "%(id)s")
        .replace(_TAG, "%(tag)s")
        .replace(_QUEUE, "%(queue)s")
        .encode()
    )
    priority = channel._get_message_priority(message, reverse=False)

    def push(hosts: Sequence[str]) -> None:
        # One random id a host is both its task id and its delivery tag: each only needs
        # to be unique.
        ids = os.urandom(16 * len(hosts)).hex().encode()
        queues = [f"host.{host}" for host in hosts]
        messages = [
            template
            % {
                b"id": ids[32 * n : 32 * n + 32],
                b"tag": ids[32 * n : 32 * n + 32],
                b"queue": json.dumps(queue)[1:-1].encode(),
            }
            for n, queue in enumerate(queues)
        ]
        with channel.conn_or_acquire() as client:
            client.register_script(PUSH_EACH)(
                keys=[channel._q_for_pri(queue, priority) for queue in queues], args=messages
            )

    return push
