"""`*` patterns of the search forms, matched by the database without backtracking.

A pattern becomes SQLite's GLOB or MariaDB's LIKE BINARY, never a regular expression: a run of
`.*` makes a backtracking regex engine try every split of the value (one search of
`********Q` took minutes), while both GLOB and LIKE give up on a `*` as soon as the rest of
the pattern has reached the end of the value, which keeps them fast on any pattern. Both
compare case-sensitively, as the searches always have; every other character is literal."""

from __future__ import annotations

import re

from django.db.models import F, Lookup

WILDCARD = "*"
GLOB_SPECIAL_RE = re.compile(r"([\[?])")


def literal_parts(pattern: str) -> list[str]:
    """The literal text between the wildcards of pattern; runs of wildcards count as one."""
    return re.split(r"\*+", pattern)


def wildcard(field: str, pattern: str) -> Wildcard:
    """A filter: the whole of field matches pattern, `*` standing for any text (newlines
    included)."""
    return Wildcard(F(field), pattern)


class Wildcard(Lookup):
    lookup_name = "wildcard"
    prepare_rhs = False

    def as_sqlite(self, compiler, connection) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # In GLOB, [ and ? are special; "[x]" matches x literally.
        parts = [GLOB_SPECIAL_RE.sub(r"[\1]", part) for part in literal_parts(self.rhs)]
        return f"{lhs} GLOB %s", [*lhs_params, "*".join(parts)]

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        # MariaDB: LIKE BINARY compares bytes, so case counts whatever the column's collation.
        lhs, lhs_params = self.process_lhs(compiler, connection)
        parts = [connection.ops.prep_for_like_query(part) for part in literal_parts(self.rhs)]
        return f"{lhs} LIKE BINARY %s", [*lhs_params, "%".join(parts)]
