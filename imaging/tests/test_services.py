"""Moving servers in a replication tree and turning their sync on and off."""

import pytest
from django.core.exceptions import ValidationError

from entities.models import Change
from imaging import services
from imaging.rsync_config import configuration

from .conftest import PROD_IMAGE, TEST_IMAGE


def servers_under(image, server):
    tree = configuration().derive().trees[image]
    [node] = [n for n in tree.nodes() if n.server == server and n.row is not None]
    return [n.server for n in node.children]


def test_moving_scout_and_keeper_to_prod_under_ratchet_is_one_batch(guide_example):
    moved = services.do_move_rows(
        [("scout", 1), ("keeper", 1)], PROD_IMAGE, ("ratchet", "/mnt/dbgen32/diskless"), user="e"
    )
    assert {(r.server, r.src) for r in moved} == {
        ("scout", "/mnt/dbgen32/diskless"),
        ("keeper", "/mnt/dbgen32/diskless"),
    }
    assert servers_under(PROD_IMAGE, "ratchet") == ["keeper", "odie", "scout"]
    assert servers_under(TEST_IMAGE, "ratchet") == []
    latest = Change.objects.order_by("-seq").first()
    assert set(Change.objects.filter(batch=latest.batch).values_list("entity", "variable")) == {
        ("scout", "rs_src"),
        ("keeper", "rs_src"),
    }


def test_a_move_that_makes_a_cycle_is_refused_and_writes_nothing(guide_example):
    seq = Change.objects.order_by("-seq").first().seq
    with pytest.raises(ValidationError, match="would make a cycle"):
        services.do_move_rows([("ratchet", 2)], TEST_IMAGE, ("scout", "/diskless"))
    with pytest.raises(ValidationError, match="garfield holds no copy"):
        services.do_move_rows([("scout", 1)], TEST_IMAGE, ("garfield", "/x"))
    assert Change.objects.order_by("-seq").first().seq == seq


def test_sync_turns_off_and_on(guide_example):
    services.do_set_rsync_sync("scout", 1, False)
    [scout] = [r for r in configuration().rows if r.server == "scout"]
    assert not scout.sync
    with pytest.raises(ValidationError, match="scout has no Rsync row 2"):
        services.do_set_rsync_sync("scout", 2, True)
