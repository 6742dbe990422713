"""A host's managed files from its mirror: rendering, installing, scripts, diskless images,
runlevels; no database and no web server."""

import os

import pytest

from filemgr.templating import MirrorSource
from workers.host.files import HostFiles, files_to_process
from workers.host.paths import AgentPaths
from workers.host.scripts import run_script
from workers.tests.mirrors import offline_content, write_entity, write_file

MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>"


@pytest.fixture
def paths(tmp_path):
    return AgentPaths(tmp_path / "root", tmp_path / "etc")


def host_files(paths, host):
    return HostFiles(paths, MirrorSource(paths.etc), host, offline_content(paths.master))


def test_template_is_rendered_for_the_host_and_installed(paths):
    write_entity(paths.etc, "server", "odie", room="EN1018", dept="cs", site="mun")
    write_file(paths.etc, paths.master, "motd", "/etc/motd", {"default": (MOTD, True)})
    run = host_files(paths, "odie").apply()
    assert (paths.root / "etc/motd").read_text() == "welcome to EN1018.\n"
    assert run.errors == [] and run.files_written == 1
    assert ("server", "odie") in run.deps["motd"]
    # A second pass reads and writes nothing new.
    again = host_files(paths, "odie").apply()
    assert (again.files_read, again.files_written) == (1, 0)


def test_broken_template_leaves_the_installed_file_and_is_reported(paths):
    write_entity(paths.etc, "server", "odie", room="EN1018")
    write_file(paths.etc, paths.master, "motd", "/etc/motd", {"default": (MOTD, True)})
    host_files(paths, "odie").apply()
    broken = "<Template><varVal><entity>nobody</entity>room</varVal></Template>"
    write_file(paths.etc, paths.master, "motd", "/etc/motd", {"default": (broken, True)})
    run = host_files(paths, "odie").apply()
    assert (paths.root / "etc/motd").read_text() == "welcome to EN1018.\n"
    assert run.errors and "nobody" in run.errors[0]["message"]


def test_rendered_file_edited_by_hand_is_saved(paths):
    write_entity(paths.etc, "server", "odie", room="EN1018")
    write_file(paths.etc, paths.master, "motd", "/etc/motd", {"default": (MOTD, True)})
    host_files(paths, "odie").apply()
    (paths.root / "etc/motd").write_text("mine\n")
    write_entity(paths.etc, "server", "odie", room="EN2000")
    run = host_files(paths, "odie").apply()
    assert (paths.root / "etc/motd").read_text() == "welcome to EN2000.\n"
    assert (paths.root / "etc/motd.lnsyncsave").read_text() == "mine\n"
    assert run.changed[0]["saved"].endswith("motd.lnsyncsave")


def test_a_file_no_instance_fits_is_left_alone(paths):
    write_entity(paths.etc, "server", "odie")
    write_file(paths.etc, paths.master, "motd", "/etc/motd", {"nermal@host_server": ("x", False)})
    run = host_files(paths, "odie").apply()
    assert not (paths.root / "etc/motd").exists() and run.files_read == 0


def test_script_runs_after_the_file_changed_with_its_exit_status(paths):
    write_entity(paths.etc, "server", "odie")
    write_file(
        paths.etc,
        paths.master,
        "hosts",
        "/etc/hosts",
        {"default": ("127.0.0.1 localhost\n", False)},
        script='cp "$LABNET_FILE" copied; echo done; exit 3',
    )
    run = host_files(paths, "odie").apply()
    assert [(s.file, s.exit_status, s.output) for s in run.scripts] == [("hosts", 3, "done\n")]
    assert (paths.root / "copied").read_text() == "127.0.0.1 localhost\n"
    assert host_files(paths, "odie").apply().scripts == []  # unchanged: not run again


def test_script_programs_are_taken_inside_a_labnet_root_other_than_slash(paths):
    write_entity(paths.etc, "server", "odie")
    program = paths.root / "etc/init.d/ntpd"
    program.parent.mkdir(parents=True)
    program.write_text('#!/bin/sh\necho "restarted $1"\n')
    program.chmod(0o755)
    write_file(
        paths.etc,
        paths.master,
        "ntp.conf",
        "/etc/ntp.conf",
        {"default": ("server ntp1\n", False)},
        script="/etc/init.d/ntpd restart",
    )
    run = host_files(paths, "odie").apply()
    assert [(s.exit_status, s.output) for s in run.scripts] == [(0, "restarted restart\n")]


def test_group_instance_from_config_files_table(paths):
    write_entity(paths.etc, "server", "odie", file_id=["access.conf"], file_group=["mscluster"])
    write_entity(paths.etc, "server", "nermal")
    write_file(
        paths.etc,
        paths.master,
        "access.conf",
        "/etc/security/access.conf",
        {"mscluster": ("cluster\n", False), "default": ("everyone\n", False)},
    )
    host_files(paths, "odie").apply()
    assert (paths.root / "etc/security/access.conf").read_text() == "cluster\n"


