"""The replication trees: derived from images and Rsync rows, refusing what is no tree."""

import pytest

from imaging.host.lnrsync import in_rounds, syncs_from
from imaging.replication import (
    FilterRule,
    Image,
    RsyncRow,
    TreeError,
    check,
    derive,
    image_from_values,
    moved_rows,
    rows_from_values,
)

SERVERS = {"crank", "ratchet", "scout", "keeper", "odie"}
TEST = Image("diskless_dbgen32_test_1", "crank", "/mnt/dbgen32test/diskless")
PROD = Image("diskless_dbgen32_prod_1", "crank", "/mnt/dbgen32/diskless")
ROWS = [
    RsyncRow("ratchet", 1, "crank", "/mnt/dbgen32test/diskless", "/mnt/dbgen32test/diskless"),
    RsyncRow("ratchet", 2, "crank", "/mnt/dbgen32/diskless", "/mnt/dbgen32/diskless"),
    RsyncRow("scout", 1, "ratchet", "/mnt/dbgen32test/diskless", "/diskless"),
    RsyncRow("keeper", 3, "ratchet", "/mnt/dbgen32test/diskless", "/diskless"),
    RsyncRow("odie", 1, "ratchet", "/mnt/dbgen32/diskless", "/diskless"),
]


def shape(derivation, image):
    return [(d, n.server, n.path) for d, n in derivation.trees[image].root.walk()]


def test_each_image_has_the_tree_its_rows_draw():
    derivation = check([TEST, PROD], ROWS, SERVERS)
    assert shape(derivation, TEST.name) == [
        (0, "crank", "/mnt/dbgen32test/diskless"),
        (1, "ratchet", "/mnt/dbgen32test/diskless"),
        (2, "keeper", "/diskless"),
        (2, "scout", "/diskless"),
    ]
    tree = derivation.trees[TEST.name]
    assert [n.server for n in tree.chain(tree.find(("keeper", 3)))] == [
        "keeper",
        "ratchet",
        "crank",
    ]


def refusal(images, rows):
    with pytest.raises(TreeError) as refused:
        check(images, rows, SERVERS)
    return refused.value.problems


def test_a_cycle_is_refused_naming_its_rows():
    rows = [
        RsyncRow("scout", 1, "keeper", "/a", "/a"),
        RsyncRow("keeper", 1, "odie", "/a", "/a"),
        RsyncRow("odie", 1, "scout", "/a", "/a"),
    ]
    [problem] = refusal([TEST], rows)
    assert problem.startswith("a cycle: row 1 of keeper's Rsync table copies odie:/a to keeper:/a")
    assert "row 1 of odie's Rsync table" in problem and "row 1 of scout's" in problem


def test_a_source_nobody_holds_a_doubled_destination_and_bad_names_are_refused():
    rows = [
        RsyncRow("scout", 1, "ratchet", "/mnt/nothing", "/diskless"),
        RsyncRow("keeper", 1, "crank", "/mnt/dbgen32test/diskless", "/d"),
        RsyncRow("keeper", 2, "crank", "/mnt/dbgen32test/diskless", "/d"),
        RsyncRow("odie", 1, "garfield", "/x", "/x"),
        RsyncRow("odie", 2, "crank", "x", "/a/../b"),
        RsyncRow("crank", 1, "odie", "/x", "/mnt/dbgen32test/diskless"),
    ]
    assert refusal([TEST], rows) == [
        "row 1 of crank's Rsync table: rs_dst /mnt/dbgen32test/diskless on crank is the "
        "authoritative directory of rsyncImage diskless_dbgen32_test_1",
        "row 2 of keeper's Rsync table: rs_dst /d on keeper is also row 1 of keeper's Rsync "
        "table's",
        "row 1 of odie's Rsync table: rs_host 'garfield' is not a server",
        "row 2 of odie's Rsync table: rs_src: path 'x' is not absolute (it must start with /)",
        "row 2 of odie's Rsync table: rs_dst: path '/a/../b' has an empty, '.' or '..' segment: "
        "write it normalised",
        "row 1 of scout's Rsync table: nobody holds /mnt/nothing on ratchet (no rsyncImage is "
        "there and no Rsync row copies to it)",
    ]


def test_an_image_on_an_unknown_host_or_with_a_bad_filter_rule_is_refused():
    images = [
        Image("lost", "garfield", "/mnt/lost"),
        Image("odd", "crank", "/mnt/odd", (FilterRule("include", "/a/"), FilterRule("keep", "x"))),
        Image("split", "crank", "/mnt/split", (FilterRule("exclude", "/tmp/\n+ /etc"),)),
    ]
    assert refusal(images, []) == [
        "rsyncImage lost: host 'garfield' is not a server",
        "rsyncImage odd: filter rule 2 (keep 'x'): action 'keep' is neither include nor exclude",
        "rsyncImage split: filter rule 1 (exclude '/tmp/\\n+ /etc'): pattern '/tmp/\\n+ /etc' "
        "holds a control character (a new line is a new rule)",
    ]


