"""The PostgreSQL store: the same tables and methods as :class:`feedkit.store.Store`, shared by several daemons.

Chosen by ``[store] url = "postgresql://…"`` (or ``FEEDKIT_STORE_URL``); needs the ``postgres`` extra
(psycopg 3 and psycopg_pool).  One :class:`PgStore` holds a small connection pool; every method is one
transaction on one pooled connection, and a connection found broken is replaced (a database restart
costs the call that met it, not the daemon).

Schema: the ``feedkit_schema`` table holds the version (SQLite's ``PRAGMA user_version``);
:data:`MIGRATIONS` are applied in order under a transaction-scoped advisory lock, so daemons starting
together migrate once.  A newer schema is refused, as is a non-empty database schema that is not a
feedkit store.  Several sites can share one database, each in its own schema
(``?options=-csearch_path%3Dsite``).

Leases (version 3): the ``leases`` table says which daemon polls which upstream, which one
publishes, and which daemons are alive.  Claims use ``SELECT … FOR UPDATE SKIP LOCKED`` and the
database's clock, so daemons on machines whose clocks disagree still agree on expiry; a dead
daemon's leases lapse after their ``seconds``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any

import psycopg
import psycopg_pool

from feedkit.errors import StoreError
from feedkit.model import Entry
from feedkit.net.result import FetchResult
from feedkit.store import (
    BUSY_TIMEOUT,
    SHARED_MIGRATIONS,
    CachedArticle,
    Lease,
    OutputRecord,
    SourceState,
    _content_hash,
    _cutoff,
    _time,
    _utc_text,
    entry_from_json,
    entry_to_json,
    fetch_changes,
    redact,
)


def _postgres(script: str) -> str:
    """A migration of the SQLite store (:data:`feedkit.store.SHARED_MIGRATIONS`) for PostgreSQL: file
    sizes and nanosecond times need 64-bit columns there."""
    return re.sub(r"\b(size|mtime_ns) INTEGER\b", r"\1 BIGINT", script)


MIGRATIONS: tuple[str, ...] = (
    *(_postgres(script) for script in SHARED_MIGRATIONS[:2]),
    # 2 -> 3: leases, for several daemons on one store (SQLite has one daemon per file)
    """
    CREATE TABLE leases (kind TEXT NOT NULL, name TEXT NOT NULL, owner TEXT, expires TIMESTAMPTZ,
        PRIMARY KEY (kind, name));
    """,
    *(_postgres(script) for script in SHARED_MIGRATIONS[2:]),
)
"""The SQLite store's schema, one version after another, with what only a shared store needs where it
came (a store keeps the versions it was migrated through, so none moves)."""
SCHEMA_VERSION = len(MIGRATIONS)
_TABLES = frozenset({"sources", "entries", "articles", "article_bodies", "builds", "outputs", "leases",
                     "feedkit_schema"})
_MIGRATION_LOCK = 0x6665_6564_6B69_7401  # pg_advisory_xact_lock key: "feedkit" + 1
POOL_SIZE = 4

_RETAINED = ("SELECT id, data FROM entries WHERE source = %s AND last_seen >= %s "
             "ORDER BY published DESC, id COLLATE \"C\" LIMIT %s")
_STATE = ("SELECT name, url, final_url, etag, last_modified, last_attempt, last_success, last_error, failures, "
          "next_attempt, retired, (SELECT COUNT(*) FROM entries WHERE source = sources.name) FROM sources")


class PgStore:
    """An open PostgreSQL store.  Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, url: str, pool: psycopg_pool.ConnectionPool[Any], busy_timeout: float) -> None:
        self.url = url
        self._pool = pool
        self._busy_timeout = busy_timeout

    @property
    def location(self) -> str:
        return redact(self.url)

    @classmethod
    def open(cls, url: str, *, busy_timeout: float = BUSY_TIMEOUT, pool_size: int = POOL_SIZE) -> PgStore:
        """Connect to the database at ``url`` and migrate its schema.

        Raises :class:`StoreError` when the server cannot be reached within ``busy_timeout``, the
        schema is newer or belongs to something else.
        """
        pool: psycopg_pool.ConnectionPool[Any] = psycopg_pool.ConnectionPool(
            url, min_size=1, max_size=pool_size, open=False, timeout=busy_timeout,
            check=psycopg_pool.ConnectionPool.check_connection, kwargs={"connect_timeout": max(1, int(busy_timeout))},
            name="feedkit")
        store = cls(url, pool, busy_timeout)
        try:
            with store._errors():
                pool.open(wait=True, timeout=busy_timeout)
            store._prepare()
        except BaseException:
            pool.close()
            raise
        return store

    def _prepare(self) -> None:
        with self._transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            tables = {row[0] for row in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
            if "feedkit_schema" in tables:
                row = db.execute("SELECT version FROM feedkit_schema").fetchone()
                version = int(row[0]) if row else 0
            elif tables:
                raise StoreError(self.location, "is a PostgreSQL schema but not a feedkit store (it has tables "
                                                f"{', '.join(sorted(tables))}): use another database or schema")
            else:
                db.execute("CREATE TABLE feedkit_schema (version INTEGER NOT NULL)")
                db.execute("INSERT INTO feedkit_schema (version) VALUES (0)")
                version = 0
            if version > SCHEMA_VERSION:
                raise StoreError(self.location, f"written by a newer feedkit (store schema {version}, this version "
                                                f"understands up to {SCHEMA_VERSION}): upgrade feedkit")
            for script in MIGRATIONS[version:]:
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
            db.execute("UPDATE feedkit_schema SET version = %s", (SCHEMA_VERSION,))

    def schema_version(self) -> int:
        with self._transaction() as db:
            row = db.execute("SELECT version FROM feedkit_schema").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the pool (idempotent)."""
        self._pool.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg_pool.PoolTimeout as exc:
            raise StoreError(self.location, f"cannot reach the store database (waited {self._busy_timeout:g} s): "
                                            f"{exc}") from None
        except psycopg.OperationalError as exc:
            raise StoreError(self.location, f"lost the store database: {exc}") from None
        except psycopg.Error as exc:
            raise StoreError(self.location, f"cannot use the store: {exc}") from None

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction on a pooled connection (committed at the end, rolled back on an error)."""
        with self._errors(), self._pool.connection() as db:
            yield db

    # ------------------------------------------------------------ sources

    def state(self, name: str, url: str) -> SourceState:
        with self._transaction() as db:
            db.execute("INSERT INTO sources (name, url) VALUES (%s, %s) ON CONFLICT DO NOTHING", (name, url))
            db.execute(
                "UPDATE sources SET url = %s, final_url = NULL, etag = NULL, last_modified = NULL, failures = 0, "
                "next_attempt = NULL, retired = 0, last_error = NULL WHERE name = %s AND url <> %s", (url, name, url))
            return _read_state(db, name)

    def states(self) -> list[SourceState]:
        with self._transaction() as db:
            rows = db.execute(_STATE + " ORDER BY name COLLATE \"C\"").fetchall()
        return [_state(row) for row in rows]

    def record_fetch(self, name: str, result: FetchResult, *, now: datetime, interval: int,
                     max_backoff: int) -> SourceState:
        with self._transaction() as db:
            old = _read_state(db, name, lock=True)
            changes = fetch_changes(old, result, now=now, interval=interval, max_backoff=max_backoff)
            assignments = ", ".join(f"{column} = %s" for column in changes)
            db.execute(f"UPDATE sources SET {assignments} WHERE name = %s",
                       (*changes.values(), name))
            return _read_state(db, name)

    def due(self, name: str, now: datetime) -> bool:
        with self._transaction() as db:
            row = db.execute("SELECT retired, next_attempt FROM sources WHERE name = %s", (name,)).fetchone()
        if row is None:
            return True
        next_attempt = _time(row[1])
        return not row[0] and (next_attempt is None or next_attempt <= now)

    # ------------------------------------------------------------ entries

    def save_entries(self, source: str, entries: Sequence[Entry], *, now: datetime) -> tuple[int, int]:
        seen = _utc_text(now)
        latest = {entry.id: entry for entry in entries}  # as SQLite: a repeated id ends as its last copy
        with self._transaction() as db:
            known = dict(db.execute("SELECT id, hash FROM entries WHERE source = %s AND id = ANY(%s) FOR UPDATE",
                                    (source, list(latest))).fetchall())
            new = changed = 0
            for entry in entries:
                digest = _content_hash(entry)
                if entry.id not in known:
                    new += 1
                    known[entry.id] = digest
                    continue
                changed += known[entry.id] != digest
                known[entry.id] = digest
            rows = [(source, entry.id, seen, seen, _utc_text(entry.published), _content_hash(entry),
                     entry_to_json(entry)) for entry in latest.values()]
            db.cursor().executemany(
                "INSERT INTO entries (source, id, first_seen, last_seen, published, hash, data) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (source, id) DO UPDATE SET "
                "last_seen = EXCLUDED.last_seen, published = EXCLUDED.published, hash = EXCLUDED.hash, "
                "data = EXCLUDED.data", rows)
        return new, changed

    def first_seen(self, source: str, entry_id: str) -> datetime | None:
        with self._transaction() as db:
            row = db.execute("SELECT first_seen FROM entries WHERE source = %s AND id = %s",
                             (source, entry_id)).fetchone()
        return _time(row[0]) if row else None

    def entries(self, source: str, *, now: datetime, keep_days: int, keep_count: int) -> list[Entry]:
        with self._transaction() as db:
            rows = db.execute(_RETAINED, (source, _cutoff(now, keep_days), max(keep_count, 0))).fetchall()
        return [entry_from_json(data) for _id, data in rows]

    def prune(self, source: str, *, now: datetime, keep_days: int, keep_count: int) -> int:
        with self._transaction() as db:
            kept = [row[0] for row in db.execute(_RETAINED, (source, _cutoff(now, keep_days), max(keep_count, 0)))]
            done = db.execute("DELETE FROM entries WHERE source = %s AND NOT (id = ANY(%s))", (source, kept))
            return max(done.rowcount, 0)

    # ------------------------------------------------------------ the parse cache and the last build

    def cached_articles(self, source: str) -> dict[str, CachedArticle]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT rel_path, config_key, size, mtime_ns, digest, uses_mtime FROM articles "
                "WHERE source = %s", (source,)).fetchall()
        return {row[0]: CachedArticle(row[0], row[1], int(row[2]), int(row[3]), row[4], int(row[5])) for row in rows}

    def article_results(self, source: str) -> Iterator[tuple[str, str]]:
        with self._transaction() as db, db.cursor(name="feedkit_results") as cursor:  # server-side: streamed
            cursor.execute("SELECT rel_path, result FROM articles WHERE source = %s", (source,))
            while rows := cursor.fetchmany(1000):
                yield from ((str(row[0]), str(row[1])) for row in rows)

    def restat_articles(self, source: str, rows: Sequence[CachedArticle]) -> None:
        if not rows:
            return
        with self._transaction() as db:
            db.cursor().executemany(
                "UPDATE articles SET size = %s, mtime_ns = %s, uses_mtime = %s WHERE source = %s AND rel_path = %s",
                [(r.size, r.mtime_ns, r.uses_mtime, source, r.rel_path) for r in rows])

    def cache_articles(self, source: str, rows: Sequence[CachedArticle], *, gone: Sequence[str] = ()) -> None:
        with self._transaction() as db:
            cursor = db.cursor()
            if rows:
                cursor.executemany(
                    "INSERT INTO articles (source, rel_path, config_key, size, mtime_ns, digest, uses_mtime, result) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (source, rel_path) DO UPDATE SET "
                    "config_key = EXCLUDED.config_key, size = EXCLUDED.size, mtime_ns = EXCLUDED.mtime_ns, "
                    "digest = EXCLUDED.digest, uses_mtime = EXCLUDED.uses_mtime, result = EXCLUDED.result",
                    [(source, r.rel_path, r.config_key, r.size, r.mtime_ns, r.digest, int(r.uses_mtime), r.result)
                     for r in rows])
            if gone:
                for table in ("articles", "article_bodies"):
                    cursor.execute(f"DELETE FROM {table} WHERE source = %s AND rel_path = ANY(%s)",
                                   (source, list(gone)))

    def forget_sources(self, keep: Sequence[str]) -> None:
        with self._transaction() as db:
            for table in ("articles", "article_bodies"):
                db.execute(f"DELETE FROM {table} WHERE NOT (source = ANY(%s))", (list(keep),))

    def article_bodies(self, source: str, rel_paths: Sequence[str]) -> dict[str, tuple[str, str]]:
        with self._transaction() as db:
            rows = db.execute("SELECT rel_path, key, body FROM article_bodies WHERE source = %s "
                              "AND rel_path = ANY(%s)", (source, list(rel_paths))).fetchall()
        return {row[0]: (row[1], row[2]) for row in rows}

    def cache_bodies(self, source: str, rows: Sequence[tuple[str, str, str]]) -> None:
        if not rows:
            return
        with self._transaction() as db:
            db.cursor().executemany(
                "INSERT INTO article_bodies (source, rel_path, key, body) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (source, rel_path) DO UPDATE SET key = EXCLUDED.key, body = EXCLUDED.body",
                [(source, *row) for row in rows])

    def build_value(self, key: str) -> str | None:
        with self._transaction() as db:
            row = db.execute("SELECT value FROM builds WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row[0])

    def outputs(self) -> dict[str, OutputRecord]:
        with self._transaction() as db:
            rows = db.execute("SELECT path, fingerprint, size, mtime_ns FROM outputs").fetchall()
        return {row[0]: OutputRecord(row[0], row[1], int(row[2]), int(row[3])) for row in rows}

    def record_build(self, values: dict[str, str], outputs: Sequence[OutputRecord], *, replace_all: bool) -> None:
        with self._transaction() as db:
            cursor = db.cursor()
            if values:
                cursor.executemany("INSERT INTO builds (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                                   "SET value = EXCLUDED.value", list(values.items()))
            if replace_all:
                cursor.execute("DELETE FROM outputs")
            if outputs:
                cursor.executemany(
                    "INSERT INTO outputs (path, fingerprint, size, mtime_ns) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (path) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, size = EXCLUDED.size, "
                    "mtime_ns = EXCLUDED.mtime_ns", [(o.path, o.fingerprint, o.size, o.mtime_ns) for o in outputs])

    # ------------------------------------------------------------ leases

    def claim_sources(self, names: Sequence[str], *, owner: str, seconds: float) -> list[str]:
        """Lease the upstreams in ``names`` that no live daemon holds; return those now leased to ``owner``.

        Rows another daemon is claiming right now are skipped (``SKIP LOCKED``), never waited for.
        """
        wanted = sorted(set(names))
        if not wanted:
            return []
        with self._transaction() as db:
            db.execute("INSERT INTO leases (kind, name) SELECT 'source', unnest(%s::text[]) ON CONFLICT DO NOTHING",
                       (wanted,))
        with self._transaction() as db:
            rows = db.execute(
                "UPDATE leases SET owner = %s, expires = now() + make_interval(secs => %s) "
                "WHERE kind = 'source' AND name IN (SELECT name FROM leases WHERE kind = 'source' "
                "AND name = ANY(%s) AND (owner IS NULL OR owner = %s OR expires < now()) "
                "ORDER BY name FOR UPDATE SKIP LOCKED) RETURNING name",
                (owner, seconds, wanted, owner)).fetchall()
        return sorted(row[0] for row in rows)

    def release_sources(self, names: Sequence[str], *, owner: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE leases SET owner = NULL, expires = NULL WHERE kind = 'source' AND name = ANY(%s) "
                       "AND owner = %s", (list(names), owner))

    def claim_publisher(self, *, owner: str, seconds: float) -> bool:
        """Take or renew the one publisher lease; false while another live daemon holds it."""
        with self._transaction() as db:
            row = db.execute(
                "INSERT INTO leases (kind, name, owner, expires) "
                "VALUES ('publisher', 'output', %s, now() + make_interval(secs => %s)) "
                "ON CONFLICT (kind, name) DO UPDATE SET owner = EXCLUDED.owner, expires = EXCLUDED.expires "
                "WHERE leases.owner IS NULL OR leases.owner = EXCLUDED.owner OR leases.expires < now() "
                "RETURNING owner", (owner, seconds)).fetchone()
        return row is not None

    def release_publisher(self, *, owner: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE leases SET owner = NULL, expires = NULL WHERE kind = 'publisher' AND owner = %s",
                       (owner,))

    def register_daemon(self, *, owner: str, seconds: float) -> None:
        """Mark daemon ``owner`` alive for ``seconds`` (a ``daemon`` lease; ``feedkit reload`` finds it)."""
        with self._transaction() as db:
            db.execute("DELETE FROM leases WHERE kind = 'daemon' AND expires < now()")  # dead daemons' rows
            db.execute(
                "INSERT INTO leases (kind, name, owner, expires) "
                "VALUES ('daemon', %s, %s, now() + make_interval(secs => %s)) "
                "ON CONFLICT (kind, name) DO UPDATE SET owner = EXCLUDED.owner, expires = EXCLUDED.expires",
                (owner, owner, seconds))

    def unregister_daemon(self, *, owner: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM leases WHERE kind = 'daemon' AND name = %s", (owner,))

    def leases(self) -> list[Lease]:
        with self._transaction() as db:
            rows = db.execute("SELECT kind, name, owner, expires FROM leases WHERE owner IS NOT NULL "
                              "AND expires > now() ORDER BY kind, name").fetchall()
        return [Lease(kind=row[0], name=row[1], owner=row[2], expires=row[3]) for row in rows]


def _read_state(db: psycopg.Connection[Any], name: str, *, lock: bool = False) -> SourceState:
    row = db.execute(_STATE + " WHERE name = %s" + (" FOR UPDATE" if lock else ""),
                     (name,)).fetchone()
    if row is None:
        raise KeyError(name)
    return _state(row)


def _state(row: Sequence[Any]) -> SourceState:
    return SourceState(
        name=row[0], url=row[1], final_url=row[2], etag=row[3], last_modified=row[4],
        last_attempt=_time(row[5]), last_success=_time(row[6]), last_error=row[7], failures=int(row[8]),
        next_attempt=_time(row[9]), retired=bool(row[10]), entries=int(row[11]))
