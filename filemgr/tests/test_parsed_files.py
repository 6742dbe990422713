"""An agent's mirror files stay parsed between passes while they are unchanged on disk."""

from __future__ import annotations

from core.files import write_atomic
from entities.mirror import MirrorEntity, MirrorValue, entity_xml, read_entity_file
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
