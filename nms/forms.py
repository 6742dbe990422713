"""Forms of the NMS pages: acknowledge a problem, schedule maintenance."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from .models import MaintenanceWindow

DURATIONS = [
    ("1", "1 hour"),
    ("4", "4 hours"),
    ("24", "1 day"),
    ("72", "3 days"),
    ("168", "1 week"),
]
WHOLE_HOST = ""


class AcknowledgementForm(forms.Form):
    metric = forms.ChoiceField(label="Problem", required=False)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    hours = forms.ChoiceField(label="For", choices=DURATIONS, initial="24")

    def __init__(self, *args, metrics: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"{c}\t{i}", f"{c} {i}".strip()) for c, i in metrics]
        self.fields["metric"].choices = [(WHOLE_HOST, "Every problem of this host"), *choices]

    @property
    def category_item(self) -> tuple[str, str]:
        category, _, item = self.cleaned_data["metric"].partition("\t")
        return category, item

    @property
    def expires(self):
        return timezone.now() + timedelta(hours=int(self.cleaned_data["hours"]))


class MaintenanceForm(forms.ModelForm):
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = MaintenanceWindow
        fields = ["host", "domain", "start", "end", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"host": "One host, or", "domain": "every host of a domain."}

    def __init__(self, *args, domains: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"] = forms.ChoiceField(
            choices=[("", "—"), *((d, d) for d in domains)], required=False
        )
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["start"].initial = now.strftime("%Y-%m-%dT%H:%M")
        self.fields["end"].initial = (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
