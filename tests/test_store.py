"""feedkit.store with a real SQLite file in tmp_path."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType

import pytest

from feedkit.errors import FeedkitError
from feedkit.model import Author, Enclosure, Entry, Episode, Image
from feedkit.net.fetch import FetchResult, Validators
from feedkit.store import (
    SCHEMA_VERSION,
    SourceState,
    Store,
    StoreBackend,
    StoreError,
    entry_from_json,
    entry_to_json,
    open_store,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
URL = "https://example.org/feed.xml"
HOUR = 3600
NO_VALIDATORS = Validators()


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh store lives: a SQLite file, or a PostgreSQL schema of its own (the same tests run on both)."""
    if request.param == "sqlite":
        return str(tmp_path / "feedkit.sqlite")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(location: str) -> Iterator[StoreBackend]:
    with open_store(location) as opened:
        yield opened


def entry(entry_id: str, published: datetime = NOW, title: str = "Title", **fields: object) -> Entry:
    return Entry(id=entry_id, title=title, link=f"https://example.org/{entry_id}", published=published,
                 source="up", **fields)  # type: ignore[arg-type]


def result(outcome: str, *, status: int | None = 200, validators: Validators = NO_VALIDATORS,
           moved_to: str | None = None, retry_after: datetime | None = None, error: str | None = None) -> FetchResult:
    return FetchResult(url=URL, outcome=outcome, status=status, body=b"" if outcome == "ok" else None,
                       headers=MappingProxyType({}), validators=validators, final_url=moved_to or URL,
                       moved_to=moved_to, retry_after=retry_after, error=error, elapsed=0.1)


# ---------------------------------------------------------------- Entry <-> JSON

FULL = Entry(
    id="tag:example.org,2024:1", title="新浪财经 <b>&amp;</b>", link="https://example.org/a?b=1",
    published=datetime(2024, 5, 1, 20, 0, tzinfo=timezone(timedelta(hours=8))),
    updated=datetime(2024, 5, 2, 1, 2, 3, 456789, tzinfo=UTC), summary="plain", content_html="<p>x</p>",
    categories=(("金融", "新浪财经"), ("news",)), tags=("a", "b"),
    authors=(Author("Ann", "ann@example.org", "https://ann.example"), Author("Bob")),
    image=Image("https://example.org/i.jpg", "image/jpeg"), language="zh-CN", source="up", origin=URL,
    enclosures=(Enclosure("https://cdn.example.org/1.mp3", "audio/mpeg", 1234, 61),
                Enclosure("https://cdn.example.org/1.pdf", "application/pdf")),
    episode=Episode(duration=61, explicit=False, episode=3, season=1, episode_type="full",
                    image="https://example.org/ep.jpg"))


def test_entry_json_round_trip_is_exact() -> None:
    back = entry_from_json(entry_to_json(FULL))
    assert back == FULL
    assert back.published.utcoffset() == timedelta(hours=8)  # the offset itself survives, not only the instant
    assert isinstance(back.categories[0], tuple) and isinstance(back.authors[1], Author)


def test_entry_json_covers_every_entry_field() -> None:
    """A field added to Entry must be added to the JSON too, or it would be lost between builds."""
    assert set(json.loads(entry_to_json(FULL))) == {field.name for field in dataclasses.fields(Entry)}


def test_entry_json_minimal_and_deterministic() -> None:
    minimal = entry("1")
    assert entry_from_json(entry_to_json(minimal)) == minimal
    assert entry_to_json(minimal) == entry_to_json(entry("1"))


def test_entry_json_refuses_naive_dates() -> None:
    with pytest.raises(ValueError, match="naive"):
        entry_to_json(entry("1", published=datetime(2024, 5, 1)))


# ---------------------------------------------------------------- entries

def test_save_and_read_back(store: StoreBackend) -> None:
    assert store.save_entries("up", [FULL, entry("2")], now=NOW) == (2, 0)
    assert store.entries("up", now=NOW, keep_days=30, keep_count=10) == [entry("2"), FULL]  # same instant: by id
    assert store.entries("other", now=NOW, keep_days=30, keep_count=10) == []


