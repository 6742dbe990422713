"""`masterldap` (guide 2.3 step 9: "triggers creation of special machine accounts"): the
agent of the master directory server asks the web server, which holds the directory's
credentials, to bring the machine accounts in step with the configuration
(accounts.services.do_sync_machines, docs/identity.md); the accounts it created, updated or
removed and the problems met, each naming its host, go into the pass's report."""

from __future__ import annotations

from workers.host.client import ApiError, ApiUnavailable
from workers.host.functions import FunctionContext, FunctionRun, register

DONE = ("created", "updated", "removed")


def masterldap(context: FunctionContext) -> FunctionRun:
    run = FunctionRun()
    if context.client is None:
        run.problems.append("machine accounts not brought in step: no web server to ask")
        return run
    try:
        answer = context.client.post(f"accounts/machines/{context.host}/", {})
    except (ApiError, ApiUnavailable) as exc:
        run.problems.append(f"machine accounts not brought in step: {exc}")
        return run
    for what in DONE:
        run.changed += [f"ou=machines {uid} {what}" for uid in answer.get(what, [])]
    run.problems += answer.get("problems", [])
    return run


register("masterldap", masterldap)
