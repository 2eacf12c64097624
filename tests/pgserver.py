"""A real PostgreSQL server for the tests, in a temporary folder, on 127.0.0.1 and a random port.

``PgServer.start()`` runs ``initdb`` and ``pg_ctl`` (from PATH or ``/usr/lib/postgresql/*/bin``);
as root it runs them as the ``postgres`` user.  It raises :class:`Unavailable` with one line saying
why when it cannot (no server binaries, no psycopg, no unprivileged user), and the fixtures skip.
Durability is off (``fsync``, ``full_page_writes``): the tests check behaviour, not crash safety of
PostgreSQL itself.  :meth:`PgServer.url` gives each test its own schema in one database.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class Unavailable(Exception):
    """Why no PostgreSQL server could be started (one line)."""


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not candidates:
        raise Unavailable("no PostgreSQL server binaries (install the Debian package 'postgresql')")
    return candidates[-1].parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgServer:
    def __init__(self, folder: Path, port: int, run_as: list[str]) -> None:
        self.folder = folder
        self.port = port
        self._run_as = run_as
        self._schemas = itertools.count(1)

    @classmethod
    def start(cls) -> PgServer:
        try:
            import psycopg
        except ImportError:
            raise Unavailable("psycopg is not installed (pip install 'feedkit[postgres]')") from None
        bin_dir = _bin_dir()
        run_as: list[str] = []
        folder = Path(tempfile.mkdtemp(prefix="feedkit-pg-"))
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no 'postgres' user to run the server") from None
            os.chown(folder, user.pw_uid, user.pw_gid)
            run_as = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else []
            if not run_as:
                raise Unavailable("running as root without runuser to start the server as 'postgres'")
        server = cls(folder, _free_port(), run_as)
        try:
            server._run(bin_dir / "initdb", "-D", folder / "data", "-U", "feedkit", "--auth=trust", "-E", "UTF8",
                        "--no-sync", "--locale=C")
            options = (f"-k {folder} -p {server.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c full_page_writes=off -c synchronous_commit=off -c max_connections=100")
            server._run(bin_dir / "pg_ctl", "-D", folder / "data", "-l", folder / "log", "-o", options, "-w",
                        "-t", "30", "start")
            server.pg_ctl = bin_dir / "pg_ctl"
            import psycopg

            with psycopg.connect(server.dsn("postgres"), autocommit=True) as db:
                db.execute("CREATE DATABASE feedkit_test")
        except Exception as exc:
            server.stop()
            raise Unavailable(f"cannot start PostgreSQL: {str(exc).strip().splitlines()[-1][:200]}") from None
        return server

    pg_ctl: Path | None = None

    def _run(self, *args: str | Path) -> None:
        done = subprocess.run([*self._run_as, *map(str, args)], capture_output=True, text=True, timeout=60,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError((done.stderr or done.stdout or f"{args[0]} failed").strip())

    def dsn(self, database: str = "feedkit_test") -> str:
        return f"postgresql://feedkit@127.0.0.1:{self.port}/{database}"

    def url(self) -> str:
        """A URL of a fresh, empty schema of its own."""
        import psycopg

        schema = f"t{next(self._schemas)}"
        with psycopg.connect(self.dsn(), autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {schema}")
        return f"{self.dsn()}?options=-csearch_path%3D{schema}"

    def stop(self) -> None:
        if self.pg_ctl is not None:
            with contextlib.suppress(Exception):
                self._run(self.pg_ctl, "-D", self.folder / "data", "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
