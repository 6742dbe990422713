"""The guide's replication example (section 3.1) in the database: crank holds the diskless
images, ratchet distributes them, scout and keeper take the test image from ratchet; `chain`
puts the test image's files on roots of those servers on this machine."""

import pytest

from testing import factories, hosts

TEST_IMAGE, PROD_IMAGE = "diskless_dbgen32_test_1", "diskless_dbgen32_prod_1"
DATE = "2013-06-09 02:00:15"
# ratchet got last night's copy from crank a few minutes before it fed scout and keeper.
RATCHET_DATE = "2013-06-09 01:56:40"
IMAGE_DIR = "/mnt/dbgen32test/diskless"


def rsync_row(host: str, src: str, dst: str, sync: str = "yes", date: str = DATE) -> dict:
    return {"rs_host": host, "rs_src": src, "rs_dst": dst, "rs_sync": sync, "rs_date": date}


@pytest.fixture
def guide_example(db):
    server = hosts.host_type("server")
    factories.entity(server, "crank")
    factories.entity(
        server,
        "ratchet",
        tables={
            "Rsync": [
                rsync_row("crank", path, path, date=RATCHET_DATE)
                for path in ("/mnt/dbgen32/diskless", "/mnt/dbgen32test/diskless")
            ]
        },
    )
    for name in ("scout", "keeper"):
        factories.entity(
            server,
            name,
            tables={"Rsync": [rsync_row("ratchet", "/mnt/dbgen32test/diskless", "/diskless")]},
        )
    factories.entity(
        server,
        "odie",
        tables={"Rsync": [rsync_row("ratchet", "/mnt/dbgen32/diskless", "/diskless", "no")]},
    )
    image = factories.demo_type("rsyncImage")
    factories.entity(image, TEST_IMAGE, host="crank", directory="/mnt/dbgen32test/diskless")
    factories.entity(image, PROD_IMAGE, host="crank", directory="/mnt/dbgen32/diskless")


@pytest.fixture
def chain(tmp_path, settings):
    """The configuration, the master image on crank's root, and what scout held before."""
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    server = hosts.host_type("server")
    factories.entity(server, "crank")
    factories.entity(
        server,
        "ratchet",
        tables={"Rsync": [rsync_row("crank", IMAGE_DIR, IMAGE_DIR, date=RATCHET_DATE)]},
    )
    for name in ("scout", "keeper"):
        factories.entity(
            server, name, tables={"Rsync": [rsync_row("ratchet", IMAGE_DIR, "/diskless")]}
        )
    image = factories.demo_type("rsyncImage")
    factories.entity(
        image,
        TEST_IMAGE,
        host="crank",
        directory=IMAGE_DIR,
        tables={"Rsync_Filter_Tab": [{"rf_action": "exclude", "rf_pattern": "/scratch/"}]},
    )
    # scout's own copy of a file under /diskless: the agent's, never lnrsync's.
    hosts.managed_file("exports_note", "/diskless/README.local", {"scout@host": ("mine", False)})
    roots = tmp_path / "roots"
    master = roots / "crank" / IMAGE_DIR.lstrip("/")
    for i in range(50):
        (master / "usr" / "lib").mkdir(parents=True, exist_ok=True)
        (master / "usr" / "lib" / f"lib{i}.so").write_text(f"library {i}\n" * 20)
    (master / "README.local").write_text("the image's own\n")
    (master / "scratch").mkdir()
    (master / "scratch" / "big.tmp").write_text("never copied\n")
    scout = roots / "scout" / "diskless"
    scout.mkdir(parents=True)
    (scout / "README.local").write_text("scout's managed file\n")
    (scout / "stale.txt").write_text("gone after --delete\n")
    (roots / "keeper" / "diskless").mkdir(parents=True)
    (roots / "ratchet" / IMAGE_DIR.lstrip("/")).mkdir(parents=True)
    return roots
