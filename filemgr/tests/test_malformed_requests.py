"""Malformed requests to the File webtool get a 400 or 404 with a message, never a server
error."""

import re

import pytest

from testing import hosts

MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>"


@pytest.fixture(autouse=True)
def campus(db, settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.host("server", "odie", room="EN1018")
    hosts.managed_file("motd", "/etc/motd", {"default_server": (MOTD, True)})


@pytest.mark.parametrize("name", ["a/b", "nothing"])
def test_choosing_a_file_that_does_not_exist_is_a_404(viewer, name):
    answer = viewer.get("/files/", {"file": name})
    assert answer.status_code == 404
    assert f"No managed file named {name}." in answer.content.decode()


@pytest.mark.parametrize(
    ("audience", "subject"), [("group", "a/b"), ("host", "a/b"), ("group", "../x")]
)
def test_a_new_instance_needs_a_name_without_a_slash(admin, audience, subject):
    answer = admin.post("/files/motd/", {"audience": audience, "subject": subject})
    assert answer.status_code == 400
    assert "is not an instance name" in answer.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        "<ts>99999999999999999999999</ts>",
        "<ts>4000000000</ts>",
        f"<mul>{'9' * 2500}<literal>{'9' * 2500}</literal></mul>",
    ],
)
def test_a_preview_beyond_the_template_limits_shows_the_error(editor, body):
    answer = editor.post(
        "/files/motd/default_server/",
        {
            "content": f"<Template>{body}</Template>",
            "template": "on",
            "preview_host": "odie",
            "preview": "1",
        },
    )
    assert answer.status_code == 200
    assert re.search(r'<h2>Preview</h2><p class="error">.+</p>', answer.content.decode())
