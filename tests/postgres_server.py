"""A throwaway PostgreSQL server on 127.0.0.1 for the history tests, or the reason there is none.

initdb refuses to run as root, so under root the cluster is made and run by the `postgres`
user (Debian's package creates it) in a temporary directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER = "planreports"


class Unavailable(Exception):
    """Why no server could be started (shown as the skip reason)."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, user=USER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    # Debian keeps the server binaries off PATH, one directory per major version.
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(Path(p).parent.parent.name) if
                      Path(p).parent.parent.name.isdigit() else 0)
    if not versions:
        raise Unavailable("PostgreSQL is not installed (no pg_ctl/initdb; apt-get install "
                          "postgresql)")
    return Path(versions[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server() -> Iterator[Server]:
    """Start a private cluster (trust auth, no fsync) and stop it afterwards."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise Unavailable("the psycopg driver is not installed (pip install "
                          "'psycopg[binary]')") from exc
    bin_dir = _bin_dir()
    prefix: list[str] = []
    root = tempfile.mkdtemp(prefix="planreports-pg-")
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(root, ignore_errors=True)
            raise Unavailable("running as root and runuser is missing: initdb will not run "
                              "as root")
        try:
            shutil.chown(root, "postgres", "postgres")
        except (LookupError, PermissionError) as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise Unavailable(f"running as root and there is no usable postgres user "
                              f"({exc})") from exc
        prefix = [runuser, "-u", "postgres", "--"]
    data, log = Path(root) / "data", Path(root) / "server.log"
    port = _free_port()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120,
                              cwd=root)

    made = run(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
               "-E", "UTF8", "--no-locale", "--no-sync")
    if made.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(f"initdb failed: {(made.stderr or made.stdout).strip()[-300:]}")
    started = run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                  "-o", f"-k {root} -p {port} -h 127.0.0.1 -F", "start")
    if started.returncode != 0:
        tail = log.read_text(errors="replace")[-300:] if log.exists() else started.stderr
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(f"pg_ctl start failed: {tail.strip()}")
    try:
        yield Server("127.0.0.1", port)
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
