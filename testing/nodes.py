"""Labnet on several nodes, all on this machine (docs/deployment.md): a MariaDB primary and its
replica, web processes (gunicorn) behind one nginx reverse proxy, and central Celery workers,
each on a free 127.0.0.1 port, from a directory of its own, in its own session so that
stop() and kill() reach its children too.

    with mariadb_pair(tmp / "db") as (primary, replica):
        env = labnet_env(primary, replica, "redis://...", tmp / "var")
        web = start_web("web1", env, tmp / "log")
        proxy = start_proxy(tmp / "proxy", [web.port, ...], static_root)

Used by the several-nodes test and by scripts/nodes, which starts the same layout by hand."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import MySQLdb

from testing.live import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
MARIADBD = Path("/usr/sbin/mariadbd")
MARIADB_INSTALL_DB = Path("/usr/bin/mariadb-install-db")
NGINX = Path("/usr/sbin/nginx")
DATABASE = "labnet"
BINLOG = "primary-bin"
START_SECONDS = 60.0
STOP_SECONDS = 15.0


def available() -> bool:
    """Whether this machine has what the layout runs (scripts/setup installs nginx)."""
    return all(p.exists() for p in (MARIADBD, MARIADB_INSTALL_DB, NGINX))


@dataclass
class Node:
    """One process of the layout (with its children), answering on port."""

    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Dies at once, as a machine that loses power."""
        self._signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait()
        self._signal(signal.SIGKILL)  # a child may outlive its leader

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass


def start(name: str, command: list[str], log: Path, port: int = 0, **env: str) -> Node:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Node(name, port, log, process)


def _ready(node: Node, answers: Callable[[], object]) -> None:
    """Wait until answers() is true, failing at once with the log's tail if node stops."""

    def check() -> bool:
        if not node.running():
            tail = node.log.read_text(errors="replace")[-2000:]
            raise AssertionError(f"{node.name} stopped (exit {node.process.returncode}):\n{tail}")
        return answers()

    wait_for(check, START_SECONDS, f"{node.name} to answer")


# MariaDB ----------------------------------------------------------------------------------


@dataclass
class MariaDB:
    node: Node
    datadir: Path

    @property
    def port(self) -> int:
        return self.node.port

    def url(self, database: str = DATABASE) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def connect(self) -> MySQLdb.Connection:
        return MySQLdb.connect(host="127.0.0.1", port=self.port, user="root", autocommit=True)

    def query(self, sql: str, *args: object) -> list[tuple]:
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, args or None)
                return list(cursor.fetchall())
        finally:
            connection.close()

    def answers(self) -> bool:
        try:
            self.connect().close()
            return True
        except MySQLdb.OperationalError:
            return False


def _mariadbd(name: str, datadir: Path, server_id: int, *options: str) -> MariaDB:
    port = free_port()
    command = [
        str(MARIADBD),
        "--no-defaults",
        f"--user={pwd.getpwuid(os.geteuid()).pw_name}",  # needed as root, harmless otherwise
        f"--datadir={datadir}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--socket={datadir}.sock",
        f"--pid-file={datadir}.pid",
        f"--server-id={server_id}",
        "--skip-name-resolve",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_bin",
        "--innodb-buffer-pool-size=64M",
        # A throw-away pair: no flush to disk at every commit.
        "--innodb-flush-log-at-trx-commit=0",
        *options,
    ]
    server = MariaDB(start(name, command, datadir.parent / f"{name}.log", port), datadir)
    _ready(server.node, server.answers)
    return server


def _install(datadir: Path) -> None:
    """A new data directory: the system tables, root without a password."""
    datadir.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(MARIADB_INSTALL_DB),
            "--no-defaults",
            f"--user={pwd.getpwuid(os.geteuid()).pw_name}",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


@contextmanager
def mariadb_server(directory: Path, *options: str) -> Iterator[MariaDB]:
    """One MariaDB server of its own, empty, root without a password on 127.0.0.1; options
    (mariadbd's, later ones win) replace the defaults above, as a benchmark that needs a
    production-sized buffer pool does."""
    datadir = directory / "server"
    _install(datadir)
    server = _mariadbd("server", datadir, 1, *options)
    try:
        yield server
    finally:
        server.node.stop()


