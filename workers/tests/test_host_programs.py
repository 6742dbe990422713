"""python -m workers.host: every plug-in's host programs are listed, and one of them starts
importing its own module and no other app's host side (DESIGN.md contract 5)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workers.host.__main__ import parser
from workers.host.registry import command, programs
from workers.host.settings import PLUG_INS


def test_help_lists_every_host_program_of_every_plug_in():
    listed = parser()._subparsers._group_actions[0].choices
    assert {"run", "sanity", "tftpd", "lnrsync", "syncimage", "backupsync"} <= set(listed)
    assert set(programs(PLUG_INS)) <= set(listed)
    assert "--bwlimit KBPS" in listed["lnrsync"].format_help()


def test_a_host_program_imports_no_other_program_and_no_host_side():
    # A fresh interpreter: this one has imported every plug-in already.
    script = (
        "import sys\n"
        "from workers.host.__main__ import parser\n"
        "assert parser(['lnrsync']).parse_args(['lnrsync', 'odie']).host == 'odie'\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    imported = set(done.stdout.split())
    assert "imaging.host.lnrsync" in imported
    for other in ("workers.host.agent", "nms.host.agent", "imaging.host.agent"):
        assert other not in imported
    assert "imaging.host.bootcommands" not in imported
    # lnrsync imports the API client only to record rs_date, hashes no file, logs nothing,
    # imports a thread pool only to push siblings at once and a progress reader only when a
    # sync now watches: its start imports none of them.
    later = ("workers.host.client", "http.client", "ssl", "hashlib", "logging")
    assert not imported & {*later, "concurrent.futures", "workers.host.rsync_progress"}


def test_an_unknown_program_is_refused_with_the_full_list(capsys):
    with pytest.raises(SystemExit):
        parser(["lnrsyncc"]).parse_args(["lnrsyncc"])
    refusal = capsys.readouterr().err
    assert "invalid choice: 'lnrsyncc'" in refusal
    assert "'lnrsync'" in refusal and "'bkupclean'" in refusal


def test_a_program_must_be_where_its_plug_in_says():
    with pytest.raises(ImportError, match="not a 'module:attribute' name"):
        command("lnrsync", "imaging.host.lnrsync")
    with pytest.raises(ImportError, match="holds no host program 'tftpd'"):
        command("tftpd", "imaging.host.lnrsync:COMMAND")
