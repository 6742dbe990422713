"""The master store writes only plain names, and a refused commit leaves its working tree as
it was."""

import subprocess

import pytest

from filemgr.store import MasterStore, StoreError


@pytest.fixture
def store(tmp_path):
    store = MasterStore(tmp_path / "master")
    store.commit("motd", "default", b"welcome\n", "ann", "ann@labnet", "first")
    return store


def git_status(store: MasterStore) -> str:
    done = subprocess.run(
        ["git", "-C", str(store.directory), "status", "--porcelain"], capture_output=True
    )
    return done.stdout.decode()


@pytest.mark.parametrize(
    ("file", "instance"),
    [(".git", "config"), (".", "x"), ("..", "x"), ("motd", ".."), ("motd", ".agent")],
)
def test_names_starting_with_a_dot_are_refused_before_anything_is_written(store, file, instance):
    config = (store.directory / ".git" / "config").read_bytes()
    fsmonitor = b'[core]\n\tfsmonitor = "touch /tmp/x"\n'
    with pytest.raises(StoreError, match="not a plain name"):
        store.commit(file, instance, fsmonitor, "eve", "eve@labnet", "mine")
    assert (store.directory / ".git" / "config").read_bytes() == config
    assert git_status(store) == ""


def refuse_commits(store: MasterStore) -> None:
    hook = store.directory / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho refused >&2\nexit 1\n")
    hook.chmod(0o755)


def test_refused_commit_of_a_new_instance_leaves_no_file(store):
    refuse_commits(store)
    with pytest.raises(StoreError, match="refused"):
        store.commit("issue", "default", b"hello\n", "ann", "ann@labnet", "new")
    assert not (store.directory / "issue").exists()
    assert git_status(store) == ""


def test_refused_commit_restores_the_previous_content(store):
    refuse_commits(store)
    with pytest.raises(StoreError, match="refused"):
        store.commit("motd", "default", b"changed\n", "ann", "ann@labnet", "second")
    assert store.read("motd", "default") == b"welcome\n"
    assert git_status(store) == ""
    assert [r.message for r in store.history("motd", "default")] == ["first"]
