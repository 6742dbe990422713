from django.contrib.auth import authenticate
from django.core.management import call_command

from entities.models import Entity
from entities.reading import entity_contents
from entities.schema import DEMO_MIRROR
from filemgr.demo import DEMO_FILES
from filemgr.hashing import file_hash
from filemgr.resolution import FILE_TYPE
from filemgr.services import entity_managed_file
from filemgr.store import MasterStore


def test_demo_loads_the_guides_examples_files_and_users(db, capsys, settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    call_command("demo")
    out = capsys.readouterr().out
    files = [p for p in DEMO_MIRROR.glob("[!.]*/*") if p.is_file()]
    assert f"{len(files)} entities created" in out
    shipped = sorted(p for p in DEMO_FILES.glob("*/*"))
    assert f"{len(shipped)} file instances committed" in out
    names = set(Entity.objects.values_list("name", flat=True))
    for name in ("discovery", "hogwarts", "rook", "megatron", "odie", "nermal", "access.conf"):
        assert name in names
    hogwarts = Entity.objects.get(name="hogwarts")
    assert hogwarts.active
    values = entity_contents(hogwarts).values
    assert values["kernel"] == ["bzImage.P4-2.6.38-gentoo-r2"]
    assert "bootOptions" not in values
    assert authenticate(username="editor", password="labnet-demo") is not None

    # Every FileTable hash is the hash of the shipped content, which the master store holds.
    store = MasterStore()
    hashes = {}
    for entity in Entity.objects.filter(entity_type__name=FILE_TYPE):
        for instance in entity_managed_file(entity).instances:
            hashes[f"{entity.name}/{instance.name}"] = instance.hash
            assert store.read(entity.name, instance.name) is not None
            assert store.history(entity.name, instance.name)[0].author == "demo"
    assert hashes == {str(p.relative_to(DEMO_FILES)): file_hash(p.read_bytes()) for p in shipped}

    # Loading again leaves the database and the master store alone.
    call_command("demo")
    out = capsys.readouterr().out
    assert "already holds entities" in out and "0 file instances committed" in out
