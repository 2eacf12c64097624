"""The store: what is remembered between builds, in one SQLite file (or a shared PostgreSQL database).

:class:`StoreBackend` is the interface every store offers; :class:`Store` is the SQLite one (the
default, embedded) and :mod:`feedkit.store_pg` the PostgreSQL one (``[store] url``, several daemons).
:func:`open_store` opens whichever a location names.

Per upstream source: HTTP validators, final URL after a permanent redirect, last attempt,
last success, last error, consecutive failures, next attempt, retired (410).  Per entry:
first seen, last seen, a content hash and the entry itself as JSON.

The file is opened in WAL mode with a busy timeout; ``PRAGMA user_version`` holds the
schema version (older files are migrated, newer ones refused).  Every method runs in one
transaction, so a crash at any moment leaves the file as it was before or after that call.

Backoff after a failure is deterministic (no jitter): ``interval * 2 ** (failures - 1)``,
capped at ``max_backoff``.  A ``Retry-After`` is honoured (fetch caps it at 7 days) but
never polls sooner than ``interval``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from feedkit.config.types import DEFAULT_LEASE_SECONDS
from feedkit.errors import StoreError as StoreError  # re-exported: callers of the store catch it from here
from feedkit.model import Author, Enclosure, Entry, Episode, Image, Via
from feedkit.net.result import FetchResult
from feedkit.report import SourceHealth

RECOVERY = ("'feedkit store check' says what is wrong; 'feedkit store rebuild' moves the file aside and builds "
            "a new store from the sources (docs/operations.md#store-faults)")
"""The documented recovery, named by every error about a damaged or unusable store."""
BUSY_TIMEOUT = 10.0
"""Seconds to wait for another process holding the store before giving up."""
LEASE_SECONDS = DEFAULT_LEASE_SECONDS
"""How long a daemon's lease on an upstream (while polling it) or on publishing lasts unless renewed, by
default (``[store] lease_seconds``): the longest a dead daemon's work waits before another daemon takes it
over (shared stores only)."""


def daemon_id() -> str:
    """This process as lease owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"

