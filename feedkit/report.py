"""What a build did: read, skipped and why, written, unchanged."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .model import ChannelInfo, Problem, Severity


@dataclass(slots=True)
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
            "channels": [asdict(c) | {"category": list(c.category) if c.category else None} for c in self.channels],
            "written": self.written,
            "unchanged": self.unchanged,
        }
        return json.dumps(data, ensure_ascii=False, indent=2)
