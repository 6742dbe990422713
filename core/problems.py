"""Problems other apps add to the monitoring overview's host tiles, so nms imports no app:
an app registers a source in its AppConfig.ready() and the overview asks each source once
(a source answers in a fixed number of queries, whatever the number of hosts)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

# (host, category, item, state): state is an nms level, "warning" or "critical".
HostProblem = tuple[str, str, str, str]
ProblemSource = Callable[[], Iterable[HostProblem]]
_sources: list[ProblemSource] = []


def register_problem_source(source: ProblemSource) -> None:
    if source not in _sources:
        _sources.append(source)


def host_problems() -> Iterator[HostProblem]:
    for source in _sources:
        yield from source()
