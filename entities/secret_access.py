"""Who reads which secret values: a person by role, a host's agent only those of the host
itself and of the clients it serves (docs/agent.md)."""

from __future__ import annotations

from dataclasses import dataclass

from core.hosts import CLIENT, HOST_TYPES, SERVED_BY
from core.permissions import VIEW_SECRETS

from .models import Value


@dataclass(frozen=True)
class SecretAccess:
    """Everything, or the secret values of the named (type, name) entities only."""

    everything: bool = False
    entities: frozenset[tuple[str, str]] = frozenset()

    def shows(self, entity_type: str, name: str) -> bool:
        return self.everything or (entity_type, name) in self.entities


NO_SECRETS = SecretAccess()


def secret_access(user) -> SecretAccess:
    """What user may read. A host's token account (`agent_host`, see workers.AgentHost.user)
    is scoped to its host whatever its permissions say."""
    host = getattr(user, "agent_host", None) if user.is_authenticated else None
    if host is not None:
        return SecretAccess(entities=served_entities(host.name))
    return SecretAccess(everything=user.has_perm(VIEW_SECRETS))


def served_entities(host: str) -> frozenset[tuple[str, str]]:
    """The host's own entity and the clients whose `server` or `appserver` names it."""
    clients = Value.objects.filter(
        entity__entity_type__name=CLIENT, variable__name__in=SERVED_BY, value=host
    ).values_list("entity__name", flat=True)
    return frozenset({(t, host) for t in HOST_TYPES} | {(CLIENT, c) for c in clients})
