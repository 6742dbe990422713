from django.core.management import CommandError, call_command

from entities.models import Entity, Value


def test_gendata_builds_a_valid_active_campus(db, capsys):
    call_command("gendata", "--entities", "600")
    out = capsys.readouterr().out
    entities, values = Entity.objects.count(), Value.objects.count()
    assert out.strip() == f"{entities} entities, {values} values"
    assert 550 <= entities <= 650 and values > 30 * entities
    assert not Entity.objects.filter(active=False).exists()


def test_gendata_refuses_a_database_in_use(db):
    call_command("gendata", "--entities", "100")
    try:
        call_command("gendata", "--entities", "100")
    except CommandError as exc:
        assert "empty database only" in str(exc)
    else:
        raise AssertionError("gendata loaded a second campus over the first")


def test_gendata_mirror_is_the_same_campus(db, tmp_path):
    call_command("gendata", "--entities", "100", "--mirror", str(tmp_path))
    call_command("importxml", str(tmp_path))
    assert Entity.objects.filter(entity_type__name="client").count() == 55
