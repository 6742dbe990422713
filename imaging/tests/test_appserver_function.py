"""The `appserver` server function: at each pass the appserver checks, with the boot
services' own code, that every client it serves can boot off it (kernel and bootfile in the
boot directory, boot menus rendered), and names each client that cannot."""

from __future__ import annotations

from filemgr.templating import MirrorSource
from imaging.host.bootfiles import boot_dir
from imaging.tests.bootsupport import boot_tree
from workers.host.functions import FunctionContext, handlers, run_functions
from workers.host.paths import AgentPaths

KERNEL = "bzImage.P4-2.6.38-gentoo-r2"


def problems(paths: AgentPaths) -> list[str]:
    context = FunctionContext("odie", paths, MirrorSource(paths.etc))
    return run_functions(context, ["basic_services", "appserver"])["appserver"].problems


def test_the_registry_has_a_handler_for_each_server_function_with_actions():
    assert sorted(handlers()) == ["appserver", "authdns", "masterldap"]


def test_the_appserver_names_each_client_it_cannot_boot(tmp_path):
    etc, root = boot_tree(tmp_path)
    paths = AgentPaths(root, etc)
    # odie serves hogwarts and plover (linux_template) and jay and puffin (linxp_template,
    # which the boot directory lacks); no kernel is installed yet.
    assert problems(paths) == [
        f"client/hogwarts: kernel {KERNEL}: no such file",
        f"client/jay: kernel {KERNEL}: no such file",
        "client/jay: menu_template: template linxp_template is not installed",
        f"client/plover: kernel {KERNEL}: no such file",
        f"client/puffin: kernel {KERNEL}: no such file",
        "client/puffin: menu_template: template linxp_template is not installed",
    ]

    (boot_dir(root) / KERNEL).write_bytes(b"kernel")
    template = boot_dir(root) / "template"
    (template / "linxp_template").write_bytes((template / "linux_template").read_bytes())
    assert problems(paths) == []

    (boot_dir(root) / "pxelinux.0").unlink()
    assert problems(paths) == [
        f"client/{name}: bootfile pxelinux.0: no such file"
        for name in ("hogwarts", "jay", "plover", "puffin")
    ]
