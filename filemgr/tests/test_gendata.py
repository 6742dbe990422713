import pytest
from django.core.management import CommandError, call_command

from entities.models import Entity, EntityType, Value
from entities.schema import demo_types
from filemgr.demo import DEMO_FILES
from filemgr.hashing import file_hash
from filemgr.hosts import all_host_facts
from filemgr.resolution import FILE_TYPE, resolve
from filemgr.services import entity_managed_file
from filemgr.store import MasterStore


@pytest.fixture(autouse=True)
def master_store(settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"


def test_gendata_builds_a_valid_active_campus(db, capsys):
    call_command("gendata", "--entities", "600")
    out = capsys.readouterr().out
    entities, values = Entity.objects.count(), Value.objects.count()
    assert out.strip() == f"{entities} entities, {values} values"
    assert 550 <= entities <= 650 and values > 30 * entities
    assert not Entity.objects.filter(active=False).exists()


def test_gendata_campus_is_in_the_demos_schema(db):
    call_command("gendata", "--entities", "600")
    for demo in demo_types():
        stored = EntityType.objects.get(name=demo.name)
        assert sorted(stored.variables.values_list("name", flat=True)) == sorted(
            d.name for d in demo.variables
        )


def test_every_host_of_the_campus_gets_its_managed_files(db):
    call_command("gendata", "--entities", "600")
    store = MasterStore()
    files = {
        e.name: entity_managed_file(e) for e in Entity.objects.filter(entity_type__name=FILE_TYPE)
    }
    for file in files.values():
        for instance in file.instances:
            content = store.read(file.name, instance.name)
            assert content == (DEMO_FILES / file.name / instance.name).read_bytes()
            assert instance.hash == file_hash(content)
    hosts = all_host_facts()
    assert len(hosts) > 250  # of 600 entities, the rest being the demo's non-hosts
    for host in hosts:
        for name in ("access.conf", "fstab", "hosts", "ntp.conf"):
            assert resolve(files[name], host), (name, host.name)
        if host.kind == "server":
            assert resolve(files["linux_template"], host).name == "mun@site_server"


def test_gendata_refuses_a_database_in_use(db):
    call_command("gendata", "--entities", "100")
    try:
        call_command("gendata", "--entities", "100")
    except CommandError as exc:
        assert "empty database only" in str(exc)
    else:
        raise AssertionError("gendata loaded a second campus over the first")


def test_gendata_mirror_is_the_same_campus(db, tmp_path, capsys):
    call_command("gendata", "--entities", "300", "--mirror", str(tmp_path / "mirror"))
    written = capsys.readouterr().out
    call_command("importxml", str(tmp_path / "mirror"))
    assert written.strip() == f"{Entity.objects.count()} entities, {Value.objects.count()} values"