def test_moving_scout_and_keeper_to_prod_under_ratchet_takes_their_branches():
    rows = [*ROWS, RsyncRow("odie", 2, "scout", "/diskless", "/scoutcopy")]
    derivation = check([TEST, PROD], rows, SERVERS)
    ratchet_prod = derivation.trees[PROD.name].find(("ratchet", 2))
    moved = moved_rows(derivation, [("scout", 1), ("keeper", 3)], PROD.name, ratchet_prod)
    assert moved == [
        RsyncRow("keeper", 3, "ratchet", "/mnt/dbgen32/diskless", "/diskless"),
        RsyncRow("scout", 1, "ratchet", "/mnt/dbgen32/diskless", "/diskless"),
    ]
    after = {r.key: r for r in rows} | {r.key: r for r in moved}
    derivation = check([TEST, PROD], after.values(), SERVERS)
    assert shape(derivation, TEST.name) == [
        (0, "crank", "/mnt/dbgen32test/diskless"),
        (1, "ratchet", "/mnt/dbgen32test/diskless"),
    ]
    assert (3, "odie", "/scoutcopy") in shape(derivation, PROD.name)


def test_moving_a_server_under_its_own_branch_is_refused_as_a_cycle():
    derivation = check([TEST, PROD], ROWS, SERVERS)
    scout = derivation.trees[TEST.name].find(("scout", 1))
    with pytest.raises(TreeError, match="scout draws from ratchet: moving it there would make"):
        moved_rows(derivation, [("ratchet", 1)], TEST.name, scout)


def test_values_read_as_rows_and_images():
    rows = rows_from_values(
        "scout",
        {
            "rs_host": ["ratchet", ""],
            "rs_src": ["/mnt/dbgen32test/diskless", ""],
            "rs_dst": ["/diskless", ""],
            "rs_sync": ["no"],
            "rs_date": ["2013-06-09 02:00:15"],
        },
    )
    assert rows == [
        RsyncRow(
            "scout",
            1,
            "ratchet",
            "/mnt/dbgen32test/diskless",
            "/diskless",
            False,
            "2013-06-09 02:00:15",
        )
    ]
    image = image_from_values(
        "dvars",
        {
            "host": ["crank"],
            "directory": ["/v"],
            "rf_action": ["include", "exclude"],
            "rf_pattern": ["/template/**", "*"],
        },
    )
    assert [r.rsync_rule for r in image.filters] == ["+ /template/**", "- *"]
    assert derive([image], [], {"crank"}).problems == []


def test_lnrsync_pushes_a_copy_of_its_own_a_round_before_the_copies_drawn_from_it():
    # ratchet keeps a second copy of the test image, /srv/test, which keeper takes.
    rows = [
        *ROWS[:3],
        RsyncRow("ratchet", 3, "ratchet", "/mnt/dbgen32test/diskless", "/srv/test"),
        RsyncRow("keeper", 3, "ratchet", "/srv/test", "/diskless"),
        ROWS[4],
    ]
    syncs = syncs_from(derive([TEST, PROD], rows, SERVERS), "ratchet")
    rounds = [[(s.node.server, s.node.path) for s in round_] for round_ in in_rounds(syncs)]
    assert rounds == [
        [("odie", "/diskless"), ("ratchet", "/srv/test"), ("scout", "/diskless")],
        [("keeper", "/diskless")],
    ]


def feeds(parent_date, child_date):
    rows = [
        RsyncRow("ratchet", 1, "crank", TEST.directory, TEST.directory, date=parent_date),
        RsyncRow("scout", 1, "ratchet", TEST.directory, "/diskless", date=child_date),
    ]
    tree = derive([TEST], rows, SERVERS).trees[TEST.name]
    ratchet, scout = tree.find(("ratchet", 1)), tree.find(("scout", 1))
    return tree.root.can_feed(ratchet), ratchet.can_feed(scout)


def test_a_copy_feeds_its_children_once_synced_and_not_older():
    assert feeds("2013-06-09 02:00:15", "2013-06-08 02:00:15") == (True, True)
    assert feeds("2013-06-08 02:00:15", "2013-06-09 02:00:15") == (True, False)
    # A new destination gets its first copy; a server that never got one pushes nothing.
    assert feeds("2013-06-09 02:00:15", "none") == (True, True)
    assert feeds("none", "2013-06-09 02:00:15") == (True, False)
    # rs_date counts seconds: the same second cannot say which came first, so it pushes.
    assert feeds("2013-06-09 02:00:15", "2013-06-09 02:00:15") == (True, True)
