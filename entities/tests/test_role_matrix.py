"""Who may do what, in one table: every URL of the site and every method its view answers,
and the status each of anonymous, viewer, editor, admin and a host's token gets.

A new URL (or a new method of a view) without a row fails
`test_every_url_and_method_has_a_row`. A status in the table is the policy: a change to it is
a change of who may do what, and belongs in docs/webtool.md's role table too."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import NamedTuple

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.views.generic.edit import ProcessFormView
from rest_framework.test import APIClient

from entities import services as entity_services
from entities.models import Change
from filemgr.store import MasterStore
from nms import services as nms_services
from nms.ingest import ingest_report
from nms.models import Host
from testing import factories, hosts
from workers.models import AgentHost
from workers.services import do_make_host_token, do_record_report

WHO = ("anonymous", "viewer", "editor", "admin", "host")
METHODS = ("get", "post", "put", "patch", "delete")
# The Django admin is checked by its own tests (entities/tests/test_admin.py); its index
# stands for all its pages here: only staff accounts (the demo's admin) get in.
ADMIN = "admin/"


class Row(NamedTuple):
    method: str
    url: str  # formatted with the site fixture's names
    status: tuple[int, int, int, int, int]  # in WHO's order
    data: dict | None = None


NMS_REPORT = {"reports": {"mdstat": [{"item": "/dev/md0", "value": "active"}]}}
# Pages: signing in is required (302 to the sign-in page); a host's token is no sign-in.
SIGN_IN = 302
ALL = (SIGN_IN, 200, 200, 200, SIGN_IN)
LDAP_ADMIN = (SIGN_IN, 403, 403, 503, SIGN_IN)
ADMINS = (SIGN_IN, 403, 403, 200, SIGN_IN)
WIMP_POST = (SIGN_IN, 403, 403, 302, SIGN_IN)  # a refusal comes back as a message
RESTORE = {
    "partition": "/dev/sda2",
    "image": "/images/xp",
    "good": True,
    "used_blocks": 10,
    "differed_blocks": 1,
    "written_bytes": 4096,
    "seconds": 1.5,
}
BOOT_REPORT = {"daemons": [], "requests": []}
MATRIX = [
    # The sign-in pages of django.contrib.auth, open to everyone.
    Row("GET", "/accounts/login/", (200, 200, 200, 200, 200)),
    Row("POST", "/accounts/login/", (200, 200, 200, 200, 200), {"username": "x"}),
    Row("POST", "/accounts/logout/", (200, 200, 200, 200, 200)),
    Row("GET", "/accounts/password_change/", (SIGN_IN, 200, 200, 200, SIGN_IN)),
    Row("POST", "/accounts/password_change/", (SIGN_IN, 200, 200, 200, SIGN_IN), {}),
    Row("GET", "/accounts/password_change/done/", (SIGN_IN, 200, 200, 200, SIGN_IN)),
    Row("GET", "/accounts/password_reset/", (200, 200, 200, 200, 200)),
    Row("POST", "/accounts/password_reset/", (200, 200, 200, 200, 200), {"email": ""}),
    Row("GET", "/accounts/password_reset/done/", (200, 200, 200, 200, 200)),
    Row("GET", "/accounts/reset/MQ/set-password/", (200, 200, 200, 200, 200)),
    Row("POST", "/accounts/reset/MQ/set-password/", (200, 200, 200, 200, 200), {}),
    Row("GET", "/accounts/reset/done/", (200, 200, 200, 200, 200)),
    Row("GET", "/admin/", (302, 302, 302, 302, 302)),
    # The site's icon, to its static file.
    Row("GET", "/favicon.ico", (302, 302, 302, 302, 302)),
    # The System Configuration webtool.
    Row("GET", "/", ALL),
    Row("GET", "/entity/?type=standalone&name=discovery", (SIGN_IN, 302, 302, 302, SIGN_IN)),
    Row("GET", "/entity/names/?type=standalone&name=d", ALL),
    Row("GET", "/entity/standalone/discovery/", ALL),
    Row("GET", "/entity/standalone/discovery/modify/", (SIGN_IN, 403, 200, 200, SIGN_IN)),
    Row(
        "POST",
        "/entity/standalone/discovery/modify/",
        (SIGN_IN, 403, 302, 302, SIGN_IN),
        {"seq": "{seq}", "v-room": "EN2036"},
    ),
    Row("GET", "/entity/fileMgr/motd/modify/", (SIGN_IN, 403, 200, 200, SIGN_IN)),
    Row(
        "POST",
        "/entity/fileMgr/motd/modify/",
        (SIGN_IN, 403, 403, 302, SIGN_IN),
        {"seq": "{seq}", "v-script": "true"},
    ),
    Row("GET", "/entity/standalone/discovery/history/", ALL),
    Row("GET", "/entity/standalone/discovery/delete/", (SIGN_IN, 403, 200, 200, SIGN_IN)),
    Row("POST", "/entity/standalone/discovery/delete/", (SIGN_IN, 403, 302, 302, SIGN_IN)),
    Row("DELETE", "/entity/standalone/discovery/delete/", (SIGN_IN, 403, 405, 405, SIGN_IN)),
    Row("POST", "/entity/fileMgr/motd/delete/", (SIGN_IN, 403, 403, 302, SIGN_IN)),
    Row("GET", "/create/", (SIGN_IN, 403, 200, 200, SIGN_IN)),
    Row("GET", "/create/standalone/", (SIGN_IN, 403, 200, 200, SIGN_IN)),
    Row(
        "POST",
        "/create/standalone/",
        (SIGN_IN, 403, 302, 302, SIGN_IN),
        {"name": "bumper", "v-domain": "cs.example.edu"},
    ),
    Row(
        "POST",
        "/create/fileMgr/",
        (SIGN_IN, 403, 403, 302, SIGN_IN),
        {"name": "cron", "v-path": "/etc/cron.d/x", "v-mode": "0644"},
    ),
    Row("GET", "/search/", ALL),
    Row("GET", "/search/standalone/", ALL),
    Row(
        "POST",
        "/search/standalone/batch/",
        (SIGN_IN, 403, 200, 200, SIGN_IN),
        {"entity": "{discovery}", "step": "edit"},
    ),
    Row(
        "POST",
        "/search/fileMgr/batch/",
        (SIGN_IN, 403, 403, 302, SIGN_IN),
        {"entity": "{motd}", "step": "apply", "seq": "{seq}", "show": "script", "v-script": "x"},
    ),
    Row("GET", "/search/standalone/values/room/", ALL),
    Row("GET", "/search/standalone/table/CNAMES/", ALL),
    Row(
        "POST",
        "/search/standalone/table/CNAMES/batch/",
        (SIGN_IN, 403, 200, 200, SIGN_IN),
        {"rows": "{discovery}:1", "step": "edit"},
    ),
    Row("GET", "/variables/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("GET", "/variables/standalone/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("GET", "/variables/standalone/add/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    # A form with errors (400) is a form the role may send.
    Row("POST", "/variables/standalone/add/", (SIGN_IN, 403, 403, 400, SIGN_IN), {"name": "x"}),
    Row("GET", "/variables/standalone/room/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("POST", "/variables/standalone/room/", (SIGN_IN, 403, 403, 400, SIGN_IN), {}),
    Row("GET", "/variables/standalone/room/delete/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("POST", "/variables/standalone/room/delete/", (SIGN_IN, 403, 403, 302, SIGN_IN)),
    Row("GET", "/types/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("POST", "/types/", (SIGN_IN, 403, 403, 302, SIGN_IN), {"name": "printer"}),
    Row("GET", "/types/standalone/", ALL),
    Row("GET", "/types/room/delete/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("POST", "/types/room/delete/", (SIGN_IN, 403, 403, 302, SIGN_IN)),
    Row("GET", "/changes/", ALL),
    Row("GET", "/find/?q=disco", ALL),
    Row("GET", "/changes/{room_seq}/revert/", (SIGN_IN, 403, 200, 200, SIGN_IN)),
    Row("POST", "/changes/{room_seq}/revert/", (SIGN_IN, 403, 302, 302, SIGN_IN)),
    Row("GET", "/batches/{batch}/revert/", (SIGN_IN, 403, 200, 200, SIGN_IN)),
    Row("POST", "/batches/{batch}/revert/", (SIGN_IN, 403, 302, 302, SIGN_IN)),
    Row("POST", "/changes/{script_seq}/revert/", (SIGN_IN, 403, 403, 302, SIGN_IN)),
    # The File webtool: reading is everyone's, managing files the admin's.
    Row("GET", "/files/", ALL),
    Row("GET", "/files/motd/", ALL),
    Row(
        "POST",
        "/files/motd/",
        (SIGN_IN, 403, 403, 302, SIGN_IN),
        {"audience": "group", "subject": "labs", "scope": "server", "members": "nermal"},
    ),
    Row("GET", "/files/motd/default_server/", ALL),
    Row(
        "POST",
        "/files/motd/default_server/",
        (SIGN_IN, 403, 403, 302, SIGN_IN),
        {"content": "hello again", "message": "m", "commit": "1"},
    ),
    Row(
        "POST",
        "/files/motd/default_server/",
        (SIGN_IN, 200, 200, 200, SIGN_IN),
        {"content": "hi", "preview_host": "odie", "preview": "1"},
    ),
    Row("GET", "/files/motd/default_server/history/", ALL),
    Row("GET", "/files/motd/default_server/diff/{commit}/", ALL),
    # The agents' pages.
    Row("GET", "/agents/", ALL),
    Row("GET", "/agents/odie/", ALL),
    # Host certificates: everyone reads the list; administrators revoke.
    Row("GET", "/agents/certificates/", ALL),
    Row("POST", "/agents/certificates/999/revoke/", (SIGN_IN, 403, 403, 404, SIGN_IN), {}),
    # The Rsync Info Editor: everyone reads; moving servers and rs_sync are editors' (a
    # refused change comes back to the page with the reason).
    Row("GET", "/imaging/rsync/", ALL),
    Row("GET", "/imaging/rsync/image/sys_test/", ALL),
    Row("POST", "/imaging/rsync/image/sys_test/", (SIGN_IN, 403, 302, 302, SIGN_IN), {}),
    Row("GET", "/imaging/rsync/image/sys_test/dates/", ALL),
    Row(
        "POST",
        "/imaging/rsync/image/sys_test/dates/",
        (SIGN_IN, 403, 302, 302, SIGN_IN),
        {"server": "odie", "row": "9", "sync": "no"},
    ),
    Row("GET", "/imaging/rsync/server/odie/", ALL),
    # Sync now: editors start it (a refused one comes back with the reason); all read a run.
    Row(
        "POST",
        "/imaging/rsync/sync/",
        (SIGN_IN, 403, 302, 302, SIGN_IN),
        {"server": "odie", "row": "9"},
    ),
    Row("GET", "/imaging/rsync/runs/999/", (SIGN_IN, 404, 404, 404, SIGN_IN)),
    # The account webtool (accounts): administrators only. The table's site configures no
    # LDAP directory, so an administrator gets the page saying so (503); the self-service
    # password page is open to everyone, visitors who may not sign in included.
    Row("GET", "/ldap/", LDAP_ADMIN),
    Row("GET", "/ldap/create/", LDAP_ADMIN),
    Row("POST", "/ldap/create/", LDAP_ADMIN, {"uid": "bob", "sn": "B", "kind": "person"}),
    Row("GET", "/ldap/batch/", LDAP_ADMIN),
    Row("POST", "/ldap/batch/", LDAP_ADMIN, {"prefix": "cs", "count": "2"}),
    Row("GET", "/ldap/password/", (200, 200, 200, 200, 200)),
    Row("POST", "/ldap/password/", (200, 200, 200, 200, 200), {"uid": "alice"}),
    Row("GET", "/ldap/alice/", LDAP_ADMIN),
    Row("GET", "/ldap/alice/modify/", LDAP_ADMIN),
    Row("POST", "/ldap/alice/modify/", LDAP_ADMIN, {"sn": "L", "kind": "person"}),
    Row("POST", "/ldap/alice/lock/", LDAP_ADMIN),
    Row("GET", "/imaging/restores/", ALL),
    # Windows 7 appservers' iSCSI storage: everyone reads; only the appserver's own token
    # writes its state and its own WindowsImageTab TimeStamp (an empty body: 400).
    Row("GET", "/imaging/iscsi/", ALL),
    Row("GET", "/imaging/iscsi/odie/", (SIGN_IN, 404, 404, 404, SIGN_IN)),
    Row("POST", "/api/v1/imaging/iscsi/odie/synced/", (401, 403, 403, 403, 400), {}),
    Row("POST", "/api/v1/imaging/iscsi/nermal/synced/", (401, 403, 403, 403, 403), {}),
    Row("POST", "/api/v1/imaging/iscsi/odie/state/", (401, 403, 403, 403, 400), {}),
    # How a client or standalone boots (discovery has no server: the page says so).
    Row("GET", "/imaging/boot/discovery/", ALL),
    # buildserver: everyone reads the runs; only the server's own token writes its build.
    Row("GET", "/imaging/builds/", ALL),
    Row("GET", "/imaging/builds/999/", (SIGN_IN, 404, 404, 404, SIGN_IN)),
    Row("POST", "/api/v1/imaging/buildserver/odie/tables/", (401, 403, 403, 403, 400), {}),
    Row("POST", "/api/v1/imaging/buildserver/nermal/tables/", (401, 403, 403, 403, 403), {}),
    Row("POST", "/api/v1/imaging/buildserver/odie/reports/", (401, 403, 403, 403, 400), {}),
    # WIMPng: administrators only; no session of image x exists here.
    Row("GET", "/wimp/", ADMINS),
    Row("GET", "/wimp/new/new/", ADMINS),
    Row("GET", "/wimp/new/new/?server=odie", ADMINS),
    Row("POST", "/wimp/new/xp/", ADMINS, {}),
    Row("GET", "/wimp/session/x/", (SIGN_IN, 403, 403, 404, SIGN_IN)),
    Row("POST", "/wimp/session/x/done/software/", WIMP_POST),
    Row("POST", "/wimp/session/x/imaging/", WIMP_POST),
    Row("POST", "/wimp/session/x/retry/", WIMP_POST),
    Row("GET", "/wimp/session/x/abandon/", (SIGN_IN, 403, 403, 404, SIGN_IN)),
    Row("POST", "/wimp/session/x/abandon/", WIMP_POST),
    Row("GET", "/wimp/session/x/archive/", (SIGN_IN, 403, 403, 404, SIGN_IN)),
    Row("POST", "/wimp/session/x/archive/", WIMP_POST, {"archive": "keep"}),
    Row("POST", "/api/v1/wimp/tasks/odie/1/", (401, 403, 403, 403, 400), {"state": "done"}),
    Row("POST", "/api/v1/wimp/tasks/nermal/1/", (401, 403, 403, 403, 403), {"state": "done"}),
    # Monitoring.
    Row("GET", "/nms/", ALL),
    Row("GET", "/nms/host/odie/", ALL),
    Row(
        "POST",
        "/nms/host/odie/acknowledge/",
        (SIGN_IN, 403, 302, 302, SIGN_IN),
        {"comment": "disk ordered", "hours": "1"},
    ),
    Row("POST", "/nms/host/odie/collect/", (SIGN_IN, 403, 302, 302, SIGN_IN)),
    Row("POST", "/nms/acknowledgement/{ack}/end/", (SIGN_IN, 403, 302, 302, SIGN_IN)),
    Row("GET", "/nms/maintenance/", ALL),
    Row("POST", "/nms/maintenance/", (SIGN_IN, 403, 200, 200, SIGN_IN), {}),
    Row("POST", "/nms/maintenance/{window}/end/", (SIGN_IN, 403, 302, 302, SIGN_IN)),
    # Backups: the status pages are everyone's; Retrieve Backup Files opens the user's own
    # home (none known here: 404), any backed-up directory (?tree=) only for admins.
    Row("GET", "/backups/", ALL),
    Row("GET", "/backups/server/odie/", (SIGN_IN, 404, 404, 404, SIGN_IN)),
    Row("GET", "/backups/backup-server/odie/", (SIGN_IN, 404, 404, 404, SIGN_IN)),
    Row("GET", "/backups/retrieve/", (SIGN_IN, 404, 404, 200, SIGN_IN)),
    Row("GET", "/backups/retrieve/find/?tree=odie_x", (SIGN_IN, 403, 403, 404, SIGN_IN)),
    Row("GET", "/backups/retrieve/2013-06-09/?tree=odie_x", (SIGN_IN, 403, 403, 404, SIGN_IN)),
    Row(
        "GET",
        "/backups/retrieve/2013-06-09/download/?tree=odie_x",
        (SIGN_IN, 403, 403, 404, SIGN_IN),
    ),
    Row(
        "POST",
        "/backups/retrieve/2013-06-09/restore/",
        (SIGN_IN, 404, 404, 404, SIGN_IN),
        {"path": "a", "new_name": "b"},
    ),
    # Back up now: editors start it (odie has no BackupTable: refused, back with the
    # reason); all read a run.
    Row("POST", "/backups/now/", (SIGN_IN, 403, 302, 302, SIGN_IN), {"server": "odie"}),
    Row("GET", "/backups/now/999/", (SIGN_IN, 404, 404, 404, SIGN_IN)),
    # The API: 401 without credentials; people read; a host's token reads and writes only
    # under its own /agents/<host>/.
    Row("GET", "/api/v1/", (401, 200, 200, 200, 200)),
    Row("GET", "/api/v1/schema/", (401, 200, 200, 200, 200)),
    Row("GET", "/api/v1/docs/", (401, 200, 200, 200, 200)),
    Row("GET", "/api/v1/types/", (401, 200, 200, 200, 200)),
    Row("POST", "/api/v1/types/", (401, 403, 403, 201, 403), {"name": "printer"}),
    Row("GET", "/api/v1/types/standalone/", (401, 200, 200, 200, 200)),
    Row("DELETE", "/api/v1/types/room/", (401, 403, 403, 204, 403)),
    Row("GET", "/api/v1/types/standalone/variables/", (401, 200, 200, 200, 200)),
    Row(
        "POST",
        "/api/v1/types/standalone/variables/",
        (401, 403, 403, 201, 403),
        {"name": "rack"},
    ),
    Row("GET", "/api/v1/types/standalone/variables/room/", (401, 200, 200, 200, 200)),
    Row(
        "PATCH",
        "/api/v1/types/standalone/variables/room/",
        (401, 403, 403, 200, 403),
        {"tooltip": "where"},
    ),
    Row("DELETE", "/api/v1/types/standalone/variables/room/", (401, 403, 403, 204, 403)),
    Row("GET", "/api/v1/entities/", (401, 200, 200, 200, 200)),
    Row(
        "POST",
        "/api/v1/entities/",
        (401, 403, 201, 201, 403),
        {"type": "standalone", "name": "bumper", "values": {"domain": ["cs.example.edu"]}},
    ),
    Row(
        "POST",
        "/api/v1/entities/",
        (401, 403, 403, 201, 403),
        {"type": "fileMgr", "name": "cron", "values": {"path": ["/etc/cron.d/x"]}},
    ),
    Row("GET", "/api/v1/entities/standalone/", (401, 200, 200, 200, 200)),
    Row("GET", "/api/v1/entities/standalone/discovery/", (401, 200, 200, 200, 200)),
    Row(
        "PATCH",
        "/api/v1/entities/standalone/discovery/",
        (401, 403, 200, 200, 403),
        {"values": {"room": ["EN2036"]}},
    ),
    Row(
        "PATCH",
        "/api/v1/entities/fileMgr/motd/",
        (401, 403, 403, 200, 403),
        {"values": {"script": ["id"]}},
    ),
    Row("DELETE", "/api/v1/entities/standalone/discovery/", (401, 403, 204, 204, 403)),
    Row("DELETE", "/api/v1/entities/fileMgr/motd/", (401, 403, 403, 204, 403)),
    Row("GET", "/api/v1/changes/?since=0", (401, 200, 200, 200, 200)),
    Row("POST", "/api/v1/agents/odie/register/", (401, 403, 403, 403, 200)),
    Row("POST", "/api/v1/agents/nermal/register/", (401, 403, 403, 403, 403)),
    Row("GET", "/api/v1/agents/odie/reports/", (401, 200, 200, 200, 403)),
    Row(
        "POST",
        "/api/v1/agents/odie/reports/",
        (401, 403, 403, 403, 201),
        {"id": "{report_id}", "kind": "sync", "seq": 1},
    ),
    Row(
        "POST",
        "/api/v1/agents/nermal/reports/",
        (401, 403, 403, 403, 403),
        {"id": "{report_id}", "kind": "sync", "seq": 1},
    ),
    Row(
        "POST",
        "/api/v1/agents/odie/variables/",
        (401, 403, 403, 403, 200),
        {"values": {"ssh_key": ["ssh-ed25519 AAAA odie"]}},
    ),
    # A CSR: only the host's own token (an empty request: 400).
    Row("POST", "/api/v1/agents/odie/certificate/", (401, 403, 403, 403, 400), {}),
    Row("POST", "/api/v1/agents/nermal/certificate/", (401, 403, 403, 403, 403), {}),
    Row("GET", "/api/v1/mirror/", (401, 200, 200, 200, 200)),
    Row("GET", "/api/v1/files/motd/default_server/content/", (401, 200, 200, 200, 200)),
    Row("POST", "/api/v1/nms/hosts/odie/reports/", (401, 403, 403, 403, 201), NMS_REPORT),
    # Printing: a user's own page; every job, credit, refunds and reports are admins'; the
    # charge and finish of a job are the print server's token's (an empty job: 400).
    Row("GET", "/printing/", ALL),
    Row("GET", "/printing/jobs/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("POST", "/printing/jobs/", (SIGN_IN, 403, 403, 200, SIGN_IN), {}),
    Row("POST", "/printing/jobs/999/refund/", (SIGN_IN, 403, 403, 404, SIGN_IN), {}),
    Row("POST", "/printing/mine/999/release/", (SIGN_IN, 404, 404, 404, SIGN_IN), {}),
    Row("GET", "/printing/report/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("GET", "/printing/topups/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("POST", "/printing/mine/999/refund/", (SIGN_IN, 404, 404, 404, SIGN_IN), {}),
    Row("GET", "/printing/refunds/", (SIGN_IN, 403, 403, 200, SIGN_IN)),
    Row("POST", "/printing/refunds/999/", (SIGN_IN, 403, 403, 404, SIGN_IN), {}),
    Row("POST", "/printing/", (SIGN_IN, 200, 200, 200, SIGN_IN), {"charge_to": "none"}),
    Row("POST", "/printing/quotas/", (SIGN_IN, 403, 403, 302, SIGN_IN), {}),
    Row("POST", "/printing/departments/", (SIGN_IN, 403, 403, 302, SIGN_IN), {}),
    Row("POST", "/printing/topups/", (SIGN_IN, 403, 403, 400, SIGN_IN), {}),
    Row("POST", "/api/v1/printing/hosts/odie/jobs/", (401, 403, 403, 403, 400), {}),
    Row("POST", "/api/v1/printing/hosts/nermal/jobs/", (401, 403, 403, 403, 403), {}),
    Row("POST", "/api/v1/printing/hosts/odie/jobs/1/finish/", (401, 403, 403, 403, 400), {}),
    Row("POST", "/api/v1/printing/hosts/odie/jobs/counted/", (401, 403, 403, 403, 400), {}),
    # lnrsync's rs_date: only the source host's token, only rows naming it (odie has none).
    Row(
        "POST",
        "/api/v1/imaging/rsync/odie/done/",
        (401, 403, 403, 403, 400),
        {"rows": [{"server": "nermal", "dst": "/diskless"}]},
    ),
    Row(
        "POST",
        "/api/v1/imaging/rsync/nermal/done/",
        (401, 403, 403, 403, 403),
        {"rows": [{"server": "odie", "dst": "/diskless"}]},
    ),
    # A sync now's progress: only the token of the host pushing the step (odie pushes none).
    Row(
        "POST",
        "/api/v1/imaging/rsync/odie/steps/1/",
        (401, 403, 403, 403, 400),
        {"state": "synced"},
    ),
    Row(
        "POST",
        "/api/v1/imaging/rsync/nermal/steps/1/",
        (401, 403, 403, 403, 403),
        {"state": "synced"},
    ),
    Row("POST", "/api/v1/nms/hosts/nermal/reports/", (401, 403, 403, 403, 403), NMS_REPORT),
    # A backup server's report: its own token only (odie backs nothing up: nothing to set).
    Row("POST", "/api/v1/backups/odie/report/", (401, 403, 403, 403, 200), {"disks": []}),
    Row("POST", "/api/v1/backups/nermal/report/", (401, 403, 403, 403, 403), {"disks": []}),
    # A back up now's progress: only the token of the backup server running the step (odie
    # runs none).
    Row("POST", "/api/v1/backups/odie/steps/1/", (401, 403, 403, 403, 400), {"state": "done"}),
    Row("POST", "/api/v1/backups/nermal/steps/1/", (401, 403, 403, 403, 403), {"state": "done"}),
    # The master directory server's machine accounts: its own token only, and only a server
    # with the masterldap function (odie has none).
    Row("POST", "/api/v1/accounts/machines/odie/", (401, 403, 403, 403, 403), {}),
    Row("POST", "/api/v1/accounts/machines/nermal/", (401, 403, 403, 403, 403), {}),
    # A client's restoreimage result: its own token only.
    Row("POST", "/api/v1/imaging/restores/odie/", (401, 403, 403, 403, 201), RESTORE),
    Row("POST", "/api/v1/imaging/restores/nermal/", (401, 403, 403, 403, 403), RESTORE),
    # An appserver's boot daemons and the requests they saw: its own token only.
    Row("POST", "/api/v1/imaging/boot/odie/", (401, 403, 403, 403, 201), BOOT_REPORT),
    Row("POST", "/api/v1/imaging/boot/nermal/", (401, 403, 403, 403, 403), BOOT_REPORT),
]


@pytest.fixture
def site(db, settings, tmp_path, monkeypatch) -> dict[str, str]:
    """What the table's URLs name: an entity of each kind, a managed file, an agent and its
    report, a monitored host with an acknowledgement and a maintenance window, changes."""
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    monkeypatch.setattr("nms.views.request_collection", lambda name: True)
    standalone = factories.entity_type(
        "standalone", domain={}, room={}, cn_name={"table": "CNAMES"}
    )
    discovery = factories.entity(
        standalone,
        "discovery",
        domain="cs.example.edu",
        room="EN1018",
        tables={"CNAMES": [{"cn_name": "mail"}]},
    )
    factories.entity_type("room")
    hosts.host("server", "odie", room="EN1018", dept="cs", site="mun")
    hosts.host("server", "nermal", dept="math", site="mun")
    factories.entity(
        factories.demo_type("rsyncImage"), "sys_test", host="odie", directory="/mnt/sys"
    )
    motd = hosts.managed_file("motd", "/etc/motd", {"default_server": ("hello", False)})
    entity_services.do_set_values(motd, {"script": ["true"]}, user="tests")
    do_make_host_token("odie")
    do_make_host_token("nermal")
    report = {"id": str(uuid.uuid4()), "kind": "sync", "seq": 1}
    do_record_report(AgentHost.objects.get(name="odie"), report)
    ingest_report("odie", {"mdstat": [{"item": "/dev/md0", "value": "degraded"}]})
    now = timezone.now()
    ack = nms_services.do_acknowledge(
        Host.objects.get(name="odie"), comment="c", expires=now + timedelta(hours=1), user="t"
    )
    window = nms_services.do_schedule_maintenance(
        host="odie", start=now, end=now + timedelta(hours=1), comment="c", user="t"
    )
    room_change = Change.objects.filter(entity="discovery", variable="room").get()
    return {
        "seq": str(Change.objects.order_by("-seq").first().seq),
        "batch": str(room_change.batch),
        "room_seq": str(room_change.seq),
        "script_seq": str(Change.objects.get(entity="motd", variable="script").seq),
        "discovery": str(discovery.pk),
        "motd": str(motd.pk),
        "commit": MasterStore().history("motd", "default_server")[0].commit,
        "ack": str(ack.pk),
        "window": str(window.pk),
        "report_id": str(uuid.uuid4()),
    }


def clients(people: dict) -> dict[str, APIClient]:
    """A new client for each of WHO (a row may sign its client out)."""
    by_who = {"anonymous": APIClient(), "host": APIClient()}
    token = AgentHost.objects.get(name="odie").user.auth_token.key
    by_who["host"].credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for role, user in people.items():
        by_who[role] = APIClient()
        by_who[role].force_login(user)
    return by_who


def filled(value, names: dict[str, str]):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: filled(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, names) for v in value]
    return value


def answer(client: APIClient, row: Row, names: dict[str, str]) -> int:
    """The status of one request, whose changes are then rolled back: every row starts from
    the same site."""
    url, data = filled(row.url, names), filled(row.data or {}, names)
    send = getattr(client, row.method.lower())
    with transaction.atomic():
        if row.method == "GET":
            status = send(url)
        else:
            status = send(url, data, format="json" if url.startswith("/api/") else "multipart")
        transaction.set_rollback(True)
    return status.status_code


def test_each_role_gets_the_status_of_the_table(site):
    people = {role: factories.user(role) for role in ("viewer", "editor", "admin")}
    wrong = []
    for row in MATRIX:
        by_who = clients(people)
        got = tuple(answer(by_who[who], row, site) for who in WHO)
        if got != row.status:
            wrong.append(f"{row.method} {row.url}: {got}, the table says {row.status}")
    assert wrong == []


def routes(patterns, prefix: str = ""):
    """(route, view class) of every URL pattern of the site."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            yield prefix + str(pattern.pattern), getattr(callback, "view_class", callback)


def test_every_url_and_method_has_a_row(site):
    covered = {(resolve(filled(r.url, site).split("?")[0]).route, r.method) for r in MATRIX}
    missing = []
    for route, view in routes(get_resolver().url_patterns):
        if route.startswith(ADMIN):
            continue
        allowed = getattr(view, "http_method_names", METHODS)
        for method in METHODS:
            # Django's form views answer PUT as POST: the POST row stands for both.
            if method == "put" and getattr(view, "put", None) is ProcessFormView.put:
                continue
            if method in allowed and hasattr(view, method):
                if (route, method.upper()) not in covered:
                    missing.append(f"{method.upper()} {route}")
    assert missing == []
    assert any(resolve(filled(r.url, site)).route.startswith(ADMIN) for r in MATRIX)
