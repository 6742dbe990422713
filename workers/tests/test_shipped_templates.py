"""The shipped crontab and runlevels templates, through the agent's install path."""

import os
from pathlib import Path

from django.conf import settings

from filemgr.templating import MirrorSource
from workers.host.files import HostFiles
from workers.host.paths import AgentPaths
from workers.tests.mirrors import offline_content, write_entity, write_file

FILES = Path(settings.BASE_DIR) / "demo" / "files"


def test_crontab_tasks_become_etc_cron_d_ln_crontab(tmp_path):
    paths = AgentPaths(tmp_path / "root", tmp_path / "etc")
    write_entity(
        paths.etc,
        "server",
        "gasket",
        ct_minute=["15", "*/5"],
        ct_hour=["2", "*"],
        ct_mday=["*", "*"],
        ct_month=["*", "*"],
        ct_wday=["*", "1-5"],
        ct_user=["root", "nms"],
        ct_command=["/usr/sbin/bkupclean", "lnnms"],
    )
    crontab = (FILES / "ln_crontab" / "default").read_text()
    write_file(
        paths.etc,
        paths.master,
        "ln_crontab",
        "/etc/cron.d/ln_crontab",
        {"default": (crontab, True)},
    )
    run = HostFiles(paths, MirrorSource(paths.etc), "gasket", offline_content(paths.master)).apply()
    assert run.errors == []
    lines = (paths.root / "etc/cron.d/ln_crontab").read_text().splitlines()
    assert lines[-2:] == ["15 2 * * * root /usr/sbin/bkupclean", "*/5 * * * 1-5 nms lnnms"]


def test_runlevels_follow_the_functions_variable_and_service_entities(tmp_path):
    paths = AgentPaths(tmp_path / "root", tmp_path / "etc")
    write_entity(paths.etc, "server", "gasket", functions=["basic_services", "cachedns"])
    write_entity(paths.etc, "service", "sshd", runlevel="default", functions=["basic_services"])
    write_entity(paths.etc, "service", "named", runlevel="default", functions=["cachedns"])
    write_entity(paths.etc, "service", "udev", runlevel="sysinit", functions=["basic_services"])
    write_entity(paths.etc, "service", "dhcpd", runlevel="default", functions=["dhcpserver"])
    runlevels = (FILES / "runlevels" / "default_server").read_text()
    write_file(
        paths.etc,
        paths.master,
        "runlevels",
        "/etc/runlevels.labnet",
        {"default": (runlevels, True)},
        script="@runlevels",
    )
    run = HostFiles(paths, MirrorSource(paths.etc), "gasket", offline_content(paths.master)).apply()
    assert run.errors == [] and run.scripts[0].exit_status == 0
    links = sorted(
        f"{p.parent.name}/{p.name} -> {os.readlink(p)}"
        for p in (paths.root / "etc/runlevels").glob("*/*")
    )
    assert links == [
        "default/named -> /etc/init.d/named",
        "default/sshd -> /etc/init.d/sshd",
        "sysinit/udev -> /etc/init.d/udev",
    ]
