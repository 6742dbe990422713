from django.contrib.auth import authenticate
from django.core.management import call_command

from entities.management.commands.demo import DEMO_MIRROR
from entities.models import Entity
from entities.reading import entity_contents


def test_demo_loads_the_guides_examples_and_users(db, capsys):
    call_command("demo")
    files = [p for p in DEMO_MIRROR.glob("[!.]*/*") if p.is_file()]
    assert f"{len(files)} entities created" in capsys.readouterr().out
    names = set(Entity.objects.values_list("name", flat=True))
    for name in ("discovery", "hogwarts", "rook", "megatron", "odie", "nermal", "access.conf"):
        assert name in names
    hogwarts = Entity.objects.get(name="hogwarts")
    assert hogwarts.active
    values = entity_contents(hogwarts).values
    assert values["kernel"] == ["bzImage.P4-2.6.38-gentoo-r2"]
    assert "bootOptions" not in values
    assert authenticate(username="editor", password="labnet-demo") is not None
    # Loading again leaves the database alone.
    call_command("demo")
    assert "already holds entities" in capsys.readouterr().out
