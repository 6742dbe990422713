"""Sync now from the Rsync Info Editor: an editor starts it for one server's copy or its
subtree; the run's page shows each destination's progress, refreshed with htmx until done."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from core.permissions import CHANGE_VALUES, LabnetView, PermissionView
from core.refusals import refusal_text

from .models import SyncRun
from .sync_now import do_request_sync

MAX_NAME = 255
REFRESH_SECONDS = 2


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


class SyncRunView(LabnetView, TemplateView):
    """One sync now: each destination, who pushes it, its state and last message. While any
    is under way the body reloads itself every few seconds (htmx)."""

    template_name = "imaging/sync_run.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx:
            return ["imaging/sync_run_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        run = get_object_or_404(SyncRun, pk=self.kwargs["pk"])
        steps = list(run.steps.all())
        done = sum(1 for s in steps if s.state not in ("queued", "running"))
        return super().get_context_data(
            run=run, steps=steps, done=done, refresh=REFRESH_SECONDS, **kwargs
        )
