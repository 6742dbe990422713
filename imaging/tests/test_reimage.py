"""Re-imaging at logout: a client whose configuration says so restores its partition from
its block image and reports the result, which the re-imaging page and monitoring show."""

from __future__ import annotations

import os
import shutil

import pytest
from rest_framework.test import APIClient

from imaging.models import ImageRestore
from imaging.tests import filesystems
from imaging.tests.test_blockimage import BLOCK, differing, files, used_blocks
from nms.models import Status
from testing.views import PageTestCase, assert_queries_do_not_grow
from workers.host.__main__ import main
from workers.services import do_make_host_token

URL = "/api/v1/imaging/restores/{}/"
PAGE = "/imaging/restores/"
RESULT = {
    "partition": "/dev/sda2",
    "image": "http://megatron:8080/images/xp_lab/",
    "good": True,
    "used_blocks": 1000,
    "differed_blocks": 12,
    "written_bytes": 12 * 4096,
    "seconds": 3.5,
}


def client_entity(etc, host: str, variables: dict[str, str]) -> None:
    (etc / "client").mkdir(parents=True, exist_ok=True)
    rows = "".join(
        f'<variable name="{name}"><value indx="1">{value}</value></variable>'
        for name, value in variables.items()
    )
    (etc / "client" / host).write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><entity type="client" name="{host}">{rows}</entity>'
    )


@pytest.fixture
def partition(tmp_path):
    """An imaged ext4 partition, and a client's copy of it with 5 blocks changed."""
    source = tmp_path / "source.img"
    filesystems.make("ext4", source, 16, files(7))
    assert main(["makeimage", str(source), str(tmp_path / "image")]) == 0
    target = tmp_path / "sda2.img"
    shutil.copyfile(source, target)
    with open(target, "r+b") as f:
        for n in used_blocks(tmp_path / "image")[100:105]:
            os.pwrite(f.fileno(), b"\xee" * BLOCK, n * BLOCK)
    return source, tmp_path / "image", target


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_client_re_imaged_at_logout_reports_to_the_page_and_monitoring(
    partition, tmp_path, live_server, viewer
):
    source, image, target = partition
    etc, root = tmp_path / "etc", tmp_path / "root"
    client_entity(
        etc,
        "wren",
        {
            "reimage_at": "logout",
            "reimage_partition": str(target),
            "reimage_image": str(image),
            "reimage_fs": "ext4",
        },
    )
    token = do_make_host_token("wren")
    agent = ["--etc", etc, "--root", root, "--server", live_server.url, "--token", token]
    assert main(["reimage", "wren", "--at", "logout", *map(str, agent)]) == 0
    assert differing(source, target, used_blocks(image)) == 0
    assert os.listdir(root / "var/lib/labnet/restoreimage") == []  # its state file, done

    [restore] = ImageRestore.objects.all()
    assert (restore.host, restore.partition, restore.good) == ("wren", str(target), True)
    assert (restore.differed_blocks, restore.written_bytes) == (5, 5 * BLOCK)
    status = Status.objects.get(host__name="wren", category="reimage")
    assert (status.item, status.value) == (str(target), "good")
    assert status.detail.startswith(f"5 of {restore.used_blocks} blocks differed, 20480 bytes")
    page = viewer.get(PAGE).content.decode()
    assert "wren" in page and f"5 of {restore.used_blocks}" in page and "20.0\xa0KB" in page

    # Nothing to re-image at logout for a client configured for boot only.
    client_entity(etc, "wren", {"reimage_at": "boot", "reimage_partition": str(target),
                                "reimage_image": str(image)})  # fmt: skip
    assert main(["reimage", "wren", "--at", "logout", *map(str, agent)]) == 0
    assert ImageRestore.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_re_imaging_is_reported_with_its_reason(partition, tmp_path, live_server):
    source, image, target = partition
    etc = tmp_path / "etc"
    client_entity(etc, "wren", {"reimage_at": "logout", "reimage_partition": str(target),
                                "reimage_image": str(image), "reimage_fs": "ntfs"})  # fmt: skip
    token = do_make_host_token("wren")
    args = ["--etc", etc, "--root", tmp_path, "--server", live_server.url, "--token", token]
    assert main(["reimage", "wren", "--at", "boot", *map(str, args)]) == 1
    [restore] = ImageRestore.objects.all()
    assert not restore.good and "holds ext4, not the expected ntfs" in restore.error
    assert Status.objects.get(host__name="wren", category="reimage").value == "failed"


@pytest.fixture
def wren(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('wren')}")
    return client


def test_only_the_host_s_own_token_reports_its_restores(wren):
    assert wren.post(URL.format("wren"), RESULT, format="json").status_code == 201
    assert wren.post(URL.format("rook"), RESULT, format="json").status_code == 403
    assert APIClient().post(URL.format("wren"), RESULT, format="json").status_code == 401
    assert list(ImageRestore.objects.values_list("host", flat=True)) == ["wren"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("differed_blocks", 1001),
        ("written_bytes", -1),
        ("seconds", "NaN"),
        ("used_blocks", 2**63),
        ("partition", "x" * 256),
    ],
)
def test_a_report_out_of_range_is_refused_naming_the_field(wren, field, value):
    answer = wren.post(URL.format("wren"), {**RESULT, field: value}, format="json")
    assert answer.status_code == 400 and field in answer.json()
    assert not ImageRestore.objects.exists()


@pytest.fixture
def page_data(db):
    return None


class TestRestorePage(PageTestCase):
    url = PAGE
    contains = ["Re-imaging", "No client has reported a re-imaging yet."]
    max_queries = 6


def test_the_page_s_queries_do_not_grow_with_its_rows(wren, viewer):
    def grow():
        for n in range(5):
            wren.post(URL.format("wren"), {**RESULT, "differed_blocks": n}, format="json")

    assert_queries_do_not_grow(viewer, [PAGE, PAGE + "?host=wren"], grow)
