"""The masterldap server's agent asks, at each pass, for the machine accounts to be brought
in step with the configuration (guide 2.3 step 9); the web server, which holds the
directory's credentials, writes them (accounts.services.do_sync_machines)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.hosts import SERVER
from entities.models import Value

from ..services import MachineSync, do_sync_machines

MASTERLDAP = "masterldap"
# Each list of the answer is cut here, with a last line counting the rest: the first pass on
# a campus creates an account per host, and the agent's report has a size limit.
MAX_LISTED = 200
# Entries written per request, so one answers within the agent's timeout (about 1,000 a
# second here, bench/bench_machines.py); the agent asks again while some remain.
MAX_WRITES = 1000
LISTS = ("created", "updated", "removed", "problems")


def _listed(items: list[str]) -> list[str]:
    if len(items) <= MAX_LISTED:
        return items
    return [*items[:MAX_LISTED], f"... and {len(items) - MAX_LISTED} more"]


class MachineSyncSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField(), read_only=True)
    updated = serializers.ListField(child=serializers.CharField(), read_only=True)
    removed = serializers.ListField(child=serializers.CharField(), read_only=True)
    problems = serializers.ListField(child=serializers.CharField(), read_only=True)
    remaining = serializers.IntegerField(
        read_only=True, help_text="entries left to write: ask again"
    )


class MachineAccounts(GenericAPIView):
    """POST: bring the directory's machine accounts in step with the configuration; only
    the token of <host>, a server whose functions hold masterldap. The answer lists the
    accounts created, updated and removed and the problems met, each naming its host, and
    counts the entries left to write past MAX_WRITES."""

    permission_classes = [IsTheHostAgent]
    serializer_class = MachineSyncSerializer

    def post(self, request, host):
        if not Value.objects.filter(
            entity__entity_type__name=SERVER,
            entity__name=host,
            variable__name="functions",
            value=MASTERLDAP,
        ).exists():
            raise PermissionDenied(f"server {host} does not have the {MASTERLDAP} function.")
        try:
            done = do_sync_machines(f"{host}@agent", most=MAX_WRITES)
        except ValidationError as refused:  # the directory down or not configured
            done = MachineSync(problems=refused.messages)
        answer = {name: _listed(getattr(done, name)) for name in LISTS}
        answer["remaining"] = done.remaining
        return Response(self.get_serializer(answer).data)
