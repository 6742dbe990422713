"""The directory's host side: the `masterldap` server function's handler. Plain data in, the
API out: nothing here imports Django or the ORM."""
