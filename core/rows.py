"""An entity's values by position, and its tables as rows: one shape to the other.

A value is (variable, indx, text); a table is a set of column variables whose indx is the row
number, from 1. No Django here: the web, the API and the template engine on a host share it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def value_lists(
    values: Iterable[tuple[str, int, str]], tables: Mapping[str, str]
) -> dict[str, list[str]]:
    """(variable, indx, text) values -> each variable's values in indx order.

    Columns of one table (tables maps a column variable to its table) are aligned on the row
    number: a row missing in one column reads as "", so iterating over several columns of a
    table pairs the values of the same row."""
    by_var: dict[str, dict[int, str]] = {}
    for variable, indx, text in values:
        by_var.setdefault(variable, {})[indx] = text
    table_rows: dict[str, int] = {}
    for variable, held in by_var.items():
        table = tables.get(variable)
        if table:
            table_rows[table] = max(table_rows.get(table, 0), max(held))
    lists: dict[str, list[str]] = {}
    for variable, held in by_var.items():
        table = tables.get(variable)
        if table:
            lists[variable] = [held.get(i, "") for i in range(1, table_rows[table] + 1)]
        else:
            lists[variable] = [held[i] for i in sorted(held)]
    for variable, table in tables.items():
        if variable not in lists and table in table_rows:
            lists[variable] = [""] * table_rows[table]
    return lists


def rows_of(lists: Mapping[str, Sequence[str]], columns: Sequence[str]) -> list[dict[str, str]]:
    """Aligned column lists (as value_lists makes them) -> the table's rows, row n at
    position n-1, each with every column ("" for an empty cell)."""
    count = max((len(lists.get(c, ())) for c in columns), default=0)
    return [
        {c: cells[row] if row < len(cells := lists.get(c, ())) else "" for c in columns}
        for row in range(count)
    ]


def columns_of(rows: Sequence[Mapping[str, str]]) -> dict[str, list[str]]:
    """A table's rows -> each column's cells in row order ("" where a row lacks the column)."""
    columns: dict[str, list[str]] = {}
    for number, row in enumerate(rows):
        for column, text in row.items():
            columns.setdefault(column, [""] * len(rows))[number] = text
    return columns
