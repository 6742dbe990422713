"""The host programs `makeimage SOURCE IMAGEDIR` and `restoreimage IMAGEDIR TARGET
[--verify-only]` (DESIGN.md contract 5)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

from workers.host.registry import Command

from .format import FILESYSTEMS, MAX_BLOCK, MIN_BLOCK, ImageError
from .make import make_image
from .restore import RestoreResult, restore_image

STATE_DIR = "var/lib/labnet/restoreimage"
OK, FAILED, DIFFERS = 0, 1, 3


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    raise AssertionError


class _Progress:
    """A progress line on stderr, at most once a second, and the last one when done."""

    def __init__(self, what: str, done_word: str = "verified"):
        self.what, self.done_word, self.shown = what, done_word, 0.0

    def __call__(self, done: int, total: int, written: int = 0, elapsed: float = 0.0) -> None:
        now = time.monotonic()
        if now - self.shown < 1.0 and done < total:
            return
        self.shown = now
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate else 0.0
        sys.stderr.write(
            f"{self.what}: {_size(done)} of {_size(total)} {self.done_word}, "
            f"{_size(written)} written, "
            f"{_size(rate)}/s, {left:.0f} s left\n"
        )


def default_state_path(target: str, root: str | None = None) -> str:
    """The state file of a restore onto target, under root (LABNET_ROOT, /)."""
    name = re.sub(r"[^A-Za-z0-9.-]+", "_", os.path.abspath(target)).strip("_")
    root = root or os.environ.get("LABNET_ROOT", "/")
    return os.path.join(root, STATE_DIR, name + ".state")


def _block_size(text: str) -> int:
    n = int(text)
    if not (MIN_BLOCK <= n <= MAX_BLOCK) or n & (n - 1):
        raise argparse.ArgumentTypeError("a power of two from 512 to 1048576")
    return n


def _make_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="partition: a block device or an image file")
    parser.add_argument("image_dir", metavar="IMAGEDIR", help="image directory to write")
    parser.add_argument("--block-size", type=_block_size, default=4096, help="bytes (4096)")
    parser.add_argument("--replace", action="store_true", help="replace an existing image")


def _make(args: argparse.Namespace) -> int:
    progress = _Progress("makeimage", "read")
    began = time.monotonic()
    try:
        made = make_image(
            args.source,
            args.image_dir,
            args.block_size,
            args.replace,
            lambda done, total: progress(done, total, 0, time.monotonic() - began),
        )
    except ImageError as exc:
        print(f"makeimage: {exc}", file=sys.stderr)
        return FAILED
    m = made.manifest
    print(
        f"makeimage: {args.image_dir}: {m.fs}, {_size(m.size)}, {m.used} of {m.blocks} blocks "
        f"of {m.block_size} bytes used, {_size(made.stored_bytes)} stored, "
        f"{made.seconds:.1f} s"
    )
    return OK


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", metavar="IMAGEDIR", help="image directory or http(s) URL")
    parser.add_argument("target", metavar="TARGET", help="partition: block device or file")
    parser.add_argument(
        "--verify-only", action="store_true", help="report differing blocks, write nothing"
    )
    parser.add_argument("--fs", choices=FILESYSTEMS, help="refuse an image of another filesystem")
    parser.add_argument("--state", help="state file for resuming (under LABNET_ROOT)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def summary(result: RestoreResult) -> str:
    verb = "differs in" if result.verify_only else "differed in"
    lines = [
        f"restoreimage: {result.target}: {result.fs} image {result.image}",
        f"  {result.used_blocks} used blocks of {result.block_size} bytes; "
        f"{verb} {result.differed_blocks}; {_size(result.written_bytes)} "
        f"({result.written_bytes} bytes) written; {_size(result.verified_bytes)} verified "
        f"in {result.seconds:.1f} s",
    ]
    if result.resumed_at_block:
        lines.append(f"  resumed at used block {result.resumed_at_block}")
    for first, count in result.differing_runs:
        lines.append(f"  differing: blocks {first}..{first + count - 1}")
    lines.append("  good: every used block matches the image" if result.good else "  NOT good")
    return "\n".join(lines)


def _restore(args: argparse.Namespace) -> int:
    try:
        result = restore_image(
            args.image,
            args.target,
            verify_only=args.verify_only,
            expect_fs=args.fs,
            state_path=args.state or default_state_path(args.target),
            progress=_Progress("restoreimage"),
        )
    except ImageError as exc:
        print(f"restoreimage: {exc}", file=sys.stderr)
        return FAILED
    print(json.dumps(result.as_dict(), indent=2) if args.json else summary(result))
    return OK if result.good else DIFFERS


COMMANDS = [
    Command(
        "makeimage",
        "block-hash image of a partition's used blocks",
        _make_arguments,
        _make,
    ),
    Command(
        "restoreimage",
        "write only the blocks of a partition that differ from its image",
        _restore_arguments,
        _restore,
    ),
]
