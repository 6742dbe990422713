"""System Configuration webtool figures on MariaDB, each beside the bare ORM queries for the
same data in the same run.

    LABNET_DATABASE_URL=mysql://root@127.0.0.1:3306/labnet_bench_webtool .venv/bin/python \\
        bench/bench_webtool.py [--entities N] [--samples N] [--batch-rounds N]

On gendata's campus (made with `manage.py gendata` when the database holds no entities;
the database is created and migrated when missing):
- server time of the entity view and modify pages of random clients, p50 and p95
  (target under 100 ms), beside the ORM queries that read the same entity;
- Entity Search matching about 1,000 clients, then Batch Edit of one variable on all of
  them (preview and apply), target under 0.5 s, beside the ORM queries that find those
  entities and update the same rows: each round and the medians of --batch-rounds;
- the number of queries of each page.
Server time is the request through Django's whole stack in process (middleware, view,
templates), without a network or a browser."""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import time

from _mariadb import create_database
from _setup import manage, percentiles, use_database

URL = os.environ.get("LABNET_DATABASE_URL", "mysql://root@127.0.0.1:3306/labnet_bench")
use_database(URL)
SEARCHED = 1_000


def timed(action, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=17_000)
    parser.add_argument("--samples", type=int, default=200)
    # A single search and batch edit varies by a sixth from run to run: the median of rounds.
    parser.add_argument("--batch-rounds", type=int, default=5)
    args = parser.parse_args()
    create_database(URL, fresh=False)
    manage("migrate", "-v0")

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from entities.models import Entity, EntityType, Value, VariableDefinition

    if not Entity.objects.exists():
        manage("gendata", "--entities", str(args.entities))
    print(
        f"campus: {Entity.objects.count()} entities, {Value.objects.count()} values "
        f"on {connection.vendor}"
    )
    admin, _ = User.objects.get_or_create(username="bench-admin")
    admin.groups.add(Group.objects.get(name="admin"))
    client = Client()
    client.force_login(admin)

    client_type = EntityType.objects.get(name="client")
    names = list(Entity.objects.filter(entity_type=client_type).values_list("name", flat=True))
    chosen = random.Random(1).sample(names, min(args.samples, len(names)))

    def page(kind: str):
        suffix = "modify/" if kind == "modify" else ""
        urls = iter(f"/entity/client/{n}/{suffix}" for n in chosen)
        return lambda: client.get(next(urls))

    def bare_read():
        it = iter(chosen)

        def read():
            entity = Entity.objects.select_related("entity_type").get(
                entity_type=client_type, name=next(it)
            )
            list(VariableDefinition.objects.filter(entity_type_id=entity.entity_type_id))
            list(Value.objects.filter(entity=entity).values_list("variable_id", "indx", "value"))

        return read

    def queries(url: str, data: dict | None = None) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, data) if data is not None else client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        return len(captured)

    client.get(f"/entity/client/{chosen[0]}/")  # warm the templates and connection
    print(f"\nentity pages of {len(chosen)} random clients (target p95 under 100 ms)")
    print(f"  view page     {percentiles(timed(page('view'), len(chosen)))}")
    print(f"  modify page   {percentiles(timed(page('modify'), len(chosen)))}")
    bare = percentiles(timed(bare_read(), len(chosen)))
    print(f"  bare ORM read {bare}  (entity, definitions, values)")
    print(
        f"  queries: view {queries(f'/entity/client/{chosen[0]}/')}, "
        f"modify {queries(f'/entity/client/{chosen[0]}/modify/')}"
    )

    # Rooms whose clients add up to about SEARCHED entities: an any-of criterion. A room that
    # would overshoot by more than a tenth is left out (gendata's campus has one of 1,046).
    room = VariableDefinition.objects.get(entity_type=client_type, name="room")
    counts = {}
    for value in Value.objects.filter(variable=room).values_list("value", flat=True):
        counts[value] = counts.get(value, 0) + 1
    rooms, total = [], 0
    for value, count in sorted(counts.items()):
        if total >= SEARCHED:
            break
        if total + count <= SEARCHED * 1.1:
            rooms.append(value)
            total += count
    search_url = "/search/client/?search=1&show=bootOptions&" + "&".join(
        f"c-room={r}" for r in rooms
    )

    boot = VariableDefinition.objects.get(entity_type=client_type, name="bootOptions")

    def batch_data(new_value: str) -> dict:
        # Every match, not only the first page of results: the batch edit re-runs the search.
        return {
            "scope": "all",
            "back": search_url.split("?", 1)[1],
            "show": "bootOptions",
            "v-bootOptions": new_value,
            "step": "preview",
        }

    def batch_round(number: int) -> tuple[float, ...]:
        """One search, preview and apply of a new value; then the bare ORM search and update
        of the same rows. Times in seconds."""
        cpu, started = time.process_time(), time.perf_counter()
        html = client.get(search_url).content.decode()
        search_seconds = time.perf_counter() - started
        assert "matches" in html
        new_value = f"quiet bench{int(time.time())}-{number}"
        data = batch_data(new_value)
        started = time.perf_counter()
        preview = client.post("/search/client/batch/", data).content.decode()
        preview_seconds = time.perf_counter() - started
        seq = re.search(r'name="seq" value="(\d+)"', preview).group(1)
        started = time.perf_counter()
        applied = client.post("/search/client/batch/", {**data, "step": "apply", "seq": seq})
        apply_seconds = time.perf_counter() - started
        # The server process's own CPU for the three requests; the rest of their time is
        # MariaDB's work and waiting for a core.
        cpu_seconds = time.process_time() - cpu
        assert applied.status_code == 302, applied.content[:2000]
        started = time.perf_counter()
        found = list(
            Entity.objects.filter(
                entity_type=client_type,
                pk__in=Value.objects.filter(variable=room, value__in=rooms).values("entity_id"),
            ).values_list("pk", flat=True)
        )
        list(
            Value.objects.filter(entity_id__in=found, variable=boot).values_list(
                "entity_id", "value"
            )
        )
        bare_search = time.perf_counter() - started
        stored = Value.objects.filter(entity_id__in=found, variable=boot, value=new_value).count()
        assert stored == len(found), (stored, len(found))
        started = time.perf_counter()
        with transaction.atomic():
            Value.objects.filter(entity_id__in=found, variable=boot).update(value=new_value + "x")
            transaction.set_rollback(True)
        bare_update = time.perf_counter() - started
        together = search_seconds + preview_seconds + apply_seconds
        print(
            f"  round {number}: search {search_seconds * 1000:6.1f}, preview "
            f"{preview_seconds * 1000:6.1f}, apply {apply_seconds * 1000:6.1f}, together "
            f"{together * 1000:6.1f} ms (CPU {cpu_seconds * 1000:6.1f}); bare search "
            f"{bare_search * 1000:6.1f}, bare update {bare_update * 1000:6.1f} ms"
        )
        return (
            search_seconds,
            preview_seconds,
            apply_seconds,
            together,
            cpu_seconds,
            bare_search,
            bare_update,
        )

    print(
        f"\nsearch of {total} clients in {len(rooms)} rooms, batch edit of bootOptions, "
        f"{args.batch_rounds} rounds (each a new value on every client)"
    )
    rounds = [batch_round(n) for n in range(1, args.batch_rounds + 1)]
    search_ms, preview_ms, apply_ms, total_ms, cpu_ms, bare_search_ms, bare_update_ms = (
        statistics.median(times) * 1000 for times in zip(*rounds, strict=True)
    )
    print("medians of the rounds")
    print(f"  search page          {search_ms:8.1f} ms")
    print(f"  batch edit preview   {preview_ms:8.1f} ms")
    print(f"  batch edit apply     {apply_ms:8.1f} ms")
    print(f"  search + batch edit  {total_ms:8.1f} ms  (target under 500 ms)")
    print(f"  of which Python CPU  {cpu_ms:8.1f} ms  (this process's CPU time)")
    print(f"  bare ORM search      {bare_search_ms:8.1f} ms  (entities and their values)")
    print(f"  bare ORM update      {bare_update_ms:8.1f} ms  (one UPDATE, rolled back)")
    preview_queries = queries("/search/client/batch/", batch_data("x"))
    print(f"  queries: search {queries(search_url)}, preview {preview_queries}")


if __name__ == "__main__":
    main()
