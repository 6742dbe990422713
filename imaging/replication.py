"""The replication trees (guide 3.1): derived in this one place from the configuration, by the
web tool's Rsync Info Editor and by lnrsync on the distribution servers.

An `rsyncImage` entity names an image's authoritative copy (`host`, `directory`); a server's
`Rsync` table row copies `rs_src` on `rs_host` to its own `rs_dst`. A row draws from the copy
at (rs_host, rs_src): the image itself, or another row's destination. Following those links
up from every row gives one tree per image. Pure functions over plain data, no Django.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

RSYNC_TABLE = "Rsync"
RSYNC_COLUMNS = ("rs_host", "rs_src", "rs_dst", "rs_sync", "rs_date")
IMAGE_TYPE, SERVER_TYPE = "rsyncImage", "server"
FILTER_ACTION, FILTER_PATTERN = "rf_action", "rf_pattern"
YES, NO, NEVER = "yes", "no", "none"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # rs_date's own format (its regex in the server type)
MAX_PATH = 4095
MAX_PATTERN = 1024
_RULE_PREFIX = {"include": "+ ", "exclude": "- "}


@dataclass(frozen=True)
class RsyncRow:
    """One row of a server's Rsync table; row counts from 1, as the table shows it."""

    server: str
    row: int
    host: str
    src: str
    dst: str
    sync: bool = True
    date: str = NEVER

    @property
    def label(self) -> str:
        return f"row {self.row} of {self.server}'s Rsync table"

    @property
    def key(self) -> tuple[str, int]:
        return (self.server, self.row)


@dataclass(frozen=True)
class FilterRule:
    """One row of an image's Rsync_Filter_Tab."""

    action: str
    pattern: str

    @property
    def rsync_rule(self) -> str:
        """The rule as a line of rsync's --filter/--exclude-from merge file."""
        return _RULE_PREFIX[self.action] + self.pattern


@dataclass(frozen=True)
class Image:
    """An rsyncImage entity: its authoritative copy and its filter rules."""

    name: str
    host: str
    directory: str
    filters: tuple[FilterRule, ...] = ()


@dataclass
class Node:
    """A copy of an image on a server: the image's own (row None) or a row's destination."""

    server: str
    path: str
    row: RsyncRow | None = None
    children: list[Node] = field(default_factory=list)

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Node]]:
        """This node and its descendants, depth first, children by server name."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)

    @property
    def date(self) -> str:
        """When this copy was last brought up to date: an image's own copy is always current,
        which sorts after any date."""
        return "~" if self.row is None else self.row.date

    def can_feed(self, child: Node) -> bool:
        """Whether this copy may be pushed to child: it has been synced at all, and child's is
        not newer. rs_date counts whole seconds, so equal dates cannot tell which came first;
        they push (a push too many sends nothing, one too few leaves a stale copy a night)."""
        if self.date == NEVER:
            return False
        return child.date == NEVER or self.date >= child.date


@dataclass
class Tree:
    image: Image
    root: Node

    def nodes(self) -> list[Node]:
        return [node for _, node in self.root.walk()]

    def find(self, key: tuple[str, int]) -> Node | None:
        return next((n for n in self.nodes() if n.row is not None and n.row.key == key), None)

    def parent_of(self, node: Node) -> Node | None:
        return next((n for n in self.nodes() if node in n.children), None)

    def chain(self, node: Node) -> list[Node]:
        """node, its parent, ... up to the image's own copy."""
        chain = [node]
        while (parent := self.parent_of(chain[-1])) is not None:
            chain.append(parent)
        return chain


@dataclass
class Derivation:
    """The trees by image name, and every problem found, each naming servers and rows."""

    trees: dict[str, Tree]
    problems: list[str]

    def image_of(self, key: tuple[str, int]) -> str | None:
        return next((name for name, tree in self.trees.items() if tree.find(key)), None)


