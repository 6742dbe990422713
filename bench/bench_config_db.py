"""Configuration database figures on MariaDB, each beside a baseline from the same run.

    .venv/bin/python bench/bench_config_db.py [--entities N | --mirror DIR] [--api-only]
    (LABNET_BENCH_DATABASE_URL, default mysql://root@127.0.0.1:3306/labnet_bench)

- importxml of gendata's campus vs inserting the same entity and value rows with the
  driver's executemany (into a second, empty database);
- one entity with all its values and tables through the API (server time, in process) vs
  the bare SQL query for the same rows;
- `changes/?since=` for the last 1,000 changes vs the bare SQL query for those rows.
The databases named here are dropped and made again. With --mirror, the import reads a mirror
gendata wrote before (`manage.py gendata --mirror DIR`) instead of writing one (two minutes of
disk writes on a loaded machine), so two versions' runs can import the same files. With
--api-only, only the entity API figures, on the campus already in LABNET_BENCH_DATABASE_URL
(kept; its campus data is only read, a `bench` user and token are added when missing)."""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from urllib.parse import urlparse

from _mariadb import create_database
from _setup import manage, percentiles, use_database

URL = os.environ.get("LABNET_BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/labnet_bench")
use_database(URL)

from core.hosts import HOST_TYPES  # noqa: E402


def _children_cpu() -> float:
    """CPU seconds (user and system) of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(label: str, samples: list[float], target: str = "") -> None:
    print(f"{label}: {percentiles(samples)} {target}".rstrip())


def api_client():
    """A test client with the token of an editor named bench."""
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    user, _ = User.objects.get_or_create(username="bench")
    user.groups.add(Group.objects.get(name="editor"))
    token = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def entity_api(client) -> None:
    """300 random hosts through the API, each beside the bare SQL query for its rows."""
    from django.db import connection

    from entities.models import Entity

    rng = random.Random(7)
    sample = rng.sample(
        [
            e
            for e in Entity.objects.select_related("entity_type")
            if e.entity_type.name in HOST_TYPES
        ],
        300,
    )
    for entity in sample[:20]:  # warm up
        client.get(f"/api/v1/entities/{entity.entity_type.name}/{entity.name}/")
    api, bare = [], []
    for entity in sample:
        started = time.perf_counter()
        response = client.get(f"/api/v1/entities/{entity.entity_type.name}/{entity.name}/")
        api.append(time.perf_counter() - started)
        assert response.status_code == 200
        started = time.perf_counter()
        with connection.cursor() as c:
            c.execute(
                "SELECT d.name, d.`table`, v.indx, v.value FROM entities_value v "
                "JOIN entities_variabledefinition d ON d.id = v.variable_id WHERE v.entity_id = %s",
                [entity.pk],
            )
            c.fetchall()
        bare.append(time.perf_counter() - started)
    report("entity through the API", api, "(target p95 < 5 ms)")
    report("bare SQL for the same rows", bare)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=17_000)
    parser.add_argument("--mirror", help="import this gendata mirror instead of a new one")
    parser.add_argument("--api-only", action="store_true")
    args = parser.parse_args()
    if args.api_only:
        import django

        django.setup()
        entity_api(api_client())
        return
    name = urlparse(URL).path.lstrip("/")
    raw_name = f"{name}_raw"
    raw_url = URL.rsplit("/", 1)[0] + f"/{raw_name}"
    for url in (URL, raw_url):
        create_database(url, fresh=True)
        manage("migrate", "-v0", database_url=url)

    with tempfile.TemporaryDirectory() as scratch:
        mirror = args.mirror or scratch
        if not args.mirror:
            manage("gendata", "--entities", str(args.entities), "--mirror", mirror)
        started, cpu = time.perf_counter(), _children_cpu()
        manage("importxml", mirror)
        import_seconds = time.perf_counter() - started
        import_cpu = _children_cpu() - cpu

    import django

    django.setup()
    import MySQLdb
    from django.db import connection

    from entities import services
    from entities.models import Change, Entity, Value

    # Baseline: the same entity and value rows, inserted with executemany.
    entities = list(Entity.objects.values_list("pk", "entity_type_id", "name", "active"))
    values = list(
        Value.objects.values_list("entity_id", "variable_id", "indx", "value", "modified")
    )
    parsed = urlparse(raw_url)
    raw = MySQLdb.connect(
        host=parsed.hostname,
        port=parsed.port or 3306,
        user=parsed.username or "root",
        passwd="",
        db=raw_name,
        charset="utf8mb4",
    )
    cursor = raw.cursor()
    cursor.execute(
        "INSERT INTO entities_entitytype (id, name, description) "
        f"SELECT id, name, description FROM `{name}`.entities_entitytype"
    )
    cursor.execute(
        "INSERT INTO entities_variabledefinition "
        f"SELECT * FROM `{name}`.entities_variabledefinition"
    )
    raw.commit()
    started = time.perf_counter()
    for start in range(0, len(entities), 5000):
        cursor.executemany(
            "INSERT INTO entities_entity (id, entity_type_id, name, active) "
            "VALUES (%s, %s, %s, %s)",
            entities[start : start + 5000],
        )
    for start in range(0, len(values), 5000):
        cursor.executemany(
            "INSERT INTO entities_value (entity_id, variable_id, indx, value, modified) "
            "VALUES (%s, %s, %s, %s, %s)",
            [
                (e, v, i, t, m.replace(tzinfo=None))
                for e, v, i, t, m in values[start : start + 5000]
            ],
        )
    raw.commit()
    executemany_seconds = time.perf_counter() - started
    print(f"campus: {len(entities)} entities, {len(values)} values")
    print(
        f"importxml (parse + validate + load + change log): {import_seconds:.1f} s, "
        f"of which its own process's CPU {import_cpu:.1f} s"
    )
    print(f"baseline executemany of the same entity and value rows: {executemany_seconds:.1f} s")
    print(f"ratio: {import_seconds / executemany_seconds:.2f}x (target within 1.5x)")

    client = api_client()
    entity_api(client)

    clients = list(Entity.objects.filter(entity_type__name="client")[:1000])
    services.do_batch_edit(clients, {"room": ["EN1018"]}, user="bench")
    latest = Change.objects.order_by("-seq").values_list("seq", flat=True).first()
    feed, bare = [], []
    for _ in range(60):
        started = time.perf_counter()
        response = client.get(f"/api/v1/changes/?since={latest - 1000}&limit=1000")
        feed.append(time.perf_counter() - started)
        assert len(response.json()["changes"]) == 1000
        started = time.perf_counter()
        with connection.cursor() as c:
            c.execute(
                "SELECT * FROM entities_change WHERE seq > %s ORDER BY seq LIMIT 1000",
                [latest - 1000],
            )
            c.fetchall()
        bare.append(time.perf_counter() - started)
    report("changes?since= for the last 1,000 changes", feed, "(target p95 < 50 ms)")
    report("bare SQL for the same rows", bare)


if __name__ == "__main__":
    main()
