"""The account webtool's forms. They never write: the view passes cleaned_data to
accounts.services, which checks everything again (uid pattern, sizes, groups)."""

from __future__ import annotations

from django import forms

from .choices import Kind
from .services import MAX_BATCH, MAX_NAME, MAX_PASSWORD


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")


class AccountFieldsForm(forms.Form):
    given_name = forms.CharField(required=False, max_length=MAX_NAME, label="Given name")
    sn = forms.CharField(max_length=MAX_NAME, label="Surname")
    mail = forms.CharField(required=False, max_length=256)
    affiliation = forms.CharField(required=False, max_length=64)
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.PERSON)
    sponsor = forms.CharField(required=False, max_length=256, help_text="Mail, told before expiry")
    home_server = forms.CharField(required=False, max_length=253, label="Home server")
    windows = forms.BooleanField(
        required=False, label="Windows access", help_text="Stores the (weak) Samba NT hash"
    )


class AccountCreateForm(AccountFieldsForm):
    uid = forms.CharField(max_length=32, label="User name")
    expiry = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    groups = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args, groups: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = [(g, g) for g in groups]


class BatchForm(forms.Form):
    prefix = forms.CharField(max_length=24, help_text="User names are the prefix and a number")
    count = forms.IntegerField(min_value=1, max_value=MAX_BATCH)
    expiry = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    sponsor = forms.CharField(max_length=256, help_text="Mail of the teacher")
    groups = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args, groups: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = [(g, g) for g in groups]


class ExpiryForm(forms.Form):
    expiry = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Empty: never"
    )


class GroupsForm(forms.Form):
    groups = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args, groups: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = [(g, g) for g in groups]


class LinkedForm(forms.Form):
    campus_id = forms.CharField(
        required=False, max_length=32, label="Campus identity", help_text="Empty: not linked"
    )


class PasswordChangeForm(forms.Form):
    uid = forms.CharField(max_length=32, label="User name")
    old_password = forms.CharField(max_length=MAX_PASSWORD, widget=forms.PasswordInput)
    new_password = forms.CharField(max_length=MAX_PASSWORD, widget=forms.PasswordInput)
    again = forms.CharField(
        max_length=MAX_PASSWORD, widget=forms.PasswordInput, label="New password again"
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("again"):
            self.add_error("again", "The two new passwords differ.")
        return data
