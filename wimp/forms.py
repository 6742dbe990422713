"""The forms that start each mode's session; they never save: the view passes cleaned_data
to a service."""

from __future__ import annotations

from django import forms

from . import images

MAX_NAME = 63
MAX_SIZE = 14
MAX_PATH = 255
SIZE_HELP = "a number of MiB, or with a suffix: 512M, 50G, 1T"


def _choices(names: list[str]) -> list[tuple[str, str]]:
    return [(n, n) for n in names]


class ServerForm(forms.Form):
    """The first choice of the managed modes: a Windows 7 appserver."""

    server = forms.ChoiceField(label="Windows 7 appserver")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["server"].choices = _choices(images.windows7_appservers())


class _OnServer(forms.Form):
    def __init__(self, server: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.server = server
        if "client" in self.fields:
            self.fields["client"].choices = [
                (name, f"{name} ({hardware})") for name, hardware in images.clients_of(server)
            ]
        for name in ("image", "source"):
            field = self.fields.get(name)
            if isinstance(field, forms.ChoiceField):
                field.choices = _choices(images.images_of(server))


class NewInstallForm(_OnServer):
    client = forms.ChoiceField(help_text="The client the image is installed from")
    image = forms.CharField(max_length=MAX_NAME, label="Image name", help_text="A new name")
    image_size = forms.CharField(max_length=MAX_SIZE, label="Image size", help_text=SIZE_HELP)
    cow_size = forms.CharField(max_length=MAX_SIZE, label="COW size", help_text=SIZE_HELP)


class UpdateForm(_OnServer):
    client = forms.ChoiceField()
    image = forms.ChoiceField()


class CloneForm(_OnServer):
    client = forms.ChoiceField()
    source = forms.ChoiceField(label="Image to clone")
    image = forms.CharField(max_length=MAX_NAME, label="New image name")
    image_size = forms.CharField(
        max_length=MAX_SIZE, required=False, label="Image size", help_text="empty: the same"
    )
    cow_size = forms.CharField(
        max_length=MAX_SIZE, required=False, label="COW size", help_text="empty: the same"
    )


class DeleteForm(_OnServer):
    image = forms.ChoiceField()


class LocalForm(forms.Form):
    """The local disk modes and the XP WIMP: a client booted into diskless Linux."""

    client = forms.CharField(max_length=MAX_NAME, label="Machine hostname")
    image = forms.CharField(max_length=MAX_NAME, label="Image name")
    partition = forms.RegexField(
        regex=r"^/dev/[A-Za-z0-9/_-]{1,60}$",
        label="Windows partition",
        initial="/dev/sda1",
        error_messages={"invalid": "a device under /dev, like /dev/sda1"},
    )
    archive_dir = forms.RegexField(
        regex=r"^/[A-Za-z0-9._/+-]{0,250}$",
        max_length=MAX_PATH,
        label="Image directory",
        initial="/images/local",
        help_text="on the client: its 4th partition or the server's /images, mounted",
        error_messages={"invalid": "an absolute path of letters, digits and . _ / + -"},
    )


class SelectTypeForm(forms.Form):
    choice = forms.ChoiceField(
        choices=[
            ("create", "Create an image (install)"),
            ("upgrade", "Upgrade an image (on to Software Setup)"),
            ("restore", "Retrieve/Restore an image"),
            ("delete", "Delete an image (from the 4th partition)"),
        ]
    )