SHARED_MIGRATIONS: tuple[str, ...] = (
    # version 0 (empty file) -> 1
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY, url TEXT NOT NULL, final_url TEXT, etag TEXT, last_modified TEXT,
        last_attempt TEXT, last_success TEXT, last_error TEXT, failures INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT, retired INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE entries (
        source TEXT NOT NULL, id TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
        published TEXT NOT NULL, hash TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (source, id)
    );
    CREATE INDEX entries_by_age ON entries (source, published DESC, id);
    """,
    # 1 -> 2: the parse cache of article files, and what the last build published
    """
    CREATE TABLE articles (
        source TEXT NOT NULL, rel_path TEXT NOT NULL, config_key TEXT NOT NULL, size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL, digest TEXT NOT NULL, uses_mtime INTEGER NOT NULL, result TEXT NOT NULL,
        PRIMARY KEY (source, rel_path)
    );
    CREATE TABLE builds (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE outputs (path TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL);
    """,
    # 2 -> 3: the bodies of article files, made only for the entries a feed shows (apart from the
    # parse cache, which stays small enough to read whole)
    """
    CREATE TABLE article_bodies (
        source TEXT NOT NULL, rel_path TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (source, rel_path)
    );
    """,
)
SCHEMA_VERSION = len(SHARED_MIGRATIONS)
_TABLES = frozenset({"sources", "entries", "articles", "article_bodies", "builds", "outputs"})


@dataclass(frozen=True, slots=True)
class CachedArticle:
    """What the parse cache remembers of one article file."""

    rel_path: str
    config_key: str
    """Everything besides the file's bytes that the result depends on (see :mod:`feedkit.articles.cache`)."""
    size: int
    mtime_ns: int
    digest: str
    """BLAKE2b of the file's bytes."""
    uses_mtime: int
    """What besides the bytes the result depends on: flags of :mod:`feedkit.articles.cache`
    (the modification time, the clock)."""
    result: str = ""
    """The parse result as JSON (empty in rows read by ``cached_articles``: :meth:`article_results` reads them)."""


@dataclass(frozen=True, slots=True)
class OutputRecord:
    """A file the last build published: the fingerprint of what it was rendered from, and its stat."""

    path: str
    fingerprint: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the store remembers about one upstream source."""

    name: str
    url: str
    final_url: str | None
    """Set after a permanent redirect (301/308): the URL to fetch from now on."""
    etag: str | None
    last_modified: str | None
    last_attempt: datetime | None
    last_success: datetime | None
    last_error: str | None
    failures: int
    """Consecutive failures (0 when the last attempt succeeded)."""
    next_attempt: datetime | None
    retired: bool
    """The upstream answered 410 Gone: it is not polled again; its entries are kept."""
    entries: int
    """Entries stored for this source."""

    @property
    def fetch_url(self) -> str:
        """The URL to request: the recorded new location, else the configured URL."""
        return self.final_url or self.url


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds what in a store shared by several daemons (``feedkit status``)."""

    kind: str
    """``source`` (polling one upstream), ``publisher`` (writing the output) or ``daemon`` (alive)."""
    name: str
    owner: str
    """The daemon: ``host:pid``."""
    expires: datetime


URL_SCHEMES = ("postgresql://", "postgres://")


def redact(location: str | Path) -> str:
    """``location`` as text, without the password a URL may carry (for messages, logs and ``feedkit status``)."""
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", str(location))


def is_store_url(location: str | Path) -> bool:
    """True when ``location`` names a PostgreSQL store rather than a SQLite file."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


class StoreBackend(Protocol):
    """What every store offers: SQLite (:class:`Store`) and PostgreSQL (:mod:`feedkit.store_pg`).

    Every method is one transaction.  Times are stored as fixed-width UTC text in both.
    """

    @property
    def location(self) -> str: ...
    def close(self) -> None: ...
    def __enter__(self) -> StoreBackend: ...
    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None: ...
    # upstream sources and their entries
    def state(self, name: str, url: str) -> SourceState: ...
    def states(self) -> list[SourceState]: ...
    def record_fetch(self, name: str, result: FetchResult, *, now: datetime, interval: int,
                     max_backoff: int) -> SourceState: ...
    def due(self, name: str, now: datetime) -> bool: ...
    def save_entries(self, source: str, entries: Sequence[Entry], *, now: datetime) -> tuple[int, int]: ...
    def first_seen(self, source: str, entry_id: str) -> datetime | None: ...
    def entries(self, source: str, *, now: datetime, keep_days: int, keep_count: int) -> list[Entry]: ...
    def prune(self, source: str, *, now: datetime, keep_days: int, keep_count: int) -> int: ...
    # the parse cache and the last build
    def cached_articles(self, source: str) -> dict[str, CachedArticle]: ...
    def cache_articles(self, source: str, rows: Sequence[CachedArticle], *, gone: Sequence[str] = ()) -> None: ...
    def restat_articles(self, source: str, rows: Sequence[CachedArticle]) -> None: ...
    def article_results(self, source: str) -> Iterator[tuple[str, str]]: ...
    def forget_sources(self, keep: Sequence[str]) -> None: ...
    def article_bodies(self, source: str, rel_paths: Sequence[str]) -> dict[str, tuple[str, str]]: ...
    def cache_bodies(self, source: str, rows: Sequence[tuple[str, str, str]]) -> None: ...
    def build_value(self, key: str) -> str | None: ...
    def outputs(self) -> dict[str, OutputRecord]: ...
    def record_build(self, values: dict[str, str], outputs: Sequence[OutputRecord], *, replace_all: bool) -> None: ...
    # leases: which daemon polls which upstream, and which one publishes
    def claim_sources(self, names: Sequence[str], *, owner: str, seconds: float) -> list[str]: ...
    def release_sources(self, names: Sequence[str], *, owner: str) -> None: ...
    def claim_publisher(self, *, owner: str, seconds: float) -> bool: ...
    def release_publisher(self, *, owner: str) -> None: ...
    def register_daemon(self, *, owner: str, seconds: float) -> None: ...
    def unregister_daemon(self, *, owner: str) -> None: ...
    def leases(self) -> list[Lease]: ...


def open_store(location: str | Path, *, busy_timeout: float = BUSY_TIMEOUT) -> StoreBackend:
    """Open the store ``location`` names: a ``postgresql://`` URL, else a SQLite file (its folder must exist)."""
    if is_store_url(location):
        from feedkit.store_pg import PgStore  # psycopg is an optional extra: imported only when asked for

        return PgStore.open(str(location), busy_timeout=busy_timeout)
    return Store.open(Path(location), busy_timeout=busy_timeout)


# ---------------------------------------------------------------- Entry <-> JSON

def _time_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} cannot be stored")
    return value.isoformat()


def _utc_text(value: datetime) -> str:
    """Fixed-width UTC text, as every time column holds: it sorts like the time it stands for."""
    _time_text(value)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def entry_to_json(entry: Entry) -> str:
    """One entry as compact, key-sorted JSON (datetimes as ISO 8601 with their offset)."""
    data: dict[str, Any] = {
        "id": entry.id, "title": entry.title, "link": entry.link, "published": _time_text(entry.published),
        "updated": _time_text(entry.updated) if entry.updated else None, "summary": entry.summary,
        "content_html": entry.content_html, "categories": [list(path) for path in entry.categories],
        "tags": list(entry.tags), "authors": [[a.name, a.email, a.uri] for a in entry.authors],
        "image": [entry.image.url, entry.image.mime_type] if entry.image else None,
        "language": entry.language, "source": entry.source, "origin": entry.origin,
        "via": [[v.source, v.link] for v in entry.via],
    }
    if entry.enclosures:  # only when present: entries stored before enclosures existed keep their hash
        data["enclosures"] = [[e.url, e.mime_type, e.length, e.duration] for e in entry.enclosures]
    if entry.episode is not None:
        data["episode"] = asdict(entry.episode)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_from_json(text: str) -> Entry:
    """The inverse of :func:`entry_to_json` (unknown keys are ignored, missing optional ones get defaults)."""
    return entry_from_data(json.loads(text))


def entry_from_data(data: dict[str, Any], shared: dict[Any, Any] | None = None) -> Entry:
    """:func:`entry_from_json` of already decoded JSON; with ``shared``, equal category paths, tags and
    authors of the entries it decodes are one object (a large site repeats them in every entry)."""
    updated = data.get("updated")
    image = data.get("image")
    if shared is not None:
        categories = tuple(tuple(path) for path in data.get("categories", ()))
        tags = tuple(data.get("tags", ()))
        authors = tuple(Author(*author) for author in data.get("authors", ()))
        data = {**data, "categories": shared.setdefault(categories, categories), "tags": shared.setdefault(tags, tags),
                "authors": shared.setdefault(authors, authors)}
        return _entry(data, updated, image, data["categories"], data["tags"], data["authors"])
    return _entry(data, updated, image, tuple(tuple(path) for path in data.get("categories", ())),
                  tuple(data.get("tags", ())), tuple(Author(*author) for author in data.get("authors", ())))


def _entry(data: dict[str, Any], updated: str | None, image: list[str] | None, categories: tuple[tuple[str, ...], ...],
           tags: tuple[str, ...], authors: tuple[Author, ...]) -> Entry:
    return Entry(
        id=data["id"], title=data["title"], link=data["link"], published=datetime.fromisoformat(data["published"]),
        updated=datetime.fromisoformat(updated) if updated else None, summary=data.get("summary", ""),
        content_html=data.get("content_html", ""),
        categories=categories, tags=tags, authors=authors, image=Image(*image) if image else None,
        language=data.get("language"),
        source=data.get("source", ""), origin=data.get("origin", ""),
        via=tuple(Via(*item) for item in data.get("via", ())),
        enclosures=tuple(Enclosure(*item) for item in data.get("enclosures", ())),
        episode=Episode(**data["episode"]) if data.get("episode") else None,
    )


def _content_hash(entry: Entry) -> str:
    """Hash of what a reader sees (``origin`` left out: a moved feed does not change its entries)."""
    return hashlib.sha256(entry_to_json(replace(entry, origin="")).encode()).hexdigest()


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ---------------------------------------------------------------- the store

class Store:
    """An open store file.  Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, connection: sqlite3.Connection, busy_timeout: float) -> None:
        self.path = path
        self._db = connection
        self._busy_timeout = busy_timeout

    @classmethod
    def open(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> Store:
        """Open (or create) the store file at ``path``; its folder must exist.

        Raises :class:`StoreError` when the file is not a SQLite database, belongs to
        something else, has a newer schema, or stays locked longer than ``busy_timeout``.
        """
        try:
            connection = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(path, f"cannot open the store: {exc}") from None
        store = cls(path, connection, busy_timeout)
        try:
            store._prepare()
        except BaseException:
            connection.close()
            raise
        return store

    def _prepare(self) -> None:
        with self._transaction(write=False):
            version = self._schema_version()
        if version < SCHEMA_VERSION:
            with self._transaction():
                version = self._schema_version()  # another process may have migrated it meanwhile
                for script in SHARED_MIGRATIONS[version:]:
                    for statement in filter(str.strip, script.split(";")):
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        with self._errors():
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")

    def _schema_version(self) -> int:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(self.path, f"written by a newer feedkit (store schema {version}, this version "
                                        f"understands up to {SCHEMA_VERSION}): upgrade feedkit, or use another "
                                        f"file, or start afresh: {RECOVERY}")
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and tables - _TABLES:
            raise StoreError(self.path, "is a SQLite database but not a feedkit store (it has tables "
                                        f"{', '.join(sorted(tables - _TABLES))}): use another file")
        return version

    @property
    def location(self) -> str:
        return str(self.path)

    def close(self) -> None:
        """Close the file (idempotent)."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(self.path, f"the store is locked by another process (waited "
                                            f"{self._busy_timeout:g} s): {exc}. Wait for that process (another "
                                            "feedkit, a backup, a sqlite3 shell) to finish, then try again") from None
            if "full" in str(exc):
                raise StoreError(self.path, f"cannot write the store: {exc}. Nothing was committed (the store is "
                                            "as the last complete build left it): free some space and try again") \
                    from None
            raise StoreError(self.path, f"cannot use the store: {exc}. {RECOVERY}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.path, f"damaged or not a feedkit store ({exc}). {RECOVERY}") from None

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[None]:
        """One transaction; a writer takes the write lock up front (no deadlock on upgrade)."""
        with self._errors():
            self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            self._db.execute("COMMIT")

    def _rollback(self) -> None:
        if self._db.in_transaction:
            with suppress(sqlite3.Error):  # the original error says more
                self._db.execute("ROLLBACK")

    # ------------------------------------------------------------ sources

    def state(self, name: str, url: str) -> SourceState:
        """The state of source ``name`` (a blank one is created if new).

        When the configured ``url`` differs from the stored one, the user pointed the source
        elsewhere: validators, final URL, failures, next attempt and retirement are reset.
        """
        with self._transaction():
            self._db.execute("INSERT OR IGNORE INTO sources (name, url) VALUES (?, ?)", (name, url))
            self._db.execute(
                "UPDATE sources SET url = ?, final_url = NULL, etag = NULL, last_modified = NULL, failures = 0, "
                "next_attempt = NULL, retired = 0, last_error = NULL WHERE name = ? AND url != ?", (url, name, url))
            return self._read_state(name)

    def states(self) -> list[SourceState]:
        """Every known source, by name."""
        with self._transaction(write=False):
            names = [row[0] for row in self._db.execute("SELECT name FROM sources ORDER BY name")]
            return [self._read_state(name) for name in names]

    def _read_state(self, name: str) -> SourceState:
        row = self._db.execute(
            "SELECT name, url, final_url, etag, last_modified, last_attempt, last_success, last_error, failures, "
            "next_attempt, retired, (SELECT COUNT(*) FROM entries WHERE source = sources.name) "
            "FROM sources WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise KeyError(name)
        return SourceState(
            name=row[0], url=row[1], final_url=row[2], etag=row[3], last_modified=row[4],
            last_attempt=_time(row[5]), last_success=_time(row[6]), last_error=row[7], failures=int(row[8]),
            next_attempt=_time(row[9]), retired=bool(row[10]), entries=int(row[11]))

    def record_fetch(self, name: str, result: FetchResult, *, now: datetime, interval: int,
                     max_backoff: int) -> SourceState:
        """Remember the outcome of fetching source ``name`` (which :meth:`state` created)."""
        with self._transaction():
            old = self._read_state(name)
            changes = fetch_changes(old, result, now=now, interval=interval, max_backoff=max_backoff)
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self._db.execute(f"UPDATE sources SET {assignments} WHERE name = ?", (*changes.values(), name))
            return self._read_state(name)

    def due(self, name: str, now: datetime) -> bool:
        """True when source ``name`` should be fetched now (unknown sources are due)."""
        with self._transaction(write=False):
            row = self._db.execute("SELECT retired, next_attempt FROM sources WHERE name = ?", (name,)).fetchone()
        if row is None:
            return True
        next_attempt = _time(row[1])
        return not row[0] and (next_attempt is None or next_attempt <= now)

    # ------------------------------------------------------------ entries

    def save_entries(self, source: str, entries: Sequence[Entry], *, now: datetime) -> tuple[int, int]:
        """Store what source ``source`` currently offers; return (new, changed) counts.

        Known ids keep their first-seen time; every saved entry gets ``last_seen = now``.
        """
        new = changed = 0
        seen = _utc_text(now)
        with self._transaction():
            for entry in entries:
                digest = _content_hash(entry)
                row = self._db.execute("SELECT hash FROM entries WHERE source = ? AND id = ?",
                                       (source, entry.id)).fetchone()
                if row is None:
                    new += 1
                    self._db.execute(
                        "INSERT INTO entries (source, id, first_seen, last_seen, published, hash, data) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (source, entry.id, seen, seen, _utc_text(entry.published), digest, entry_to_json(entry)))
                    continue
                changed += row[0] != digest
                self._db.execute(
                    "UPDATE entries SET last_seen = ?, published = ?, hash = ?, data = ? WHERE source = ? AND id = ?",
                    (seen, _utc_text(entry.published), digest, entry_to_json(entry), source, entry.id))
        return new, changed

    def first_seen(self, source: str, entry_id: str) -> datetime | None:
        """When entry ``entry_id`` of ``source`` was first stored, or None."""
        with self._transaction(write=False):
            row = self._db.execute("SELECT first_seen FROM entries WHERE source = ? AND id = ?",
                                   (source, entry_id)).fetchone()
        return _time(row[0]) if row else None

    _RETAINED = ("SELECT id, data FROM entries WHERE source = ? AND last_seen >= ? "
                 "ORDER BY published DESC, id LIMIT ?")

    def entries(self, source: str, *, now: datetime, keep_days: int, keep_count: int) -> list[Entry]:
        """The retained entries of ``source``, newest first (ties by id).

        Retained: seen within the last ``keep_days`` days, and among the ``keep_count`` newest by published date.
        """
        with self._transaction(write=False):
            rows = self._db.execute(self._RETAINED, (source, _cutoff(now, keep_days), max(keep_count, 0))).fetchall()
        return [entry_from_json(data) for _id, data in rows]

    def prune(self, source: str, *, now: datetime, keep_days: int, keep_count: int) -> int:
        """Delete the entries of ``source`` that :meth:`entries` no longer returns; return how many."""
        with self._transaction():
            kept = {row[0] for row in self._db.execute(
                self._RETAINED, (source, _cutoff(now, keep_days), max(keep_count, 0)))}
            ids = [row[0] for row in self._db.execute("SELECT id FROM entries WHERE source = ?", (source,))]
            doomed = [(source, entry_id) for entry_id in ids if entry_id not in kept]
            self._db.executemany("DELETE FROM entries WHERE source = ? AND id = ?", doomed)
        return len(doomed)


    # ------------------------------------------------------------ the parse cache and the last build

    def cached_articles(self, source: str) -> dict[str, CachedArticle]:
        """Every cached article file of ``source``, by its path inside the source (without its result)."""
        with self._transaction(write=False):
            rows = self._db.execute(
                "SELECT rel_path, config_key, size, mtime_ns, digest, uses_mtime FROM articles "
                "WHERE source = ?", (source,)).fetchall()
        return {row[0]: CachedArticle(row[0], row[1], int(row[2]), int(row[3]), row[4], int(row[5])) for row in rows}

    def article_results(self, source: str) -> Iterator[tuple[str, str]]:
        """(path inside the source, result JSON) of every cached file of ``source``, as they are read."""
        with self._transaction(write=False):
            cursor = self._db.execute("SELECT rel_path, result FROM articles WHERE source = ?", (source,))
            while rows := cursor.fetchmany(1000):
                yield from rows

    def restat_articles(self, source: str, rows: Sequence[CachedArticle]) -> None:
        """Give cached files their new size and time (same bytes, so the same result)."""
        with self._transaction():
            self._db.executemany("UPDATE articles SET size = ?, mtime_ns = ?, uses_mtime = ? WHERE source = ? "
                                 "AND rel_path = ?", [(r.size, r.mtime_ns, r.uses_mtime, source, r.rel_path)
                                                      for r in rows])

    def cache_articles(self, source: str, rows: Sequence[CachedArticle], *, gone: Sequence[str] = ()) -> None:
        """Remember ``rows`` (replacing earlier ones) and forget the files in ``gone``."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO articles (source, rel_path, config_key, size, mtime_ns, digest, uses_mtime, "
                "result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(source, r.rel_path, r.config_key, r.size, r.mtime_ns, r.digest, int(r.uses_mtime), r.result)
                 for r in rows])
            for table in ("articles", "article_bodies"):
                self._db.executemany(f"DELETE FROM {table} WHERE source = ? AND rel_path = ?",
                                     [(source, rel_path) for rel_path in gone])

    def forget_sources(self, keep: Sequence[str]) -> None:
        """Drop the cached articles of every source not in ``keep`` (a source removed from the config)."""
        with self._transaction():
            marks = ", ".join("?" for _ in keep)
            for table in ("articles", "article_bodies"):
                self._db.execute(f"DELETE FROM {table} WHERE source NOT IN ({marks})", tuple(keep))

    def article_bodies(self, source: str, rel_paths: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The remembered bodies of ``rel_paths`` in ``source``: (key, body JSON) by path."""
        found: dict[str, tuple[str, str]] = {}
        with self._transaction(write=False):
            for start in range(0, len(rel_paths), 500):
                chunk = rel_paths[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                for rel_path, key, body in self._db.execute(
                        f"SELECT rel_path, key, body FROM article_bodies WHERE source = ? AND rel_path IN ({marks})",
                        (source, *chunk)):
                    found[rel_path] = (key, body)
        return found

    def cache_bodies(self, source: str, rows: Sequence[tuple[str, str, str]]) -> None:
        """Remember bodies: (path inside the source, key, body JSON) each."""
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO article_bodies (source, rel_path, key, body) "
                                 "VALUES (?, ?, ?, ?)", [(source, *row) for row in rows])

    def build_value(self, key: str) -> str | None:
        with self._transaction(write=False):
            row = self._db.execute("SELECT value FROM builds WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def outputs(self) -> dict[str, OutputRecord]:
        """What the last build published, by path relative to the output folder."""
        with self._transaction(write=False):
            rows = self._db.execute("SELECT path, fingerprint, size, mtime_ns FROM outputs").fetchall()
        return {row[0]: OutputRecord(row[0], row[1], int(row[2]), int(row[3])) for row in rows}

    def record_build(self, values: dict[str, str], outputs: Sequence[OutputRecord], *, replace_all: bool) -> None:
        """Remember a build: ``values`` by key, and the files it published (all of them with ``replace_all``)."""
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO builds (key, value) VALUES (?, ?)", list(values.items()))
            if replace_all:
                self._db.execute("DELETE FROM outputs")
            self._db.executemany(
                "INSERT OR REPLACE INTO outputs (path, fingerprint, size, mtime_ns) VALUES (?, ?, ?, ?)",
                [(o.path, o.fingerprint, o.size, o.mtime_ns) for o in outputs])

    # ------------------------------------------------------------ leases: one daemon per file (daemon/lock.py)

    def claim_sources(self, names: Sequence[str], *, owner: str, seconds: float) -> list[str]:
        """Every name: a SQLite store has one daemon (the lock file keeps others out)."""
        return list(names)

    def release_sources(self, names: Sequence[str], *, owner: str) -> None:
        """Nothing to release (see :meth:`claim_sources`)."""

    def claim_publisher(self, *, owner: str, seconds: float) -> bool:
        """Always true: the only daemon is the publisher."""
        return True

    def release_publisher(self, *, owner: str) -> None:
        """Nothing to release (see :meth:`claim_publisher`)."""

    def register_daemon(self, *, owner: str, seconds: float) -> None:
        """Nothing to record: the lock file names the one daemon (daemon/lock.py)."""

    def unregister_daemon(self, *, owner: str) -> None:
        """Nothing to forget (see :meth:`register_daemon`)."""

    def leases(self) -> list[Lease]:
        """None are kept in a SQLite store."""
        return []


def fetch_changes(old: SourceState, result: FetchResult, *, now: datetime, interval: int,
                  max_backoff: int) -> dict[str, object]:
    """The ``sources`` columns to set after fetching a source whose state was ``old`` (every backend)."""
    changes: dict[str, object] = {"last_attempt": _utc_text(now)}
    if result.outcome in ("ok", "not_modified"):
        changes.update(failures=0, last_error=None, last_success=_utc_text(now), retired=0,
                       etag=result.validators.etag, last_modified=result.validators.last_modified,
                       next_attempt=_utc_text(now + timedelta(seconds=interval)))
        if result.moved_to:
            changes["final_url"] = result.moved_to
    elif result.outcome == "gone":
        changes.update(retired=1, last_error=result.error, next_attempt=None)
    elif result.outcome == "throttled":
        earliest = now + timedelta(seconds=interval)
        wait_until = max(result.retry_after, earliest) if result.retry_after else earliest
        changes.update(last_error=result.error, next_attempt=_utc_text(wait_until))
    else:
        failures = old.failures + 1
        delay = min(max_backoff, interval * 2 ** min(failures - 1, 40))
        changes.update(failures=failures, last_error=result.error,
                       next_attempt=_utc_text(now + timedelta(seconds=delay)))
    return changes


def check_store(path: Path) -> tuple[list[str], dict[str, int]]:
    """Check the store file at ``path`` without changing it: the problems found (none: healthy) and the
    row count of each table.  Looks at the header, the schema version and ``PRAGMA integrity_check``."""
    try:
        with path.open("rb") as stream:
            header = stream.read(16)
    except OSError as exc:
        return [f"cannot read it: {exc.strerror or exc}"], {}
    if header and header != b"SQLite format 3\x00":
        return ["not a SQLite database (its first bytes are not the SQLite header)"], {}
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as exc:
        return [f"cannot open it: {exc}"], {}
    problems: list[str] = []
    counts: dict[str, int] = {}
    try:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            problems.append(f"written by a newer feedkit (schema {version}; this one understands up to "
                            f"{SCHEMA_VERSION})")
        rows = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            problems.extend(f"integrity: {row}" for row in rows[:20])
        tables = {str(row[0]) for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables - _TABLES:
            problems.append(f"not a feedkit store (it has tables {', '.join(sorted(tables - _TABLES))})")
        for table in sorted(tables & _TABLES):
            counts[table] = int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.Error as exc:
        problems.append(f"damaged: {exc}")
    finally:
        connection.close()
    return problems, counts


def move_aside(path: Path, stamp: str) -> Path | None:
    """Rename the store file at ``path`` (with its ``-wal`` and ``-shm``) to ``PATH.damaged-STAMP``; the new
    name, or None when there was no file."""
    if not path.exists() and not path.is_symlink():
        return None
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    path.rename(aside)
    return aside


def _cutoff(now: datetime, keep_days: int) -> str:
    return _utc_text(now - timedelta(days=keep_days))


def health_from_state(state: SourceState, outcome: str = "-") -> SourceHealth:
    """A source's health as the store remembers it (``feedkit status``)."""
    if state.retired:
        status = "retired"
    elif state.failures:
        status = "failing"
    elif state.last_success:
        status = "ok"
    else:
        status = "pending"
    return SourceHealth(
        name=state.name, url=state.fetch_url, status=status, outcome=outcome, last_success=state.last_success,
        last_error=state.last_error, failures=state.failures, entries=state.entries, next_attempt=state.next_attempt,
    )
