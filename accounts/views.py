"""The account webtool (guide 4.3, administrators only) and the self-service password page
(anyone with an account: visitors, who may not sign in to the tools, included).

Every change goes through accounts.services; a refusal is shown beside its field, or as a
message on the account's page. A directory that is not configured or does not answer is a
503 page saying so."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from core.permissions import MANAGE_ACCOUNTS, PermissionView
from core.refusals import add_to_forms, refusal_text
from core.tables import configure

from . import services
from .forms import (
    AccountCreateForm,
    AccountFieldsForm,
    BatchForm,
    ExpiryForm,
    GroupsForm,
    LinkedForm,
    PasswordChangeForm,
    SearchForm,
)
from .models import AccountChange
from .tables import AccountTable, HistoryTable


class DirectoryView(PermissionView, View):
    """An administrator's page of the webtool."""

    permission_required = MANAGE_ACCOUNTS

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except services.AccountNotFound:
            raise Http404(f"No account {kwargs.get('uid', '')!r} in the directory.") from None
        except ValidationError as refusal:
            context = {"problem": refusal_text(refusal)}
            return render(request, "accounts/unavailable.html", context, status=503)


class SearchView(DirectoryView):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = SearchForm(request.GET)
        text = form.cleaned_data["q"] if form.is_valid() else ""
        accounts, more = services.search_accounts(text)
        table = configure(AccountTable(accounts), request)
        context = {"form": form, "table": table, "more": more, "limit": len(accounts)}
        return render(request, "accounts/search.html", context)


class CreateView(DirectoryView):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = AccountCreateForm(groups=services.group_names())
        return render(request, "accounts/create.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AccountCreateForm(request.POST, groups=services.group_names())
        if form.is_valid():
            try:
                account, password = services.do_create_account(request.user, **form.cleaned_data)
            except ValidationError as refusal:
                add_to_forms(refusal, form)
            else:
                context = {"uid": account.uid, "password": password, "made": "created"}
                return render(request, "accounts/password.html", context)
        return render(request, "accounts/create.html", {"form": form})


class BatchView(DirectoryView):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = BatchForm(groups=services.group_names())
        return render(request, "accounts/batch.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BatchForm(request.POST, groups=services.group_names())
        if form.is_valid():
            try:
                sheet = services.do_create_batch(request.user, **form.cleaned_data)
            except ValidationError as refusal:
                add_to_forms(refusal, form)
            else:
                context = {"sheet": sheet, **form.cleaned_data}
                return render(request, "accounts/sheet.html", context)
        return render(request, "accounts/batch.html", {"form": form})


class AccountView(DirectoryView):
    def get(self, request: HttpRequest, uid: str) -> HttpResponse:
        account = services.get_account(uid)
        history = configure(HistoryTable(AccountChange.objects.filter(uid=account.uid)), request)
        context = {
            "account": account,
            "history": history,
            "expiry_form": ExpiryForm(initial={"expiry": account.expiry}),
            "groups_form": GroupsForm(
                initial={"groups": account.groups}, groups=services.group_names()
            ),
            "linked_form": LinkedForm(initial={"campus_id": account.campus_id}),
            "synced": sorted(services.synced_fields()) if account.linked else [],
        }
        return render(request, "accounts/account.html", context)


class ModifyView(DirectoryView):
    def get(self, request: HttpRequest, uid: str) -> HttpResponse:
        account = services.get_account(uid)
        initial = {name: getattr(account, name) for name in AccountFieldsForm.base_fields}
        form = AccountFieldsForm(initial=initial)
        return render(request, "accounts/modify.html", {"form": form, "account": account})

    def post(self, request: HttpRequest, uid: str) -> HttpResponse:
        account = services.get_account(uid)
        form = AccountFieldsForm(request.POST)
        if form.is_valid():
            try:
                services.do_modify_account(request.user, account.uid, **form.cleaned_data)
            except ValidationError as refusal:
                add_to_forms(refusal, form)
            else:
                messages.success(request, f"{account.uid} modified.")
                return redirect("accounts:account", account.uid)
        return render(request, "accounts/modify.html", {"form": form, "account": account})


class ActionView(DirectoryView):
    """The account page's buttons: lock, unlock, reset, expiry, groups, linked."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, uid: str, action: str) -> HttpResponse:
        account = services.get_account(uid)
        user, data = request.user, request.POST
        try:
            if action == "lock":
                services.do_lock(user, account.uid)
            elif action == "unlock":
                services.do_unlock(user, account.uid)
            elif action == "reset":
                password = services.do_reset_password(user, account.uid)
                context = {"uid": account.uid, "password": password, "made": "given a new password"}
                return render(request, "accounts/password.html", context)
            elif action == "expiry":
                form = ExpiryForm(data)
                _valid(form)
                services.do_set_expiry(user, account.uid, form.cleaned_data["expiry"])
            elif action == "groups":
                form = GroupsForm(data, groups=services.group_names())
                _valid(form)
                services.do_set_groups(user, account.uid, form.cleaned_data["groups"])
            elif action == "linked":
                form = LinkedForm(data)
                _valid(form)
                services.do_set_linked(user, account.uid, form.cleaned_data["campus_id"] or None)
            else:
                raise Http404(f"No action {action[:40]!r}.")
        except ValidationError as refusal:
            messages.error(request, refusal_text(refusal))
        else:
            messages.success(request, f"{account.uid}: {action} done.")
        return redirect(reverse("accounts:account", args=[account.uid]))


def _valid(form) -> None:
    if not form.is_valid():
        raise ValidationError(
            "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        )


class PasswordView(View):
    """Self-service: change one's own password under the directory's policy. Open without
    signing in, so that visitors (who may not sign in to the tools) use it too; slapd checks
    the current password and locks after too many wrong ones."""

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {"uid": request.user.get_username()} if request.user.is_authenticated else {}
        return render(
            request, "accounts/password_change.html", {"form": PasswordChangeForm(initial=initial)}
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.do_change_own_password(
                    data["uid"], data["old_password"], data["new_password"]
                )
            except ValidationError as refusal:
                add_to_forms(refusal, form)
            except services.AccountNotFound:
                form.add_error("old_password", "The user name or the current password is wrong.")
            else:
                return render(request, "accounts/password_changed.html", {"uid": data["uid"]})
        return render(request, "accounts/password_change.html", {"form": form})
