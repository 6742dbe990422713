"""A fileMgr entity names a file, its path and its script, which agents install and run as
root: only a role with core.permissions.MANAGE_FILES changes one, whichever the door."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.permissions import MANAGE_FILES, PROTECTED_TYPES
from entities import services
from entities.models import Change, Entity
from entities.reading import entity_contents
from testing import factories
from testing.clients import signed_in
from testing.hosts import file_manager_type

EVIL = "echo 'ssh-ed25519 AAAA evil' >> /root/.ssh/authorized_keys"


@pytest.fixture
def motd(db):
    return factories.entity(
        file_manager_type(), "motd", path="/etc/motd", owner="root", group="root", mode="0644"
    )


def script_of(entity: Entity) -> list[str]:
    return entity_contents(entity, show_secrets=True).values.get("script", [])


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_admin_role_holds_the_right_and_the_editor_role_does_not(db):
    assert PROTECTED_TYPES["fileMgr"] == MANAGE_FILES
    assert factories.user("admin").has_perm(MANAGE_FILES)
    assert not factories.user("editor").has_perm(MANAGE_FILES)


def test_the_service_layer_refuses_an_editor_every_change_of_a_managed_file(motd):
    editor = factories.user("editor")
    before = Change.objects.count()
    with pytest.raises(PermissionDenied, match="changing fileMgr entities"):
        services.do_set_values(motd, {"script": [EVIL]}, user=editor)
    with pytest.raises(PermissionDenied):
        services.do_create_entity(file_manager_type(), "cron", {"path": ["/x"]}, user=editor)
    with pytest.raises(PermissionDenied):
        services.do_delete_entity(motd, user=editor)
    with pytest.raises(PermissionDenied):
        services.do_set_many({motd: ({"script": [EVIL]}, {})}, user=editor)
    assert script_of(motd) == [] and not Entity.objects.filter(name="cron").exists()
    assert Change.objects.count() == before
    # Other types stay an editor's to change.
    room = factories.entity(factories.entity_type("room", building={}), "EN1018")
    assert services.do_set_values(room, {"building": ["EN"]}, user=editor) == 1


def test_an_administrator_and_the_system_change_managed_files(motd):
    services.do_set_values(
        motd, {"script": ["systemctl reload sshd"]}, user=factories.user("admin")
    )
    services.do_set_values(motd, {"script": ["true"]}, user="importxml")
    assert script_of(motd) == ["true"]


def test_an_editor_gets_403_from_every_door_of_the_webtool(motd):
    client = signed_in("editor")
    modify = reverse("entities:modify", args=["fileMgr", "motd"])
    seq = Change.objects.filter(entity="motd").order_by("-seq").first().seq
    answer = client.post(modify, {"seq": seq, "v-path": "/etc/motd", "v-script": EVIL})
    assert answer.status_code == 403
    assert "changing fileMgr entities" in answer.content.decode()
    create = reverse("entities:create", args=["fileMgr"])
    answer = client.post(create, {"name": "cron", "v-path": "/etc/cron.d/x", "v-mode": "0644"})
    assert answer.status_code == 403
    batch = reverse("entities:batch_edit", args=["fileMgr"])
    answer = client.post(
        batch,
        {"entity": [motd.pk], "step": "apply", "seq": seq, "show": "script", "v-script": EVIL},
    )
    assert answer.status_code == 403
    answer = client.post(reverse("entities:delete", args=["fileMgr", "motd"]))
    assert answer.status_code == 403
    assert script_of(motd) == [] and Entity.objects.filter(name="motd").exists()
    assert not Entity.objects.filter(name="cron").exists()


def test_an_editor_cannot_revert_a_change_of_a_managed_file(motd):
    services.do_set_values(motd, {"script": ["true"]}, user=factories.user("admin"))
    change = Change.objects.get(entity="motd", variable="script")
    answer = signed_in("editor").post(reverse("entities:revert_change", args=[change.seq]))
    assert answer.status_code == 403 and script_of(motd) == ["true"]


def test_an_editor_gets_403_from_the_api(motd):
    client = api_client(factories.user("editor"))
    answer = client.patch(
        "/api/v1/entities/fileMgr/motd/", {"values": {"script": [EVIL]}}, format="json"
    )
    assert answer.status_code == 403
    answer = client.post(
        "/api/v1/entities/",
        {"type": "fileMgr", "name": "cron", "values": {"path": ["/etc/cron.d/x"]}},
        format="json",
    )
    assert answer.status_code == 403
    assert client.delete("/api/v1/entities/fileMgr/motd/").status_code == 403
    assert script_of(motd) == [] and not Entity.objects.filter(name="cron").exists()
    admin = api_client(factories.user("admin"))
    answer = admin.patch(
        "/api/v1/entities/fileMgr/motd/", {"values": {"script": ["true"]}}, format="json"
    )
    assert answer.status_code == 200 and script_of(motd) == ["true"]
