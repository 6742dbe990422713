"""Behaviour that only a real multi-user server shows: run by CI against MariaDB."""

import threading

import pytest
from django.db import connection, connections

from entities import services
from entities.models import Change, ChangeSequence
from entities.reading import entity_contents
from testing import factories

pytestmark = [
    pytest.mark.mariadb,
    pytest.mark.skipif(
        connection.vendor != "mysql", reason="needs MariaDB (LABNET_DATABASE_URL=mysql://...)"
    ),
]


# Committing for real: serialized_rollback puts back the counter row and roles the flush
# after the test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_get_distinct_gap_free_sequence_numbers_in_commit_order():
    printer = factories.entity_type("printer", room={}, queue={"multi_valued": True})
    hosts = [factories.entity(printer, f"lj{i}") for i in range(8)]
    start = ChangeSequence.objects.get(pk=1).last_seq
    holes: list[str] = []
    done = threading.Event()

    def write(entity, worker: int) -> None:
        try:
            for round_ in range(15):
                services.do_set_values(
                    entity, {"room": [f"EN{worker}{round_}"], "queue": ["a", str(round_)]}
                )
        finally:
            connections.close_all()

    def read() -> None:
        # A reader of the feed must never see a later change before an earlier one commits.
        try:
            while not done.is_set():
                changes = Change.objects.filter(seq__gt=start).order_by("seq")
                seqs = list(changes.values_list("seq", flat=True))
                if seqs != list(range(start + 1, start + 1 + len(seqs))):
                    holes.append(f"saw {seqs[:5]}... with a gap")
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(h, i)) for i, h in enumerate(hosts)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    seqs = list(Change.objects.filter(seq__gt=start).values_list("seq", flat=True))
    # Round 0 sets room and two queue values (3 changes); later rounds room and queue[2].
    assert len(seqs) == 8 * (3 + 14 * 2)
    assert sorted(seqs) == list(range(start + 1, start + 1 + len(seqs)))
    assert ChangeSequence.objects.get(pk=1).last_seq == start + len(seqs)
    assert holes == []


def test_utf8mb4_values_round_trip(db):
    printer = factories.entity_type("printer", description={})
    text = "Zoë's lab 🖥️ — 北京 Ελληνικά"
    lj = factories.entity(printer, "lj1", description=text)
    assert entity_contents(lj).values["description"] == [text]
    assert Change.objects.filter(new_value=text).exists()


def test_long_values_round_trip(db):
    manager = factories.entity_type("fileMgr", content={})
    text = "x" * 70_000 + "\n" + "é" * 70_000
    entity = factories.entity(manager, "big.conf", content=text)
    assert entity_contents(entity).values["content"] == [text]
