"""What Labnet keeps of its directory beside the directory itself: who did what to which
account. The accounts live in LDAP (accounts.services writes them)."""

from django.db import models

from .choices import Action


class AccountChange(models.Model):
    """One change to a directory account, by a person of the webtool, the account's owner,
    ldapsync or the expiry task. `detail` names what changed, never a password."""

    uid = models.CharField(max_length=64, help_text="The account's uid.")
    action = models.CharField(max_length=32, choices=Action.choices)
    actor = models.CharField(max_length=150, help_text="Who made the change, or which task.")
    at = models.DateTimeField(auto_now_add=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["uid", "-at"], name="accountchange_uid_at")]
        permissions = [("manage_accounts", "Can manage directory accounts")]

    def __str__(self) -> str:
        return f"{self.uid}: {self.get_action_display()} by {self.actor}"