class TreeError(ValueError):
    """The configuration does not form trees; the message lists every problem."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def directory_problem(path: str) -> str | None:
    """Why path cannot be an image directory, or None: absolute and normalised."""
    if len(path.encode(errors="surrogatepass")) > MAX_PATH:
        return f"path is longer than {MAX_PATH:,} bytes"
    if not path.startswith("/"):
        return f"path {path!r} is not absolute (it must start with /)"
    if any(ord(c) < 32 for c in path):
        return f"path {path!r} holds a control character"
    segments = path.split("/")[1:]
    if path != "/" and ("" in segments or "." in segments or ".." in segments):
        return f"path {path!r} has an empty, '.' or '..' segment: write it normalised"
    return None


def filter_problem(rule: FilterRule) -> str | None:
    """Why rsync would reject (or misread) the rule, or None."""
    if rule.action not in _RULE_PREFIX:
        return f"action {rule.action!r} is neither include nor exclude"
    if not rule.pattern.strip():
        return "the pattern is empty"
    if len(rule.pattern) > MAX_PATTERN:
        return f"the pattern is longer than {MAX_PATTERN:,} characters"
    if any(ord(c) < 32 for c in rule.pattern):
        return f"pattern {rule.pattern!r} holds a control character (a new line is a new rule)"
    if rule.pattern != rule.pattern.strip():
        return f"pattern {rule.pattern!r} starts or ends with a space rsync would keep"
    return None


def _column(values: Mapping[str, Sequence[str]], name: str, row: int) -> str:
    cells = values.get(name) or []
    return cells[row].strip() if row < len(cells) else ""


def image_from_values(name: str, values: Mapping[str, Sequence[str]]) -> Image:
    """An Image from an rsyncImage entity's values (table columns aligned by row)."""
    actions, patterns = values.get(FILTER_ACTION) or [], values.get(FILTER_PATTERN) or []
    filters = tuple(
        FilterRule(_column(values, FILTER_ACTION, i), patterns[i] if i < len(patterns) else "")
        for i in range(max(len(actions), len(patterns)))
        if _column(values, FILTER_ACTION, i) or _column(values, FILTER_PATTERN, i)
    )
    return Image(name, _column(values, "host", 0), _column(values, "directory", 0), filters)


def rows_from_values(server: str, values: Mapping[str, Sequence[str]]) -> list[RsyncRow]:
    """A server's Rsync rows from its entity's values (columns aligned by row)."""
    count = max(len(values.get(c) or []) for c in RSYNC_COLUMNS)
    rows = []
    for i in range(count):
        cell = {c: _column(values, c, i) for c in RSYNC_COLUMNS}
        if not any(cell.values()):
            continue
        rows.append(
            RsyncRow(
                server,
                i + 1,
                cell["rs_host"],
                cell["rs_src"],
                cell["rs_dst"],
                cell["rs_sync"] == YES,
                cell["rs_date"] or NEVER,
            )
        )
    return rows


