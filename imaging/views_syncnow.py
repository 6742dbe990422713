"""Sync now from the Rsync Info Editor: an editor starts it for one server's copy or its
subtree; the run's page shows each destination's progress, refreshed with htmx until done."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View

from core.permissions import CHANGE_VALUES, PermissionView
from core.refusals import refusal_text
from core.views import RunView

from .models import SyncRun
from .sync_now import do_request_sync

MAX_NAME = 255


class SyncNowView(PermissionView, View):
    """POST server, row and scope (server or subtree): start it, then show its progress."""

    permission_required = CHANGE_VALUES

    def post(self, request):
        server = request.POST.get("server", "")[:MAX_NAME]
        row = request.POST.get("row", "")[:10]
        subtree = request.POST.get("scope") == "subtree"
        try:
            if not row.isdigit():
                raise ValidationError(f"{row!r} is not a row number")
            run = do_request_sync(server, int(row), subtree, user=request.user)
        except ValidationError as refused:
            messages.error(request, refusal_text(refused))
            return redirect("imaging:rsync-server", server) if server else redirect("imaging:rsync")
        return redirect("imaging:sync-run", run.pk)


class SyncRunView(RunView):
    """One sync now: each destination, who pushes it, its state and last message."""

    model = SyncRun
    template_name = "imaging/sync_run.html"
    body_template_name = "imaging/sync_run_body.html"
