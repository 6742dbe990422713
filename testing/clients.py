"""Signed-in test clients, one per role: what every view test starts from."""

from __future__ import annotations

from django.test import Client

from . import factories


def signed_in(role: str, username: str | None = None) -> Client:
    """A client signed in as a new user of role (viewer, editor or admin)."""
    client = Client()
    client.force_login(factories.user(role, username))
    return client
