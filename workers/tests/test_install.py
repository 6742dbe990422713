"""Installing one file: atomic, owner and mode, hand edits kept as .lnsyncsave."""

import os
import stat

import pytest

from filemgr.hashing import file_hash
from workers.host.install import InstallError, install_file, install_symlink

HASH_OF_OLD = file_hash(b"old\n")


def test_file_hash_is_base64_sha256():
    # echo -n "" | sha256sum, base64 of the digest
    assert file_hash(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_new_file_gets_content_owner_and_mode(tmp_path):
    target = tmp_path / "etc" / "motd"
    done = install_file(target, b"hello\n", "root", "root", 0o640)
    assert done.changed and done.saved is None
    assert target.read_bytes() == b"hello\n"
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o640)
    # No temporary file left beside it.
    assert [p.name for p in target.parent.iterdir()] == ["motd"]


def test_same_content_is_not_rewritten_but_attributes_are_fixed(tmp_path):
    target = tmp_path / "motd"
    install_file(target, b"hello\n", "root", "root", 0o644)
    inode = target.stat().st_ino
    os.chmod(target, 0o600)
    done = install_file(target, b"hello\n", "root", "root", 0o644)
    assert not done.changed
    assert target.stat().st_ino == inode
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_change_is_a_rename_of_a_new_inode(tmp_path):
    target = tmp_path / "motd"
    install_file(target, b"old\n", "root", "root", 0o644)
    inode = target.stat().st_ino
    done = install_file(target, b"new\n", "root", "root", 0o644, {HASH_OF_OLD})
    assert done.changed and done.saved is None
    assert target.stat().st_ino != inode
    assert target.read_bytes() == b"new\n"


def test_hand_edit_is_kept_as_lnsyncsave(tmp_path):
    target = tmp_path / "motd"
    target.write_bytes(b"edited by hand\n")
    done = install_file(target, b"new\n", "root", "root", 0o644, {HASH_OF_OLD})
    assert done.saved == tmp_path / "motd.lnsyncsave"
    assert done.saved.read_bytes() == b"edited by hand\n"
    assert target.read_bytes() == b"new\n"


def test_known_previous_content_is_not_saved(tmp_path):
    target = tmp_path / "motd"
    target.write_bytes(b"old\n")
    assert install_file(target, b"new\n", "root", "root", 0o644, {HASH_OF_OLD}).saved is None
    assert not (tmp_path / "motd.lnsyncsave").exists()


def test_unknown_owner_leaves_the_file_alone(tmp_path):
    target = tmp_path / "motd"
    target.write_bytes(b"old\n")
    with pytest.raises(InstallError, match="no user"):
        install_file(target, b"new\n", "no-such-user-labnet", "root", 0o644)
    assert target.read_bytes() == b"old\n"


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "motd"
    target.write_bytes(b"old\n")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        install_file(target, b"new\n", "root", "root", 0o644, {HASH_OF_OLD})
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["motd"]


def test_symlink_install_is_idempotent(tmp_path):
    link = tmp_path / "etc" / "hosts"
    assert install_symlink(link, "/local_conf/hosts")
    assert not install_symlink(link, "/local_conf/hosts")
    assert os.readlink(link) == "/local_conf/hosts"
