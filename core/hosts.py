"""What a host is: managed hosts are the entities of the client and server types. No Django
here: web, fan-out and agent share it."""

from __future__ import annotations

CLIENT = "client"
SERVER = "server"
# Searched in this order for a host whose type is not given.
HOST_TYPES = (CLIENT, SERVER)
