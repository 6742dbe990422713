"""An agent's mirror files stay parsed between passes while they are unchanged on disk."""

from __future__ import annotations

import os
import time

from core.files import write_atomic
from entities.mirror import VAR_DEFS_DIR, MirrorEntity, MirrorValue, entity_xml, read_entity_file
from filemgr.templating import MirrorSource, ParsedFiles


def test_a_pass_sees_a_rewritten_file_and_keeps_the_others_parsed(mirror_dir, monkeypatch):
    parsed = ParsedFiles()
    first = MirrorSource(mirror_dir, parsed)
    assert first.entity_values("server", "odie") is not None
    before = first.entity_values("client", "hogwarts")
    room = MirrorEntity("client", "hogwarts", {"room": [MirrorValue(1, "EN9999")]})
    write_atomic(mirror_dir / "client" / "hogwarts", entity_xml(room))
    reads = []
    monkeypatch.setattr(
        "filemgr.templating.sources.mirror.read_entity_file",
        lambda path: reads.append(path.name) or read_entity_file(path),
    )

    second = MirrorSource(mirror_dir, parsed)
    assert second.entity_values("client", "hogwarts") == {"room": ["EN9999"]} != before
    assert second.entity_values("server", "odie") == first.entity_values("server", "odie")
    assert reads == ["hogwarts"]
    (mirror_dir / "server" / "odie").unlink()
    assert MirrorSource(mirror_dir, parsed).entity_values("server", "odie") is None


def test_a_search_is_kept_until_a_file_of_its_type_is_replaced(mirror_dir):
    parsed = ParsedFiles()
    looked_at = []
    values = parsed.values
    parsed.values = lambda path, *args: looked_at.append(path.name) or values(path, *args)

    def search() -> set[str]:
        looked_at.clear()
        return MirrorSource(mirror_dir, parsed).entities_where("client", "room", ["EN9999"])

    room = MirrorEntity("client", "hogwarts", {"room": [MirrorValue(1, "EN9999")]})
    write_atomic(mirror_dir / "client" / "hogwarts", entity_xml(room))
    assert search() == {"hogwarts"}
    # Not kept while the directory's time is too recent to tell a later change by.
    assert search() == {"hogwarts"} and "hogwarts" in looked_at
    settled = time.time() - 10
    for path in (mirror_dir / "client", mirror_dir / VAR_DEFS_DIR / "client"):
        os.utime(path, (settled, settled))
    assert search() == {"hogwarts"} and "hogwarts" in looked_at
    assert search() == {"hogwarts"} and looked_at == []  # not one client file looked at
    moved = MirrorEntity("client", "hogwarts", {"room": [MirrorValue(1, "EN1018")]})
    write_atomic(mirror_dir / "client" / "hogwarts", entity_xml(moved))
    assert search() == set()


def test_only_the_most_recently_read_files_stay_parsed(mirror_dir, monkeypatch):
    parsed = ParsedFiles(max_files=2)
    reads = []
    monkeypatch.setattr(
        "filemgr.templating.sources.mirror.read_entity_file",
        lambda path: reads.append(path.name) or read_entity_file(path),
    )
    source = MirrorSource(mirror_dir, parsed)
    for name in ("hogwarts", "rook", "hogwarts", "bunting", "hogwarts", "rook"):
        assert source.entity_values("client", name) is not None
    # rook was the least recently read when bunting came: parsed again; hogwarts stayed.
    assert reads == ["hogwarts", "rook", "bunting", "rook"]
