"""The whole mirror downloaded page by page from a live web server into an agent's mirror."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from entities.models import Entity
from entities.reading import committed_seq
from entities.services import do_delete_entity, do_set_values
from testing import hosts
from testing.live import free_port
from workers.host import mirror as host_mirror
from workers.host.client import ApiClient, ApiUnavailable
from workers.host.mirror import LocalMirror, download_whole
from workers.services import do_make_host_token

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def tree(directory: Path) -> dict[str, bytes]:
    """Every file of a mirror but the agent's own, by path."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and ".agent" not in path.relative_to(directory).parts
    }


@pytest.fixture
def campus(monkeypatch):
    monkeypatch.setattr(host_mirror, "MIRROR_PAGE", 2)  # several pages from a few entities
    hosts.host("server", "odie", room="EN1018", dept="cs", site="mun")
    hosts.host("server", "nermal", room="EN2000", dept="math")
    hosts.host("client", "hawk", server="odie", room="EN1018")
    hosts.host("client", "lark", server="odie")
    hosts.managed_file("motd", "/etc/motd", {"default": ("hello\n", False)})


def test_the_paged_download_stores_what_exportxml_writes(campus, live_server, tmp_path):
    etc = tmp_path / "etc"
    mirror = LocalMirror(etc, etc / ".agent" / "last_seq")
    (etc / "server").mkdir(parents=True)
    (etc / "server" / "gone").write_text("<entity/>")  # deleted since the last download
    client = ApiClient(live_server.url, do_make_host_token("odie"))
    latest = download_whole(client, mirror)
    call_command("exportxml", str(tmp_path / "export"))
    assert tree(etc) == tree(tmp_path / "export")
    assert len(tree(etc)) > 2 * host_mirror.MIRROR_PAGE
    assert latest == committed_seq()
    assert not mirror.spool.exists()


class GoesAway(ApiClient):
    """A client whose web server stops answering after the first page."""

    def get_bytes(self, path, params=None, timeout=None):
        answer = super().get_bytes(path, params, timeout)
        self.base = f"http://127.0.0.1:{free_port()}/api/v1/"
        return answer


def test_a_download_cut_short_leaves_the_mirror_as_it_was(campus, live_server, tmp_path):
    etc = tmp_path / "etc"
    mirror = LocalMirror(etc, etc / ".agent" / "last_seq")
    token = do_make_host_token("odie")
    latest = download_whole(ApiClient(live_server.url, token), mirror)
    mirror.set_last_seq(latest)
    before = tree(etc)
    do_set_values(Entity.objects.get(name="odie"), {"room": ["EN3000"]})
    do_delete_entity(Entity.objects.get(name="nermal"))
    hosts.host("server", "garfield")
    with pytest.raises(ApiUnavailable):
        download_whole(GoesAway(live_server.url, token), mirror)
    assert tree(etc) == before
    assert mirror.last_seq() == latest
    assert not mirror.spool.exists()


def test_a_download_without_a_last_page_stops_and_leaves_the_mirror(
    campus, live_server, tmp_path, monkeypatch
):
    etc = tmp_path / "etc"
    mirror = LocalMirror(etc, etc / ".agent" / "last_seq")
    monkeypatch.setattr(host_mirror, "MAX_MIRROR_PAGES", 2)
    with pytest.raises(ApiUnavailable, match="mirror download: no last page after 2 pages"):
        download_whole(ApiClient(live_server.url, do_make_host_token("odie")), mirror)
    assert tree(etc) == {} and mirror.last_seq() is None
    assert not mirror.spool.exists()