def test_first_seen_is_stable_and_changes_are_counted(store: StoreBackend) -> None:
    store.save_entries("up", [entry("1"), entry("2")], now=NOW)
    later = NOW + timedelta(hours=5)
    assert store.save_entries("up", [entry("1"), entry("2", title="Edited"), entry("3")], now=later) == (1, 1)
    assert store.first_seen("up", "1") == NOW and store.first_seen("up", "2") == NOW
    assert store.first_seen("up", "3") == later
    assert store.first_seen("up", "missing") is None
    assert store.entries("up", now=later, keep_days=1, keep_count=10)[1].title == "Edited"


def test_a_new_origin_alone_is_not_a_change(store: StoreBackend) -> None:
    store.save_entries("up", [entry("1", origin=URL)], now=NOW)
    assert store.save_entries("up", [entry("1", origin="https://new.example/feed")], now=NOW) == (0, 0)


def test_entries_are_per_source(store: StoreBackend) -> None:
    store.save_entries("a", [entry("1")], now=NOW)
    store.save_entries("b", [entry("1", title="other")], now=NOW)
    assert store.first_seen("b", "1") == NOW
    assert [e.title for e in store.entries("b", now=NOW, keep_days=1, keep_count=5)] == ["other"]


def test_order_is_published_desc_then_id(store: StoreBackend) -> None:
    older = NOW - timedelta(days=1)
    store.save_entries("up", [entry("b", older), entry("c"), entry("a"), entry("d", older)], now=NOW)
    assert [e.id for e in store.entries("up", now=NOW, keep_days=1, keep_count=10)] == ["a", "c", "b", "d"]


def test_order_compares_instants_across_offsets(store: StoreBackend) -> None:
    shanghai = timezone(timedelta(hours=8))
    early = datetime(2024, 5, 1, 19, 0, tzinfo=shanghai)  # 11:00 UTC
    store.save_entries("up", [entry("early", early), entry("late", NOW)], now=NOW)
    assert [e.id for e in store.entries("up", now=NOW, keep_days=1, keep_count=10)] == ["late", "early"]


def test_retention_by_age_keeps_what_left_the_feed_for_keep_days(store: StoreBackend) -> None:
    store.save_entries("up", [entry("old"), entry("new")], now=NOW)
    later = NOW + timedelta(days=10)
    store.save_entries("up", [entry("new")], now=later)  # "old" left the upstream's window
    assert [e.id for e in store.entries("up", now=later, keep_days=30, keep_count=10)] == ["new", "old"]
    assert [e.id for e in store.entries("up", now=later, keep_days=5, keep_count=10)] == ["new"]
    assert store.prune("up", now=later, keep_days=30, keep_count=10) == 0
    assert store.prune("up", now=later, keep_days=5, keep_count=10) == 1
    assert store.first_seen("up", "old") is None and store.first_seen("up", "new") == NOW


def test_retention_by_count_keeps_the_newest(store: StoreBackend) -> None:
    store.save_entries("up", [entry(f"e{n}", NOW - timedelta(hours=n)) for n in range(5)], now=NOW)
    assert [e.id for e in store.entries("up", now=NOW, keep_days=1, keep_count=2)] == ["e0", "e1"]
    store.save_entries("other", [entry("x")], now=NOW)
    assert store.prune("up", now=NOW, keep_days=1, keep_count=2) == 3
    assert store.entries("up", now=NOW, keep_days=1, keep_count=10) == store.entries(
        "up", now=NOW, keep_days=1, keep_count=2)
    assert store.first_seen("other", "x") == NOW


def test_entries_survive_reopening(location: str) -> None:
    with open_store(location) as first:
        first.save_entries("up", [FULL], now=NOW)
        first.state("up", URL)
    with open_store(location) as second:
        assert second.entries("up", now=NOW, keep_days=1, keep_count=1) == [FULL]
        assert second.states()[0].entries == 1


