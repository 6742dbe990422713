"""`masterldap` (guide 2.3 step 9: "triggers creation of special machine accounts"): the
agent of the master directory server asks the web server, which holds the directory's
credentials, to bring the machine accounts in step with the configuration
(accounts.services.do_sync_machines, docs/identity.md); the accounts it created, updated or
removed and the problems met, each naming its host, go into the pass's report."""

from __future__ import annotations

from workers.host.client import ApiError, ApiUnavailable
from workers.host.functions import FunctionContext, FunctionRun, register

DONE = ("created", "updated", "removed")
# The web server writes a bounded number of entries per request and counts the rest: asked
# again while they shrink, at most this many times a pass.
MAX_ROUNDS = 100


def masterldap(context: FunctionContext) -> FunctionRun:
    run = FunctionRun()
    if context.client is None:
        run.problems.append("machine accounts not brought in step: no web server to ask")
        return run
    problems: dict[str, None] = {}  # a configuration's problem is in every round's answer
    left, before = 0, None
    for _ in range(MAX_ROUNDS):
        try:
            answer = context.client.post(f"accounts/machines/{context.host}/", {})
        except (ApiError, ApiUnavailable) as exc:
            problems[f"machine accounts not brought in step: {exc}"] = None
            break
        for what in DONE:
            run.changed += [f"ou=machines {uid} {what}" for uid in answer.get(what, [])]
        problems.update(dict.fromkeys(answer.get("problems", [])))
        left = answer.get("remaining", 0)
        if not left or (before is not None and left >= before):
            break
        before = left
    if left:
        problems[f"{left} machine account writes left for the next pass"] = None
    run.problems = list(problems)
    return run


register("masterldap", masterldap)
