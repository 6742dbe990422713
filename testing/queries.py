"""Making a write land between two reads of one request, as a concurrent user's would."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def right_after(table: str, write: Callable[[], object]) -> Iterator[None]:
    """Run write once, right after the first query that reads from table."""
    reads = re.compile(rf"FROM\W+{table}\W")
    done = False

    def wrapper(execute, sql, params, many, context):
        nonlocal done
        result = execute(sql, params, many, context)
        if not done and reads.search(sql):
            done = True
            write()
        return result

    with connection.execute_wrapper(wrapper):
        yield