# ---------------------------------------------------------------- sources

def test_new_source_is_blank_and_due(store: StoreBackend) -> None:
    state = store.state("up", URL)
    assert state == SourceState(name="up", url=URL, final_url=None, etag=None, last_modified=None, last_attempt=None,
                                last_success=None, last_error=None, failures=0, next_attempt=None, retired=False,
                                entries=0)
    assert store.due("up", NOW) and store.due("never-seen", NOW)
    assert state.fetch_url == URL


def test_success_saves_validators_and_schedules_the_next_poll(store: StoreBackend) -> None:
    store.state("up", URL)
    state = store.record_fetch("up", result("ok", validators=Validators('"v1"', "Wed, 01 May 2024 10:00:00 GMT")),
                               now=NOW, interval=HOUR, max_backoff=6 * HOUR)
    assert (state.etag, state.last_modified) == ('"v1"', "Wed, 01 May 2024 10:00:00 GMT")
    assert state.last_success == state.last_attempt == NOW and state.failures == 0
    assert state.next_attempt == NOW + timedelta(hours=1)
    assert not store.due("up", NOW + timedelta(minutes=59)) and store.due("up", NOW + timedelta(hours=1))


def test_permanent_redirect_records_the_final_url(store: StoreBackend) -> None:
    store.state("up", URL)
    moved = "https://new.example/feed"
    state = store.record_fetch("up", result("ok", moved_to=moved), now=NOW, interval=HOUR, max_backoff=HOUR)
    assert state.final_url == moved and state.url == URL and state.fetch_url == moved
    state = store.record_fetch("up", result("not_modified", status=304), now=NOW, interval=HOUR, max_backoff=HOUR)
    assert state.final_url == moved  # kept while the new location answers


def test_changing_the_configured_url_resets_the_source(store: StoreBackend) -> None:
    store.state("up", URL)
    store.record_fetch("up", result("gone", status=410, error="gone"), now=NOW, interval=HOUR, max_backoff=HOUR)
    state = store.state("up", "https://elsewhere.example/feed")
    assert state.url == "https://elsewhere.example/feed" and not state.retired and state.etag is None
    assert store.due("up", NOW)


def test_backoff_grows_caps_and_recovers(store: StoreBackend) -> None:
    store.state("up", URL)
    waits = []
    now = NOW
    for _ in range(6):
        state = store.record_fetch("up", result("error", status=500, error=f"{URL}: HTTP 500"), now=now,
                                   interval=HOUR, max_backoff=6 * HOUR)
        assert state.next_attempt is not None
        waits.append((state.next_attempt - now) / timedelta(hours=1))
        now = state.next_attempt
    assert waits == [1, 2, 4, 6, 6, 6]
    assert state.failures == 6 and state.last_error == f"{URL}: HTTP 500" and state.last_success is None
    recovered = store.record_fetch("up", result("ok"), now=now, interval=HOUR, max_backoff=6 * HOUR)
    assert recovered.failures == 0 and recovered.last_error is None and recovered.last_success == now
    assert recovered.next_attempt == now + timedelta(hours=1)


def test_failure_keeps_the_validators(store: StoreBackend) -> None:
    store.state("up", URL)
    store.record_fetch("up", result("ok", validators=Validators('"v1"')), now=NOW, interval=HOUR, max_backoff=HOUR)
    state = store.record_fetch("up", result("error", status=None, error="x: timed out after 30 s"), now=NOW,
                               interval=HOUR, max_backoff=HOUR)
    assert state.etag == '"v1"' and state.last_success == NOW


