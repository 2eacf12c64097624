"""What a fetch gives back: plain data, no network code (the store records it without loading httpx)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server gave us to make the next request conditional."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one fetch: never an exception, always one of five outcomes."""

    url: str
    outcome: str
    """``ok``, ``not_modified``, ``gone``, ``throttled`` or ``error``."""
    status: int | None
    body: bytes | None
    headers: Mapping[str, str]
    validators: Validators
    final_url: str
    moved_to: str | None
    """The URL to record when the first hop(s) of the chain were permanent (301/308)."""
    retry_after: datetime | None
    error: str | None
    elapsed: float
