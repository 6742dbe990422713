"""The mangled directory name and the rows a backup server handles: pure functions."""

import pytest

from backups.host.mangle import NotMangled, mangle, unmangle
from backups.host.table import backup_rows, filter_rules, rows_backed_up_by
from entities.mirror import read_entity_file
from entities.schema import DEMO_MIRROR


def test_the_guides_example_is_the_server_then_each_segment():
    assert mangle("carme", "/users/labnet2/fs1") == "carme_users_labnet2_fs1"
    assert unmangle("carme_users_labnet2_fs1") == ("carme", "/users/labnet2/fs1")


@pytest.mark.parametrize(
    ("server", "directory"),
    [
        ("carme", "/"),
        ("carme", "/var"),
        ("file_srv", "/home/a_b/c%d"),
        ("x", "/a__b/_/%5F/%25"),
        ("carme", "/users/labnet2/fs1/"),
    ],
)
def test_a_mangled_name_reads_back_as_its_server_and_directory(server, directory):
    name = mangle(server, directory)
    assert "/" not in name
    assert unmangle(name) == (server, directory.rstrip("/") or "/")


def test_two_different_directories_never_share_a_name():
    assert mangle("a_b", "/c") != mangle("a", "/b_c")
    assert mangle("a", "/b_c") != mangle("a", "/b/c")


@pytest.mark.parametrize("directory", ["users/fs1", "/a/../b", "/a/./b", "/a//b", "/a\nb"])
def test_a_directory_that_is_not_absolute_and_normalised_is_refused(directory):
    with pytest.raises(ValueError, match="backup directory"):
        mangle("carme", directory)


@pytest.mark.parametrize("name", ["carme", "_users", "carme_a_..", "carme_a%41", "a/b_c", ""])
def test_a_name_that_is_not_mangled_is_refused(name):
    with pytest.raises(NotMangled):
        unmangle(name)


def _values(entity):
    return [(v, value.indx, value.text) for v, vals in entity.variables.items() for value in vals]


def test_the_demo_file_server_carme_has_its_six_user_directories_and_var():
    carme = read_entity_file(DEMO_MIRROR / "server" / "carme")
    rows = backup_rows("carme", _values(carme))
    assert [(r.indx, r.directory, r.bk_server, r.basedir) for r in rows[:2]] == [
        (1, "/users/labnet2/fs1", "bumper", "/backup1/users"),
        (2, "/users/labnet2/fs2", "bumper", "/backup1/users"),
    ]
    assert [r.directory for r in rows_backed_up_by("bumper", rows)] == [
        f"/users/labnet2/fs{n}" for n in range(1, 7)
    ]
    assert [r.directory for r in rows_backed_up_by("crank", rows)] == ["/var"]
    assert rows[0].mangled == "carme_users_labnet2_fs1"
    assert rows[0].last_date == "2013-06-09"


def test_a_backup_server_takes_only_rows_naming_it_and_switched_on():
    values = [
        ("bk_directory", 1, "/a"),
        ("bk_server", 1, "bumper"),
        ("bk_on", 1, "on"),
        ("bk_directory", 2, "/b"),
        ("bk_server", 2, "bumper"),
        ("bk_on", 2, "off"),
        ("bk_directory", 3, "/c"),
        ("bk_server", 3, "crank"),
        ("bk_on", 3, "on"),
        ("bk_directory", 4, "/d"),
        ("bk_on", 4, "on"),
    ]
    rows = backup_rows("carme", values)
    assert [r.directory for r in rows] == ["/a", "/b", "/c"]
    assert [r.directory for r in rows_backed_up_by("bumper", rows)] == ["/a"]
    assert rows[0].date == "none" and rows[0].last_date is None


def test_an_rsync_filter_becomes_filter_rules_and_a_bad_rule_is_refused():
    homes = read_entity_file(DEMO_MIRROR / "rsync_filter" / "user_homes")
    assert filter_rules({v: homes.values(v) for v in homes.variables})[:2] == [
        "- .cache/",
        "- .Trash*/",
    ]
    with pytest.raises(ValueError, match="rsync_filter rule 'merge'"):
        filter_rules({"rf_action": ["merge"], "rf_pattern": ["/etc/x"]})
