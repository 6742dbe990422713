"""Server functions (guide 2.3 step 9): after its files, a server runs the handler of each
function in its `functions` variable that has one. A new function is one module here (or in
an app's host side) that calls register() on import; the agent imports the modules of
HANDLER_MODULES by name, as it does its plug-ins, so it imports no app. Handlers take plain
data (the mirror, the API client) and import no Django."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from filemgr.templating import MirrorSource

from ..client import ApiClient
from ..paths import AgentPaths, under
from ..scripts import ScriptRun, run_script

# The modules that register handlers (docs/identity.md, server functions).
HANDLER_MODULES = (
    "imaging.host.appserver",
    "workers.host.functions.authdns",
    "accounts.host.masterldap",
)
FUNCTIONS = "functions"
log = logging.getLogger("labnet.agent")


@dataclass(frozen=True)
class FunctionContext:
    """What a handler gets: the server's name, its paths, the mirror, and the client of the
    web server (None where there is none to ask)."""

    host: str
    paths: AgentPaths
    source: MirrorSource
    client: ApiClient | None = None


@dataclass
class FunctionRun:
    """What one handler did: the paths it changed, the scripts it ran, the problems met."""

    changed: list[str] = field(default_factory=list)
    scripts: list[ScriptRun] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


Handler = Callable[[FunctionContext], FunctionRun]
_handlers: dict[str, Handler] = {}


def register(function: str, handler: Handler) -> None:
    """Called on import by the module handling function (a value of `functions`)."""
    _handlers[function] = handler


def handlers() -> Mapping[str, Handler]:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return _handlers


def run_functions(context: FunctionContext, functions: Sequence[str]) -> dict[str, FunctionRun]:
    """Run the handler of each of functions that has one, in the order given. A handler's
    unexpected exception is a problem of that function named by its type alone (its text
    could quote a value), its details in the agent's log; the others still run."""
    known = handlers()
    done = {}
    for function in dict.fromkeys(f.strip() for f in functions):
        if function in known:
            try:
                done[function] = known[function](context)
            except Exception as exc:
                log.exception("server function %s failed", function)
                done[function] = FunctionRun(problems=[f"failed: {type(exc).__name__}"])
    return done


def run_reload(paths: AgentPaths, script: str, function: str, changed: Path) -> list[ScriptRun]:
    """Run script (an absolute path under LABNET_ROOT) when it is an executable file."""
    path = under(paths.root, script)
    if not (path.is_file() and path.stat().st_mode & 0o111):
        return []
    return [run_script(script, function, changed, paths)]