def derive(
    images: Iterable[Image], rows: Iterable[RsyncRow], servers: Collection[str]
) -> Derivation:
    """The trees of all images, and the problems: an image or row naming an unknown server, a
    relative or un-normalised path, a filter rule rsync would reject, a destination two rows
    (or a row and an image) claim, a row whose source nobody holds, a cycle. A row with a
    problem, and the rows drawing from it, are in no tree."""
    problems: list[str] = []
    trees: dict[str, Tree] = {}
    holders: dict[tuple[str, str], Image | RsyncRow] = {}
    for image in sorted(images, key=lambda i: i.name):
        where = f"rsyncImage {image.name}"
        found = [
            f"{where}: host {image.host!r} is not a server" if image.host not in servers else None,
            f"{where}: directory: {p}" if (p := directory_problem(image.directory)) else None,
            *(
                f"{where}: filter rule {n} ({r.action} {r.pattern!r}): {p}"
                for n, r in enumerate(image.filters, start=1)
                if (p := filter_problem(r))
            ),
        ]
        if found := [f for f in found if f]:
            problems += found
            continue
        trees[image.name] = Tree(image, Node(image.host, image.directory))
        holders[(image.host, image.directory)] = image
    valid: list[RsyncRow] = []
    for row in sorted(rows, key=lambda r: r.key):
        found = [
            f"{row.label}: rs_host {row.host!r} is not a server"
            if row.host not in servers
            else None,
            f"{row.label}: rs_src: {p}" if (p := directory_problem(row.src)) else None,
            f"{row.label}: rs_dst: {p}" if (p := directory_problem(row.dst)) else None,
        ]
        claimed = holders.get((row.server, row.dst))
        if isinstance(claimed, Image):
            found.append(
                f"{row.label}: rs_dst {row.dst} on {row.server} is the authoritative directory "
                f"of rsyncImage {claimed.name}"
            )
        elif claimed is not None:
            found.append(f"{row.label}: rs_dst {row.dst} on {row.server} is also {claimed.label}'s")
        if found := [f for f in found if f]:
            problems += found
            continue
        holders[(row.server, row.dst)] = row
        valid.append(row)
    nodes = {row.key: Node(row.server, row.dst, row) for row in valid}
    image_of_tree = {(t.image.host, t.image.directory): t for t in trees.values()}
    for row in valid:
        source = holders.get((row.host, row.src))
        if source is None:
            problems.append(
                f"{row.label}: nobody holds {row.src} on {row.host} (no rsyncImage is there and "
                "no Rsync row copies to it)"
            )
        elif isinstance(source, Image):
            image_of_tree[(source.host, source.directory)].root.children.append(nodes[row.key])
        else:
            nodes[source.key].children.append(nodes[row.key])
    reached = {id(n) for tree in trees.values() for n in tree.nodes()}
    problems += _cycles([n for n in nodes.values() if id(n) not in reached], holders)
    for tree in trees.values():
        for _, node in tree.root.walk():
            node.children.sort(key=lambda n: (n.server, n.path))
    return Derivation(trees, problems)


def _cycles(
    unreached: list[Node], holders: Mapping[tuple[str, str], Image | RsyncRow]
) -> list[str]:
    """The cycles among rows no image reaches (the others draw from a row already reported)."""
    problems, seen = [], set()
    for node in unreached:
        path: list[RsyncRow] = []
        row = node.row
        while row is not None and row.key not in seen and row not in path:
            path.append(row)
            source = holders.get((row.host, row.src))
            row = source if isinstance(source, RsyncRow) else None
        if row is not None and row in path:
            cycle = path[path.index(row) :]
            problems.append(
                "a cycle: "
                + ", ".join(
                    f"{r.label} copies {r.host}:{r.src} to {r.server}:{r.dst}" for r in cycle
                )
            )
        seen.update(r.key for r in path)
    return problems


def check(
    images: Iterable[Image], rows: Iterable[RsyncRow], servers: Collection[str]
) -> Derivation:
    """derive, raising TreeError when there is any problem."""
    derivation = derive(images, rows, servers)
    if derivation.problems:
        raise TreeError(derivation.problems)
    return derivation


def moved_rows(
    derivation: Derivation, moving: Collection[tuple[str, int]], image: str, parent: Node
) -> list[RsyncRow]:
    """Prune and splice: the rows `moving` (server, row) draw, after the move, from parent's
    copy of image; each keeps its destination, so its branch moves with it. The caller checks
    the result with `check` (a cycle is refused there)."""
    tree = derivation.trees.get(image)
    if tree is None or parent not in tree.nodes():
        raise TreeError([f"{parent.server} holds no copy of rsyncImage {image}"])
    moved = []
    for key in sorted(moving):
        found = derivation.image_of(key)
        if found is None:
            raise TreeError([f"row {key[1]} of {key[0]}'s Rsync table is in no image's tree"])
        node = derivation.trees[found].find(key)
        assert node is not None and node.row is not None
        if node is parent or parent in [n for _, n in node.walk()]:
            raise TreeError(
                [
                    f"{node.row.label}: {parent.server} draws from {node.server}: moving it there "
                    "would make a cycle"
                ]
            )
        moved.append(replace(node.row, host=parent.server, src=parent.path))
    return moved
