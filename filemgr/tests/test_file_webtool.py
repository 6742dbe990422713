"""The File webtool: instances and their hosts, new instance, preview, commit, history."""

import pytest

from entities import services
from entities.models import Change, Entity, Value
from entities.reading import entity_contents
from filemgr.hashing import file_hash
from filemgr.store import MasterStore
from testing import factories, hosts
from testing.clients import signed_in

MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>"


@pytest.fixture(autouse=True)
def campus(db, settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.host("server", "odie", room="EN1018", dept="cs", site="mun")
    hosts.host("server", "nermal", room="EN2000", dept="math", site="mun")
    hosts.host("client", "wren", server="odie", dept="cs")
    return hosts.managed_file("motd", "/etc/motd", {"default_server": (MOTD, True)})


def test_file_page_lists_instances_and_the_hosts_getting_each(editor):
    page = editor.get("/files/motd/").content.decode()
    assert "default_server" in page and "2: nermal, odie" in page


def test_new_group_instance_adds_the_members_config_files_rows(admin):
    answer = admin.post(
        "/files/motd/",
        {"audience": "group", "subject": "labs", "scope": "server", "members": "nermal"},
    )
    assert answer.status_code == 302 and answer.url == "/files/motd/labs/"
    nermal = Entity.objects.get(name="nermal")
    rows = entity_contents(nermal).tables["Config_Files_Table"]
    assert rows == [{"file_id": "motd", "file_group": "labs"}]


def test_preview_renders_for_the_chosen_host(editor):
    page = editor.post(
        "/files/motd/default_server/",
        {"content": MOTD, "template": "on", "preview_host": "nermal", "preview": "1"},
    ).content.decode()
    assert "welcome to EN2000." in page


def test_commit_needs_a_log_message_and_a_compiling_template(admin):
    url = "/files/motd/default_server/"
    page = admin.post(url, {"content": "x", "template": "on", "message": "", "commit": "1"})
    assert "A log message is required." in page.content.decode()
    page = admin.post(url, {"content": "<Template><nope/>", "template": "on", "message": "m"})
    assert "does not compile" in page.content.decode()
    assert len(MasterStore().history("motd", "default_server")) == 1


def test_commit_stores_a_git_commit_by_the_user_and_the_hashes(admin, campus):
    new = MOTD.replace("welcome", "hello")
    answer = admin.post(
        "/files/motd/default_server/",
        {"content": new, "template": "on", "message": "friendlier", "commit": "1"},
    )
    assert answer.status_code == 302
    history = MasterStore().history("motd", "default_server")
    assert [r.message for r in history] == ["friendlier", "motd default_server"]
    assert history[0].author.startswith("admin")
    row = entity_contents(campus).tables["FileTable"][0]
    assert row["ft_hash"] == file_hash(new.encode())
    assert row["ft_prev_hash"] == file_hash(MOTD.encode())
    page = admin.get(f"/files/motd/default_server/diff/{history[0].commit}/").content.decode()
    assert "+hello to" in page and "-welcome to" in page


def test_viewer_cannot_commit(viewer):
    answer = viewer.post(
        "/files/motd/default_server/", {"content": "x", "message": "m", "commit": "1"}
    )
    assert answer.status_code == 403


def test_only_an_administrator_manages_files(editor, campus):
    # A managed file is installed, and its script run, as root on every host that gets it.
    answer = editor.post(
        "/files/motd/default_server/",
        {"content": "ssh-ed25519 AAAA evil", "message": "m", "commit": "1"},
    )
    assert answer.status_code == 403 and "Your role does not allow this" in answer.content.decode()
    assert len(MasterStore().history("motd", "default_server")) == 1
    answer = editor.post(
        "/files/motd/",
        {"audience": "group", "subject": "labs", "scope": "server", "members": "nermal"},
    )
    assert answer.status_code == 403
    assert "Config_Files_Table" not in entity_contents(Entity.objects.get(name="nermal")).tables


def test_instance_names_starting_with_a_dot_are_refused(admin):
    answer = admin.post("/files/motd/.hidden/", {"content": "x", "message": "m", "commit": "1"})
    assert answer.status_code == 404
    assert admin.get("/files/motd/.hidden/").status_code == 404
    assert not (MasterStore().directory / "motd" / ".hidden").exists()


def test_preview_shows_a_viewer_secret_values_masked(campus):
    secret = factories.variable(hosts.host_type("server"), "root_password", secret=True)
    services.do_set_values(Entity.objects.get(name="odie"), {secret.name: ["hunter2"]})
    template = "<Template>\npw=<varVal>root_password</varVal>\n</Template>"
    form = {"content": template, "template": "on", "preview_host": "odie", "preview": "1"}
    page = signed_in("viewer").post("/files/motd/default_server/", form).content.decode()
    assert "pw=********" in page and "hunter2" not in page
    page = signed_in("admin").post("/files/motd/default_server/", form).content.decode()
    assert "pw=hunter2" in page


def test_file_with_a_bad_mode_shows_the_error(editor):
    motd = Entity.objects.get(name="motd")
    Value.objects.filter(entity=motd, variable__name="mode").update(value="u=rw")
    page = editor.get("/files/motd/")
    assert page.status_code == 200
    assert "motd: mode &#x27;u=rw&#x27; is not an octal mode" in page.content.decode()


def test_group_members_get_their_rows_in_one_action_or_none(admin):
    before = Change.objects.count()
    answer = admin.post(
        "/files/motd/",
        {"audience": "group", "subject": "labs", "scope": "server", "members": "nermal odie"},
    )
    assert answer.status_code == 302
    changes = Change.objects.order_by("seq")[before:]
    assert {c.entity for c in changes} == {"nermal", "odie"}
    assert len({c.batch for c in changes}) == 1

    # Clients take only the group "labs": wren refuses "lab2", so nermal gets no row either.
    factories.variable(
        hosts.host_type("client"), "file_group", table="Config_Files_Table", regex="labs"
    )
    page = admin.post(
        "/files/motd/",
        {"audience": "group", "subject": "lab2", "scope": "server", "members": "nermal wren"},
    )
    assert (
        page.status_code == 400
        and "is not a value matching the pattern labs" in page.content.decode()
    )
    nermal = Entity.objects.get(name="nermal")
    assert entity_contents(nermal).tables["Config_Files_Table"] == [
        {"file_id": "motd", "file_group": "labs"}
    ]


def test_a_commit_from_a_textarea_keeps_the_instances_line_endings(admin):
    """A browser submits CRLF line breaks whatever the file holds."""
    hosts.managed_file(
        "hosts.allow", "/etc/hosts.allow", {"unix": ("a\nb\n", False), "dos": ("a\r\nb\r\n", False)}
    )
    for instance in ("unix", "dos", "new"):
        answer = admin.post(
            f"/files/hosts.allow/{instance}/",
            {"content": "a\r\nc\r\n", "message": "c for b", "commit": "1"},
        )
        assert answer.status_code == 302
    store = MasterStore()
    assert store.read("hosts.allow", "unix") == b"a\nc\n"
    assert store.read("hosts.allow", "dos") == b"a\r\nc\r\n"
    assert store.read("hosts.allow", "new") == b"a\nc\n"


def test_the_file_table_is_read_only_on_the_modify_page(admin, campus):
    page = admin.get("/entity/fileMgr/motd/modify/").content.decode()
    assert "default_server" in page
    assert 'name="t-FileTable-ft_instance"' not in page and 'name="t-FileTable-ft_hash"' not in page
    assert "kept by the file webtool" in page
    assert 'name="v-path"' in page


def test_a_user_cannot_change_file_table_rows_outside_the_file_webtool(campus):
    before = entity_contents(campus).tables["FileTable"]
    forged = [*before, {"ft_instance": "forged@host", "ft_hash": "none"}]
    refused = signed_in("admin").patch(
        "/api/v1/entities/fileMgr/motd/",
        {"tables": {"FileTable": forged}},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "fileMgr/motd: table 'FileTable' is kept by the file webtool" in refused.content.decode()
    with pytest.raises(services.ValidationError, match="kept by the file webtool"):
        services.do_set_values(campus, tables={"FileTable": forged}, user=factories.user("admin"))
    assert entity_contents(campus).tables["FileTable"] == before
