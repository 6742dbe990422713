"""The guide's replication example (section 3.1) in the database: crank holds the diskless
images, ratchet distributes them, scout and keeper take the test image from ratchet."""

import pytest

from testing import factories, hosts

TEST_IMAGE, PROD_IMAGE = "diskless_dbgen32_test_1", "diskless_dbgen32_prod_1"
DATE = "2013-06-09 02:00:15"


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
                rsync_row("crank", "/mnt/dbgen32/diskless", "/mnt/dbgen32/diskless"),
                rsync_row("crank", "/mnt/dbgen32test/diskless", "/mnt/dbgen32test/diskless"),
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
