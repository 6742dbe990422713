"""manage.py templatecat (DESIGN.md contract 2), from an XML mirror and from the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from testing import factories

from .conftest import DEMO_FILES

ROOT = Path(__file__).resolve().parents[2]
BOOT_MENU = (
    "DEFAULT bzImage.P4-2.6.38-gentoo-r2\n"
    "APPEND root=/dev/nfs init=/etc/rc.d/rc.preinit.moreminimal nfsroot=/diskless/rootfs,v3"
    " ip=dhcp softlevel=ipsec"
)


def templatecat(*args: str) -> subprocess.CompletedProcess:
    """Run templatecat in its own process with a database that cannot be opened."""
    env = dict(os.environ, LABNET_DATABASE_URL="sqlite:////nonexistent/dir/labnet.sqlite3")
    return subprocess.run(
        [sys.executable, "manage.py", "templatecat", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_mirror_needs_no_database(mirror_dir):
    done = templatecat(
        str(DEMO_FILES / "linux_template/mun@site_server"), "hogwarts", "--mirror", str(mirror_dir)
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, BOOT_MENU, "")


def test_host_type_argument(mirror_dir):
    done = templatecat(
        str(DEMO_FILES / "access.conf/mun@site_server"),
        "megatron",
        "server",
        "--mirror",
        str(mirror_dir),
    )
    assert done.returncode == 0
    assert done.stdout.endswith("+: root wheel: LOCAL .cs.mun.ca\n-: ALL: ALL\n")


def test_template_error_prints_nothing_and_names_file_line_element(mirror_dir, tmp_path):
    template = tmp_path / "broken.xml"
    template.write_text("<Template>\nfirst line\n<div>1<literal>0</literal></div>\n</Template>")
    done = templatecat(str(template), "hogwarts", "--mirror", str(mirror_dir))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"{template}:3: <div>: division by zero\n"


def test_unknown_host_and_missing_template(mirror_dir, tmp_path):
    done = templatecat(
        str(DEMO_FILES / "linux_template/mun@site_server"), "nobody", "--mirror", str(mirror_dir)
    )
    assert done.returncode != 0 and done.stdout == ""
    assert "no host named 'nobody'" in done.stderr
    done = templatecat(str(tmp_path / "missing.xml"), "hogwarts", "--mirror", str(mirror_dir))
    assert done.returncode != 0 and "missing.xml" in done.stderr


def test_in_process_with_mirror_makes_no_query(mirror_dir, capsys):
    # No db fixture: any database access here would fail the test.
    call_command(
        "templatecat",
        str(DEMO_FILES / "linux_template/mun@site_server"),
        "hogwarts",
        mirror=str(mirror_dir),
    )
    assert capsys.readouterr().out == BOOT_MENU


def make_client_type():
    return factories.entity_type(
        "client",
        kernel={},
        preinit_script={},
        run_level_name={},
        bootOptions={},
        access_perm={"table": "Access"},
        access_users={"table": "Access"},
        access_origins={"table": "Access"},
    )


@pytest.mark.django_db
def test_from_the_database(capsys, django_assert_max_num_queries):
    client = make_client_type()
    factories.entity(
        client,
        "hogwarts",
        kernel="bzImage.P4-2.6.38-gentoo-r2",
        preinit_script="rc.preinit.moreminimal",
        run_level_name="ipsec",
    )
    with django_assert_max_num_queries(4):
        call_command("templatecat", str(DEMO_FILES / "linux_template/mun@site_server"), "hogwarts")
    assert capsys.readouterr().out == BOOT_MENU
    call_command(
        "templatecat", str(DEMO_FILES / "linux_template/mun@site_server"), "hogwarts", "client"
    )
    assert capsys.readouterr().out == BOOT_MENU


@pytest.mark.django_db
def test_database_unknown_host():
    make_client_type()
    with pytest.raises(CommandError, match="no host named 'rook'"):
        call_command("templatecat", str(DEMO_FILES / "linux_template/mun@site_server"), "rook")
