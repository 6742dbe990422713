"""ldapsync (guide 4.2): keep the configured attributes of linked accounts equal to the
campus directory's. Unlinked accounts are never read for writing; a linked account whose
campus identity is gone is flagged (labnetCampusGone), never deleted.

Both directories are read whole, in pages, once per run and compared in memory, so a run
costs two searches plus one modify per account that changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError

from . import directory, layout, services
from .entries import search_all


@dataclass
class SyncReport:
    """What a run changed (or, dry, would change)."""

    linked: int = 0
    changed: dict[str, dict[str, tuple[list[str], list[str]]]] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    back: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        found = [
            f"{uid}: {name} {old!r} -> {new!r}"
            for uid, changes in sorted(self.changed.items())
            for name, (old, new) in sorted(changes.items())
        ]
        found += [f"{uid}: campus identity gone, flagged" for uid in self.gone]
        found += [f"{uid}: campus identity found again" for uid in self.back]
        return found


def attributes() -> list[str]:
    configured = [a.strip() for a in settings.LABNET_LDAPSYNC_ATTRIBUTES if a.strip()]
    wrong = sorted(set(configured) - services.SYNCABLE)
    if wrong:
        raise ValidationError(f"LABNET_LDAPSYNC_ATTRIBUTES names {', '.join(wrong)}: not syncable.")
    return configured


def _values(attrs: dict[str, list[bytes]], name: str) -> list[str]:
    # Attribute names come back as the server spells them.
    for key, values in attrs.items():
        if key.lower() == name.lower():
            return sorted(v.decode() for v in values)
    return []


def ldapsync(dry_run: bool = False, user: object = "ldapsync") -> SyncReport:
    """One run: compare, then (unless dry_run) write through accounts.services."""
    synced = attributes()
    labnet, campus = directory.labnet(), directory.campus()
    report = SyncReport()
    ours = labnet.connect()
    try:
        linked = list(
            search_all(
                ours,
                layout.unit_dn(labnet.base, layout.PEOPLE),
                "(&(objectClass=posixAccount)(labnetLinked=TRUE))",
                ["uid", "labnetCampusId", "labnetCampusGone", *synced],
            )
        )
    finally:
        ours.unbind_s()
    theirs = campus.connect()
    try:
        campus_entries = {
            _values(attrs, "uid")[0]: attrs
            for _, attrs in search_all(theirs, campus.base, "(uid=*)", ["uid", *synced])
            if _values(attrs, "uid")
        }
    finally:
        theirs.unbind_s()
    report.linked = len(linked)
    for _, attrs in linked:
        uid = _values(attrs, "uid")[0]
        campus_id = (_values(attrs, "labnetCampusId") or [uid])[0]
        flagged = _values(attrs, "labnetCampusGone") == ["TRUE"]
        source = campus_entries.get(campus_id)
        if source is None:
            if not flagged:
                report.gone.append(uid)
            continue
        if flagged:
            report.back.append(uid)
        changes = {
            name: (_values(attrs, name), _values(source, name))
            for name in synced
            if _values(attrs, name) != _values(source, name)
        }
        if changes:
            report.changed[uid] = changes
    if not dry_run:
        for uid, changes in report.changed.items():
            services.do_sync_account(user, uid, {name: new for name, (_, new) in changes.items()})
        for uid in report.gone:
            services.do_flag_campus_gone(user, uid, True)
        for uid in report.back:
            services.do_flag_campus_gone(user, uid, False)
    return report
