"""The host agent's runtime (the guide's lnsysconfigd and lnclientconfigd).

Nothing here imports the ORM or Django: the agent holds no database credentials and reads the
configuration through the REST API and its own XML mirror."""
