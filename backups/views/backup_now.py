"""Back up now from the backup status pages: an editor starts it for one of a server's
directories or all of them; the run's page shows each directory's state and rsync's
progress line, reloaded with htmx until every directory is done."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View

from core.permissions import CHANGE_VALUES, PermissionView
from core.refusals import refusal_text
from core.views import RunView

from ..backup_now import do_request_backup
from ..models import BackupNow

MAX_NAME = 128  # a server's name
MAX_PATH = 4095  # bk_directory


class BackupNowView(PermissionView, View):
    """POST server and, for one directory, directory: start it, then show its progress."""

    permission_required = CHANGE_VALUES

    def post(self, request):
        server = request.POST.get("server", "")[:MAX_NAME]
        directory = request.POST.get("directory", "")[:MAX_PATH]
        try:
            run = do_request_backup(server, directory, user=request.user)
        except ValidationError as refused:
            messages.error(request, refusal_text(refused))
            return redirect("backups:server", server) if server else redirect("backups:status")
        return redirect("backups:now-run", run.pk)


class BackupNowRunView(RunView):
    """One back up now: each directory, its backup server, its state, its last message and
    progress line."""

    model = BackupNow
    template_name = "backups/now_run.html"
    body_template_name = "backups/now_run_body.html"
