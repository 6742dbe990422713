"""A fileMgr entity's path is an absolute, normalised file path, refused otherwise with a
message naming the entity and the variable, whichever door the value comes through."""

import html
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from entities import services
from entities.exporting import export_mirror
from entities.models import Change, Entity, Value
from entities.reading import entity_contents
from filemgr.paths import MAX_PATH_BYTES, path_problem
from testing import factories
from testing.clients import signed_in
from testing.hosts import file_manager_type

CLIMBING = "/../../../../var/x"
PROBLEM = "variable 'path' value '/../../../../var/x' has a '.' or '..' segment"
REFUSED = f"fileMgr/motd: {PROBLEM}"


@pytest.mark.parametrize(
    "path", ["/etc/motd", "/etc/cron.d/ln_crontab", "/a", "/etc/..hidden", "/etc/x..y"]
)
def test_a_normalised_absolute_file_path_is_accepted(path):
    assert path_problem(path) is None


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (CLIMBING, "has a '.' or '..' segment"),
        ("/etc/../root/.ssh/authorized_keys", "has a '.' or '..' segment"),
        ("/etc/./motd", "has a '.' or '..' segment"),
        ("/etc/..", "has a '.' or '..' segment"),
        ("etc/motd", "is not an absolute path"),
        ("../motd", "is not an absolute path"),
        ("//etc/motd", "has a doubled slash"),
        ("/etc//motd", "has a doubled slash"),
        ("/", "names a folder"),
        ("/etc/", "names a folder"),
        ("/etc/mo\x00td", "contains a NUL character"),
        ("/" + "a" * MAX_PATH_BYTES, "longer than the 4,095 bytes"),
    ],
)
def test_a_path_that_is_not_a_normalised_absolute_file_path_is_refused(path, problem):
    assert problem in path_problem(path)


@pytest.fixture
def motd(db):
    return factories.entity(
        file_manager_type(), "motd", path="/etc/motd", owner="root", group="root", mode="0644"
    )


def path_of(entity: Entity) -> list[str]:
    return entity_contents(entity).values["path"]


def text(answer) -> str:
    return html.unescape(answer.content.decode())


def test_the_service_layer_refuses_it_and_stores_nothing(motd):
    before = Change.objects.count()
    admin = factories.user("admin")
    with pytest.raises(ValidationError) as refused:
        services.do_set_values(motd, {"path": [CLIMBING]}, user=admin)
    assert REFUSED in refused.value.messages[0]
    with pytest.raises(ValidationError, match="fileMgr/cron: variable 'path' value 'etc/x'"):
        services.do_create_entity(
            file_manager_type(), "cron", {"path": ["etc/x"], "mode": ["0644"]}, user=admin
        )
    assert path_of(motd) == ["/etc/motd"] and not Entity.objects.filter(name="cron").exists()
    assert Change.objects.count() == before


def test_the_modify_form_and_the_batch_edit_show_the_refusal(motd):
    client = signed_in("admin")
    seq = Change.objects.filter(entity="motd").order_by("-seq").first().seq
    modify = reverse("entities:modify", args=["fileMgr", "motd"])
    answer = client.post(
        modify,
        {"seq": seq, "v-path": CLIMBING, "v-owner": "root", "v-group": "root", "v-mode": "0644"},
    )
    # Beside its field the message names neither the entity nor the variable again.
    assert answer.status_code == 400 and "has a '.' or '..' segment" in text(answer)
    batch = reverse("entities:batch_edit", args=["fileMgr"])
    edit = {"entity": [motd.pk], "step": "apply", "seq": seq, "show": "path", "v-path": CLIMBING}
    answer = client.post(batch, edit)
    assert answer.status_code == 400 and "has a '.' or '..' segment" in text(answer)
    assert path_of(motd) == ["/etc/motd"]


def test_the_api_answers_400_with_the_message(motd):
    client = APIClient()
    token = Token.objects.create(user=factories.user("admin"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    answer = client.patch(
        "/api/v1/entities/fileMgr/motd/", {"values": {"path": [CLIMBING]}}, format="json"
    )
    assert answer.status_code == 400 and REFUSED in answer.content.decode()
    assert path_of(motd) == ["/etc/motd"]


def test_the_admin_shows_the_message(client, motd):
    User.objects.create_superuser("root", password="pw-labnet")
    client.login(username="root", password="pw-labnet")
    value = Value.objects.get(entity=motd, variable__name="path")
    answer = client.post(
        f"/admin/entities/value/{value.pk}/change/", {"value": CLIMBING}, follow=True
    )
    assert REFUSED.lower() in text(answer).lower()  # the admin capitalises its messages
    assert path_of(motd) == ["/etc/motd"]


def test_importxml_refuses_it(motd, tmp_path: Path):
    export_mirror(tmp_path)
    stored = tmp_path / "fileMgr" / "motd"
    stored.write_text(stored.read_text().replace(">/etc/motd<", f">{CLIMBING}<"))
    with pytest.raises(CommandError) as refused:
        call_command("importxml", str(tmp_path))
    assert REFUSED in str(refused.value)
    assert path_of(motd) == ["/etc/motd"]