def write_appserver(paths, rooms):
    write_entity(paths.etc, "server", "odie", functions=["basic_services", "appserver"])
    for client, room in rooms.items():
        write_entity(paths.etc, "client", client, server="odie", room=room)
    write_file(paths.etc, paths.master, "motd", "/etc/motd", {"default_client": (MOTD, True)})


def test_appserver_puts_one_version_for_all_its_clients_in_the_image(paths):
    write_appserver(paths, {"wren": "EN1", "jay": "EN1"})
    host_files(paths, "odie").apply()
    image = paths.root / "diskless/rootfs/etc/motd"
    assert not image.is_symlink() and image.read_text() == "welcome to EN1.\n"
    assert not (paths.root / "etc/motd").exists()  # a client instance, not the server's own


def test_differing_versions_become_a_local_conf_link_each_client_fills(tmp_path, paths):
    write_appserver(paths, {"wren": "EN1", "jay": "EN2"})
    host_files(paths, "odie").apply()
    image = paths.root / "diskless/rootfs/etc/motd"
    assert os.readlink(image) == "/local_conf/motd"
    # The client's root is the appserver's image: its agent writes its own /local_conf copy.
    client = AgentPaths(paths.root / "diskless/rootfs", tmp_path / "client-etc")
    client.etc.symlink_to(paths.etc)
    host_files(client, "jay").apply()
    assert (client.root / "local_conf/motd").read_text() == "welcome to EN2.\n"
    assert os.readlink(image) == "/local_conf/motd"
    # All clients agree again: the link is replaced by the file.
    write_entity(paths.etc, "client", "jay", server="odie", room="EN1")
    host_files(paths, "odie").apply()
    assert not image.is_symlink() and image.read_text() == "welcome to EN1.\n"


def test_runlevels_follow_functions_and_services(paths):
    write_entity(paths.etc, "server", "odie", functions=["basic_services", "dhcpserver"])
    manifest = "default sshd\ndefault dhcpd\nsysinit udev\n"
    write_file(
        paths.etc,
        paths.master,
        "runlevels",
        "/etc/runlevels.labnet",
        {"default": (manifest, False)},
        script="@runlevels",
    )
    stale = paths.root / "etc/runlevels/default/samba"
    stale.parent.mkdir(parents=True)
    stale.symlink_to("/etc/init.d/samba")
    run = host_files(paths, "odie").apply()
    assert run.scripts[0].exit_status == 0
    links = {
        f"{p.parent.name}/{p.name}": os.readlink(p)
        for p in (paths.root / "etc/runlevels").glob("*/*")
    }
    assert links == {
        "default/sshd": "/etc/init.d/sshd",
        "default/dhcpd": "/etc/init.d/dhcpd",
        "sysinit/udev": "/etc/init.d/udev",
    }


def test_files_to_process_follows_what_each_file_read():
    every = frozenset("*")
    deps = {
        "motd": {("server", "odie"): every, ("room", "*"): every},
        "hosts": {("server", "nermal"): every},
    }
    names = ["motd", "hosts", "fresh"]
    own = ("server", "odie")
    assert files_to_process(names, {("room", "EN1", "*")}, deps, own) == {"motd", "fresh"}
    assert files_to_process(names, {("server", "nermal", "*")}, deps, own) == {"hosts", "fresh"}
    assert files_to_process(names, {("fileMgr", "hosts", "*")}, deps, own) == {"hosts", "fresh"}
    assert files_to_process(names, {(*own, "*")}, deps, own) == set(names)
    assert files_to_process(names, {("server", "*", "*")}, deps, own) == set(names)


def test_files_to_process_follows_the_variables_each_file_read():
    deps = {
        # motd read odie's room; hosts listed the servers and read each one's ip.
        "motd": {("server", "odie"): frozenset({"room"})},
        "hosts": {
            ("server", "*"): frozenset({""}),
            ("server", "odie"): frozenset({"ip"}),
            ("server", "nermal"): frozenset({"ip"}),
        },
        "clients": {("client", "*"): frozenset({"server"})},
    }
    names = list(deps)
    own = ("server", "odie")
    assert files_to_process(names, {("server", "odie", "room")}, deps, own) == {"motd"}
    assert files_to_process(names, {("server", "odie", "ip")}, deps, own) == {"hosts"}
    assert files_to_process(names, {("server", "nermal", "room")}, deps, own) == set()
    # A server created or deleted changes the list of servers.
    assert files_to_process(names, {("server", "garfield", "*")}, deps, own) == {"hosts"}
    assert files_to_process(names, {("client", "jay", "room")}, deps, own) == set()
    assert files_to_process(names, {("client", "jay", "server")}, deps, own) == {"clients"}


def test_a_file_reads_the_host_variables_that_pick_its_instance(paths):
    write_entity(paths.etc, "server", "odie", room="EN1018", dept="cs", site="mun")
    write_file(paths.etc, paths.master, "motd", "/etc/motd", {"cs@dept": (MOTD, True)})
    run = host_files(paths, "odie").apply()
    assert (paths.root / "etc/motd").read_text() == "welcome to EN1018.\n"
    assert {"room", "dept", "site"} <= run.deps["motd"][("server", "odie")]
    own = ("server", "odie")
    assert files_to_process(["motd"], {(*own, "dept")}, run.deps, own) == {"motd"}
    assert files_to_process(["motd"], {(*own, "kernel")}, run.deps, own) == set()