@contextmanager
def mariadb_pair(directory: Path) -> Iterator[tuple[MariaDB, MariaDB]]:
    """A primary writing its binary log and a read-only replica of it, both empty but for
    the database DATABASE; root without a password on 127.0.0.1."""
    primary_dir, replica_dir = directory / "primary", directory / "replica"
    _install(primary_dir)
    # Both start from the same system tables: the binary log holds everything after them.
    shutil.copytree(primary_dir, replica_dir, symlinks=True)
    servers: list[MariaDB] = []
    try:
        primary = _mariadbd("primary", primary_dir, 1, f"--log-bin={BINLOG}", "--binlog-format=ROW")
        servers.append(primary)
        replica = _mariadbd("replica", replica_dir, 2, "--read-only", "--relay-log=replica-relay")
        servers.append(replica)
        first_log = primary.query("SHOW BINARY LOGS")[0][0]
        replica.query(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%s, MASTER_USER='root',"
            " MASTER_PASSWORD='', MASTER_LOG_FILE=%s, MASTER_LOG_POS=4,"
            " MASTER_CONNECT_RETRY=1",
            primary.port,
            first_log,
        )
        replica.query("START SLAVE")
        primary.query(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        wait_for(lambda: replica.query("SHOW DATABASES LIKE %s", DATABASE), 10, "replication")
        yield primary, replica
    finally:
        for server in reversed(servers):
            server.node.stop()


# Labnet's processes -----------------------------------------------------------------------


def labnet_env(primary: MariaDB, replica: MariaDB, broker: str, var: Path) -> dict[str, str]:
    """The environment every Labnet process of the layout shares: one var directory (the
    master store) as production shares it over NFS."""
    return {
        "DJANGO_SETTINGS_MODULE": "labnet_site.settings",
        "LABNET_DATABASE_URL": primary.url(),
        "LABNET_REPLICA_DATABASE_URL": replica.url(),
        "LABNET_BROKER_URL": broker,
        "LABNET_VAR_DIR": str(var),
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _answers_http(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        pass  # an answer all the same
    except OSError:
        return False
    return True


def start_web(name: str, env: dict[str, str], log_dir: Path) -> Node:
    """A gunicorn of Labnet: two worker processes of four threads each."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "labnet_site.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"),
        *("--name", f"labnet-{name}", "--error-logfile", "-"),
    ]
    web = start(name, command, log_dir / f"{name}.log", port, **env)
    _ready(web, lambda: _answers_http(f"http://127.0.0.1:{port}/api/v1/"))
    return web


def start_central(name: str, env: dict[str, str], log_dir: Path) -> Node:
    """A central Celery worker (queue "central")."""
    command = [
        *(sys.executable, "-m", "celery", "-A", "labnet_site", "worker", "--queues", "central"),
        *("--hostname", f"{name}@%h", "--pool", "solo", "--loglevel", "INFO"),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    worker = start(name, command, log_dir / f"{name}.log", **env)
    _ready(worker, lambda: " ready." in worker.log.read_text(errors="replace"))
    return worker


# nginx ------------------------------------------------------------------------------------


def _nginx_conf(directory: Path, temp: Path, port: int, upstreams: list[int], static: Path) -> str:
    servers = "\n".join(
        # A web process that refuses a connection is left alone for 5 s.
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;"
        for p in upstreams
    )
    temp_paths = "\n".join(
        f"    {kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{
    worker_connections 512;
}}
http {{
    access_log {directory / "access.log"};
{temp_paths}
    # Django refuses a larger body itself (labnet_site.middleware), with a clear message.
    client_max_body_size 16m;
    upstream labnet {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{
            alias {static}/;
        }}
        location / {{
            proxy_pass http://labnet;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A request no web process began is tried on the next one; nginx never resends
            # a POST or PATCH a web process may have carried out.
            proxy_next_upstream error timeout http_502 http_503;
            # An agent's first download of the whole mirror.
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


@contextmanager
def proxy(directory: Path, upstreams: list[int], static: Path) -> Iterator[Node]:
    """nginx spreading requests over the web processes on ports upstreams, serving the
    collected static files itself; its configuration, pid and logs in directory."""
    directory.mkdir(parents=True, exist_ok=True)
    # Started as root, nginx's workers run as nobody: their buffers' folders must lie where
    # nobody can reach them (nginx creates them and hands them to its workers).
    temp = Path(tempfile.mkdtemp(prefix="labnet-nginx-"))
    node = None
    try:
        temp.chmod(0o755)
        port = free_port()
        conf = directory / "nginx.conf"
        conf.write_text(_nginx_conf(directory, temp, port, upstreams, static))
        command = [str(NGINX), "-c", str(conf), "-p", str(directory), "-e", "stderr"]
        subprocess.run([*command, "-t", "-q"], check=True, capture_output=True)
        node = start("proxy", [*command, "-g", "daemon off;"], directory / "nginx.log", port)
        _ready(node, lambda: _answers_http(f"http://127.0.0.1:{port}/api/v1/"))
        yield node
    finally:
        if node is not None:
            node.stop()
        shutil.rmtree(temp, ignore_errors=True)
