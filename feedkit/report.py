"""What a build did: read, skipped and why, written, unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from feedkit.model import ChannelInfo, Problem, Severity


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One upstream feed's state after a build (and in ``feedkit status``)."""

    name: str
    url: str
    """The URL polled now (after a recorded permanent redirect), or the local path."""
    status: str
    """``ok``, ``failing``, ``retired`` (410 Gone) or ``pending`` (never fetched successfully)."""
    outcome: str
    """What this build did: ``fetched``, ``read`` (local file), ``not modified``, ``not due``,
    ``failed``, ``throttled``, ``gone``."""
    last_success: datetime | None
    last_error: str | None
    failures: int
    entries: int
    """Entries of this feed in the output."""
    next_attempt: datetime | None

    def line(self) -> str:
        success = self.last_success.isoformat() if self.last_success else "never"
        nxt = self.next_attempt.isoformat() if self.next_attempt else "-"
        error = f", last error: {self.last_error}" if self.last_error and self.status != "ok" else ""
        return (f"{self.status.upper():8} {self.name} ({self.url}): {self.outcome}, {self.entries} entries, "
                f"last success {success}, next attempt {nxt}{error}")

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("last_success", "next_attempt"):
            value = getattr(self, key)
            data[key] = value.isoformat() if value else None
        return data


Progress = Callable[[str, int, int], None]
"""Told ``(stage, done, total)`` as a build advances: ``"articles"`` (files parsed), ``"feeds"``
(upstreams fetched) and ``"channels"`` (channels published).  Called from the building thread."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The default :data:`Progress`: tells nobody."""


@dataclass
class BuildReport:
    """The result of :func:`feedkit.build`.  ``skipped`` inputs were left out; ``warnings`` were used."""

    read: int = 0
    """Article files read."""
    published: int = 0
    """Distinct entries available to channels."""
    excluded: int = 0
    """Drafts and unpublished articles (not an error)."""
    problems: list[Problem] = field(default_factory=list)
    channels: list[ChannelInfo] = field(default_factory=list)
    sources: list[SourceHealth] = field(default_factory=list)
    """Health of every upstream feed."""
    sites: list[str] = field(default_factory=list)
    """Article sources read as a generator's site: which generator, which config file, where links start."""
    written: list[str] = field(default_factory=list)
    """Files whose bytes changed (relative to the output folder)."""
    unchanged: list[str] = field(default_factory=list)
    """Files that already had exactly the new bytes and were not touched."""
    dry_run: bool = False

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def notes(self) -> list[Problem]:
        """Decisions worth knowing that lost nothing (merges of copies from several sources)."""
        return [p for p in self.problems if p.severity is Severity.INFO]

    @property
    def ok(self) -> bool:
        """True when nothing was skipped."""
        return not self.skipped

    def summary(self) -> str:
        parts = [
            f"read {self.read}",
            f"published {self.published}",
            f"excluded {self.excluded}",
            f"skipped {len(self.skipped)}",
            f"warnings {len(self.warnings)}",
            f"channels {len(self.channels)}",
        ]
        if self.sources:
            failing = sum(1 for s in self.sources if s.status != "ok")
            parts.insert(1, f"feeds {len(self.sources)} ({failing} not ok)")
        if self.dry_run:
            parts.append("nothing written (check)")
        else:
            parts += [f"files written {len(self.written)}", f"unchanged {len(self.unchanged)}"]
        return ", ".join(parts)

    def to_json(self) -> str:
        data = {
            "read": self.read,
            "published": self.published,
            "excluded": self.excluded,
            "skipped": [asdict(p) | {"severity": p.severity.value} for p in self.skipped],
            "warnings": [asdict(p) | {"severity": p.severity.value} for p in self.warnings],
            "notes": [asdict(p) | {"severity": p.severity.value} for p in self.notes],
            "channels": [asdict(c) | {"category": list(c.category) if c.category else None} for c in self.channels],
            "sources": [s.to_dict() for s in self.sources],
            "sites": self.sites,
            "written": self.written,
            "unchanged": self.unchanged,
        }
        return json.dumps(data, ensure_ascii=False, indent=2)