def test_a_file_with_a_bad_mode_is_reported_and_the_others_installed(paths):
    write_entity(paths.etc, "server", "odie", room="EN1018")
    write_file(paths.etc, paths.master, "issue", "/etc/issue", {"default": ("x", False)}, "u=rw")
    write_file(paths.etc, paths.master, "motd", "/etc/motd", {"default": (MOTD, True)})
    run = host_files(paths, "odie").apply()
    assert (paths.root / "etc/motd").read_text() == "welcome to EN1018.\n"
    assert not (paths.root / "etc/issue").exists()
    assert run.errors == [
        {"file": "issue", "message": "issue: mode 'u=rw' is not an octal mode such as 0644"}
    ]


SECRET = "bfGPBoiCARnF"


def failing_for(bad: str, error: BaseException, content):
    """The master cache's content, except that reading file `bad` raises error."""

    def read(file, instance):
        if file == bad:
            raise error
        return content(file, instance)

    return read


@pytest.mark.parametrize(
    "error",
    [
        OverflowError(f"int too large to convert: {SECRET}"),
        ValueError(f"Exceeds the limit (4300 digits) for integer string conversion: {SECRET}"),
        MemoryError(),
        RecursionError(SECRET),
    ],
)
def test_an_unexpected_error_in_one_file_is_recorded_and_the_pass_goes_on(paths, error):
    write_entity(paths.etc, "server", "odie", room="EN1018")
    write_file(paths.etc, paths.master, "clock", "/etc/clock", {"default": (MOTD, True)})
    write_file(
        paths.etc,
        paths.master,
        "motd",
        "/etc/motd",
        {"default": (MOTD, True)},
        script="echo reloaded",
    )
    content = failing_for("clock", error, offline_content(paths.master))
    run = HostFiles(paths, MirrorSource(paths.etc), "odie", content).apply()
    assert (paths.root / "etc/motd").read_text() == "welcome to EN1018.\n"
    assert [(s.file, s.output) for s in run.scripts] == [("motd", "reloaded\n")]
    assert run.errors == [
        {
            "file": "clock",
            "instance": "default",
            "message": f"unexpected {type(error).__name__}; the agent's log has the details",
        }
    ]
    assert not (paths.root / "etc/clock").exists()


def test_an_interrupt_still_stops_the_pass(paths):
    write_entity(paths.etc, "server", "odie")
    write_file(paths.etc, paths.master, "clock", "/etc/clock", {"default": ("x", False)})
    content = failing_for("clock", KeyboardInterrupt(), offline_content(paths.master))
    with pytest.raises(KeyboardInterrupt):
        HostFiles(paths, MirrorSource(paths.etc), "odie", content).apply()


@pytest.mark.parametrize("path", ["/../../../../var/x", "/etc/../../x", "/etc/../x"])
def test_a_path_out_of_the_root_is_refused_for_its_file_alone(tmp_path, paths, path):
    # The raw mirror: what the service layer refuses may still reach an agent.
    write_appserver(paths, {"wren": "EN1"})
    write_file(paths.etc, paths.master, "escape", path, {"default": ("x\n", False)})
    write_file(paths.etc, paths.master, "issue", "/etc/issue", {"default": ("hi\n", False)})
    run = host_files(paths, "odie").apply()
    assert (paths.root / "etc/issue").read_text() == "hi\n"
    assert (paths.root / "diskless/rootfs/etc/issue").read_text() == "hi\n"
    assert (paths.root / "diskless/rootfs/etc/motd").read_text() == "welcome to EN1.\n"
    escapes = [e for e in run.errors if e["file"] == "escape"]
    assert len(escapes) == 2 and run.errors == escapes  # its own copy and the clients' image
    assert all("path" in e["message"] for e in escapes)
    assert escapes[1]["message"].startswith("client image: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["etc", "root"]
    assert not [p for p in paths.root.rglob("x") if p.is_file()]


def test_a_script_that_cannot_start_is_recorded_and_the_other_scripts_run(paths, monkeypatch):
    write_entity(paths.etc, "server", "odie")
    write_file(paths.etc, paths.master, "a", "/etc/a", {"default": ("a\n", False)}, script="x")
    write_file(paths.etc, paths.master, "b", "/etc/b", {"default": ("b\n", False)}, script="y")
    real = run_script

    def failing(command, file, installed, agent_paths):
        if file == "a":
            raise OSError("cannot fork")
        return real(command, file, installed, agent_paths)

    monkeypatch.setattr("workers.host.files.run_script", failing)
    run = host_files(paths, "odie").apply()
    assert [s.file for s in run.scripts] == ["b"]
    assert run.errors == [{"file": "a", "message": "script: cannot fork"}]