def test_retry_after_is_honoured_but_never_sooner_than_the_interval(store: StoreBackend) -> None:
    store.state("up", URL)
    later = NOW + timedelta(hours=3)
    state = store.record_fetch("up", result("throttled", status=429, retry_after=later, error="429"), now=NOW,
                               interval=HOUR, max_backoff=HOUR)
    assert state.next_attempt == later and state.failures == 0 and state.last_error == "429"
    soon = NOW + timedelta(minutes=1)
    state = store.record_fetch("up", result("throttled", status=503, retry_after=soon), now=NOW, interval=HOUR,
                               max_backoff=HOUR)
    assert state.next_attempt == NOW + timedelta(hours=1)
    state = store.record_fetch("up", result("throttled", status=503), now=NOW, interval=HOUR, max_backoff=HOUR)
    assert state.next_attempt == NOW + timedelta(hours=1)


def test_gone_retires_the_source_and_keeps_its_entries(store: StoreBackend) -> None:
    store.state("up", URL)
    store.save_entries("up", [entry("1")], now=NOW)
    state = store.record_fetch("up", result("gone", status=410, error=f"{URL}: HTTP 410 Gone"), now=NOW,
                               interval=HOUR, max_backoff=HOUR)
    assert state.retired and state.entries == 1 and state.last_error == f"{URL}: HTTP 410 Gone"
    assert not store.due("up", NOW + timedelta(days=365))
    assert [e.id for e in store.entries("up", now=NOW, keep_days=1, keep_count=5)] == ["1"]


def test_states_lists_every_source_by_name(store: StoreBackend) -> None:
    store.state("b", URL)
    store.state("a", URL)
    store.save_entries("a", [entry("1"), entry("2")], now=NOW)
    assert [(s.name, s.entries) for s in store.states()] == [("a", 2), ("b", 0)]


def test_record_fetch_of_an_unknown_source_changes_nothing(store: StoreBackend) -> None:
    with pytest.raises(KeyError):
        store.record_fetch("nope", result("ok"), now=NOW, interval=HOUR, max_backoff=HOUR)
    assert store.states() == []


def test_a_failed_call_leaves_the_store_as_it_was(store: StoreBackend) -> None:
    store.save_entries("up", [entry("1")], now=NOW)
    with pytest.raises(ValueError, match="naive"):
        store.save_entries("up", [entry("2"), entry("3", published=datetime(2024, 1, 1))], now=NOW)
    assert [e.id for e in store.entries("up", now=NOW, keep_days=1, keep_count=9)] == ["1"]


# ---------------------------------------------------------------- the file itself

def test_file_is_wal_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store.open(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_an_empty_file_becomes_a_store(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.touch()
    with Store.open(path) as store:
        assert store.states() == []
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert str(caught.value).startswith(f"{path}: written by a newer feedkit (store schema {SCHEMA_VERSION + 1}")
    assert isinstance(caught.value, FeedkitError)


def test_garbage_file_is_a_store_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert str(caught.value).startswith(f"{path}: damaged or not a feedkit store")
    assert path.read_bytes().startswith(b"this is not a database")  # left untouched


def test_someone_elses_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (id INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match=r"not a feedkit store .*photos"):
        Store.open(path)


def test_missing_folder_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the store"):
        Store.open(tmp_path / "no" / "such" / "s.sqlite")


def test_exclusively_locked_store_is_a_store_error_after_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store.open(path) as store:
        store.state("up", URL)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")  # in WAL mode only this keeps readers out too
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO sources (name, url) VALUES ('other', 'x')")
    try:
        started = time.monotonic()
        with Store.open(path, busy_timeout=0.3):  # opening waits for the holder, then gives up
            pass
    except StoreError as exc:
        assert str(exc).startswith(f"{path}: the store is locked by another process (waited 0.3 s)")
        assert 0.25 < time.monotonic() - started < 3
    else:
        pytest.fail("opening a locked store did not fail")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_locked_new_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another process"):
            Store.open(path, busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_write_while_another_process_writes_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store.open(path, busy_timeout=0.2) as store:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            assert store.due("up", NOW)  # WAL: readers are not blocked
            with pytest.raises(StoreError, match="locked"):
                store.save_entries("up", [entry("1")], now=NOW)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert store.save_entries("up", [entry("1")], now=NOW) == (1, 0)
