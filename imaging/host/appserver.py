"""`appserver` (guide 2.3 step 9: "triggers the configuration of clients supported by this
server"). The configuring is done where it always was: the file pass renders each
client-destined file per client into the diskless image (docs/agent.md, diskless clients),
and the agent's boot-daemons job keeps lntftpd and menuserver running
(imaging.host.bootdaemons). This handler checks, for every client the appserver serves, what
those daemons will hand it, with their own code: its kernel and bootfile in the boot
directory (guide 2.9), and its boot menus (menu_template, ipxe_menu) rendered. Each problem
names the client. The menus are kept between passes (MenuCache), so a pass renders again only
those whose files changed."""

from __future__ import annotations

import os
from pathlib import Path

from filemgr.templating import MirrorSource
from workers.host.functions import FunctionContext, FunctionRun, register

from .bootclients import BootClient, BootError, ClientIndex, template_name
from .bootfiles import boot_dir, open_boot_file
from .bootmenus import MenuCache

BOOT_FILES = ("kernel", "bootfile")
MENUS = ("menu_template", "ipxe_menu")
_menus: dict[tuple[Path, Path, str], MenuCache] = {}


def appserver(context: FunctionContext) -> FunctionRun:
    run = FunctionRun()
    boot = boot_dir(context.paths.root)
    key = (context.paths.etc, boot, context.host)
    if key not in _menus:
        _menus[key] = MenuCache(ClientIndex(context.paths.etc), boot, context.host)
    menus = _menus[key]
    for client in menus.index.clients():
        if client.served_by(context.host):
            run.problems += client_problems(menus, client, context.source)
    return run


def client_problems(menus: MenuCache, client: BootClient, source: MirrorSource) -> list[str]:
    """What keeps client from booting off this appserver, each naming the client."""
    who = f"{client.entity_type}/{client.name}"
    values = source.entity_values(client.entity_type, client.name) or {}
    problems = []
    for variable in BOOT_FILES:
        name = next((v.strip() for v in values.get(variable, ()) if v.strip()), "")
        if not name:
            continue
        try:
            descriptor, _ = open_boot_file(menus.boot_dir, name)
        except BootError as exc:
            problems.append(f"{who}: {variable} {exc}")
            continue
        os.close(descriptor)
    for variable in MENUS:
        if template_name(client, variable):
            try:
                menus.menu(client, variable)
            except BootError as exc:
                problems.append(f"{who}: {variable}: {exc}")
    return problems


register("appserver", appserver)
