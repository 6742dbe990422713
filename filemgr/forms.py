from django import forms

from core.hosts import HOST_TYPES
from entities.models import Entity

from .resolution import (
    APPSERVER,
    BOTH,
    CLIENT,
    DEFAULT,
    DEPT,
    GROUP,
    HOST,
    SERVER,
    SITE,
    instance_name,
    is_instance_name,
)

AUDIENCES = [
    (GROUP, "Group (hosts named in their Config_Files_Table)"),
    (HOST, "Host"),
    (APPSERVER, "Appserver (all its clients)"),
    (DEPT, "Department"),
    (SITE, "Site"),
    (DEFAULT, "Default"),
]
SCOPES = [(SERVER, "Servers"), (CLIENT, "Clients"), (BOTH, "Servers and clients' image")]


class NewInstanceForm(forms.Form):
    audience = forms.ChoiceField(choices=AUDIENCES)
    subject = forms.CharField(
        required=False, help_text="The group, host, appserver, department or site name."
    )
    scope = forms.ChoiceField(choices=SCOPES, initial=SERVER)
    members = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For a group: host names, one a line; each gets a Config_Files_Table row.",
    )

    def clean(self) -> dict:
        data = super().clean()
        audience, subject = data.get("audience"), (data.get("subject") or "").strip()
        if audience != DEFAULT and not subject:
            raise forms.ValidationError("Name the group, host, appserver, department or site.")
        data["subject"] = subject
        members = (data.get("members") or "").split()
        found = set(
            Entity.objects.filter(entity_type__name__in=HOST_TYPES, name__in=members).values_list(
                "name", flat=True
            )
        )
        if unknown := sorted(set(members) - found):
            raise forms.ValidationError(f"No host named {', '.join(unknown)}.")
        data["members"] = members
        data["instance"] = instance_name(audience, subject, data.get("scope") or SERVER)
        if not is_instance_name(data["instance"]):
            raise forms.ValidationError(
                f"{data['instance']!r} is not an instance name: use letters, digits, '_', '-' "
                "and '.' (not first)."
            )
        return data


class InstanceEditForm(forms.Form):
    content = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"rows": 24, "class": "mono"})
    )
    template = forms.BooleanField(required=False, help_text="Rendered per host by the agent.")
    message = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Log message"
    )
    preview_host = forms.CharField(required=False, label="Preview for host")
