"""Making and dropping the MariaDB databases the benchmarks run on."""

from __future__ import annotations

from urllib.parse import urlparse


def _execute(url: str, *statements: str) -> None:
    import MySQLdb

    parsed = urlparse(url)
    conn = MySQLdb.connect(
        host=parsed.hostname,
        port=parsed.port or 3306,
        user=parsed.username or "root",
        passwd=parsed.password or "",
    )
    try:
        cursor = conn.cursor()
        for statement in statements:
            cursor.execute(statement)
    finally:
        conn.close()


def name_of(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def create_database(url: str, *, fresh: bool) -> None:
    """The database url names, emptied first when fresh."""
    name = name_of(url)
    drop = [f"DROP DATABASE IF EXISTS `{name}`"] if fresh else []
    _execute(
        url,
        *drop,
        f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    )


def drop_database(url: str) -> None:
    _execute(url, f"DROP DATABASE IF EXISTS `{name_of(url)}`")
