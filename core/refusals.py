"""A service's refusal (the django ValidationError an action function raises before it writes
anything) as each door shows it: errors on a form, a 400 from the API, a message in the admin.

Views, API and admin call these instead of unpacking the error themselves, so a refusal reads
the same whichever door the user came through."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from rest_framework.exceptions import ValidationError as APIValidationError


def refusal_messages(refusal: ValidationError) -> dict[str, list[str]]:
    """Field name (NON_FIELD_ERRORS for the whole) -> its messages."""
    if hasattr(refusal, "error_dict"):
        return refusal.message_dict
    return {NON_FIELD_ERRORS: refusal.messages}


def refusal_text(refusal: ValidationError) -> str:
    """Every message in one line, for a flash message or an error box."""
    return " ".join(m for ms in refusal_messages(refusal).values() for m in ms)


def add_to_forms(refusal: ValidationError, *forms) -> None:
    """Each message beside the field it names, in the first of forms that has that field;
    the others on the last form as a whole. A form is a Django form or anything with its
    `fields` and `add_error(field, messages)`."""
    for field, found in refusal_messages(refusal).items():
        form = next((f for f in forms if field in f.fields), None)
        if form is None:
            forms[-1].add_error(None, found)
        else:
            form.add_error(field, found)


def api_refusal(refusal: ValidationError) -> APIValidationError:
    """The refusal as the API's 400 answer, keeping each message under its field
    (`raise api_refusal(exc) from None`)."""
    if hasattr(refusal, "error_dict"):
        return APIValidationError(refusal.message_dict)
    return APIValidationError({"non_field_errors": refusal.messages})


def admin_message(model_admin: admin.ModelAdmin, request: HttpRequest, refusal) -> None:
    for found in refusal_messages(refusal).values():
        for message in found:
            model_admin.message_user(request, message, messages.ERROR)


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose saves and deletes call the service layer: a refusal is rolled back (the
    admin's own transaction, LogEntry included) and shown as a message on the page it came
    from, never a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            admin_message(self, request, refusal)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refusal:
            admin_message(self, request, refusal)
            return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        # One service call per object, each refused or done on its own.
        for obj in queryset:
            try:
                self.delete_model(request, obj)
            except ValidationError as refusal:
                admin_message(self, request, refusal)
