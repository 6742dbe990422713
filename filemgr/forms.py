from django import forms

from entities.models import Entity

from .resolution import CLIENT, SERVER

AUDIENCES = [
    ("group", "Group (hosts named in their Config_Files_Table)"),
    ("host", "Host"),
    ("appserver", "Appserver (all its clients)"),
    ("dept", "Department"),
    ("site", "Site"),
    ("default", "Default"),
]
SCOPES = [("server", "Servers"), ("client", "Clients"), ("both", "Servers and clients' image")]


def instance_name(audience: str, subject: str, scope: str) -> str:
    """The FileTable instance name for an audience (DESIGN.md's naming)."""
    if audience == "group":
        return subject
    if audience == "default":
        return "default" if scope == "both" else f"default_{scope}"
    if audience == "appserver":
        return f"{subject}@appserver_client"
    suffix = "" if scope == "both" else f"_{scope}"
    return f"{subject}@{audience}{suffix}"


class NewInstanceForm(forms.Form):
    audience = forms.ChoiceField(choices=AUDIENCES)
    subject = forms.CharField(
        required=False, help_text="The group, host, appserver, department or site name."
    )
    scope = forms.ChoiceField(choices=SCOPES, initial="server")
    members = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For a group: host names, one a line; each gets a Config_Files_Table row.",
    )

    def clean(self) -> dict:
        data = super().clean()
        audience, subject = data.get("audience"), (data.get("subject") or "").strip()
        if audience != "default" and not subject:
            raise forms.ValidationError("Name the group, host, appserver, department or site.")
        data["subject"] = subject
        members = (data.get("members") or "").split()
        found = set(
            Entity.objects.filter(
                entity_type__name__in=(CLIENT, SERVER), name__in=members
            ).values_list("name", flat=True)
        )
        if unknown := sorted(set(members) - found):
            raise forms.ValidationError(f"No host named {', '.join(unknown)}.")
        data["members"] = members
        data["instance"] = instance_name(audience, subject, data.get("scope") or "server")
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
