"""A URL that names nothing gets the site's own 404 page, and Django's debug pages (which list
every URL pattern) are off unless LABNET_DEBUG=1 turns them on."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders


def test_a_missing_entity_gets_the_sites_404_page(viewer, standalone):
    page = viewer.get("/entity/standalone/nobody/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "<h1>Not found</h1>" in html and "Main Menu" in html
    assert "URLconf" not in html


def test_debug_is_off_unless_asked_for():
    def debug(environment: dict[str, str]) -> str:
        env = {k: v for k, v in os.environ.items() if k != "LABNET_DEBUG"} | environment
        return subprocess.run(
            [sys.executable, "-c", "import labnet_site.settings as s; print(s.DEBUG)"],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert debug({}) == "False"
    assert debug({"LABNET_DEBUG": "1"}) == "True"


def test_the_site_icon_is_served(client):
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 302
    assert redirect["Location"] == "/static/labnet/favicon.ico"
    icon = Path(finders.find("labnet/favicon.ico")).read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO header
