"""The daemon's structured log and counters.

One line per event on standard error, either ``key=value`` text::

    2026-12-01T02:00:00.123Z info poll source=agency url=https://… outcome=fetched entries=20

or one JSON object (``--log-format json``)::

    {"ts": "2026-12-01T02:00:00.123Z", "level": "info", "event": "poll", "source": "agency", …}

Values are text, numbers, booleans, ``None`` or lists of text; text values with spaces,
quotes or ``=`` are quoted in the text format.  Lines are written whole under a lock, so
threads never interleave them.  The wall clock appears here (and in ``/healthz``), never
in the published files.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TextIO

LOG_FORMATS = ("text", "json")

LogValue = str | int | float | bool | None | Sequence[str]


@dataclass(slots=True)
class Counters:
    """Totals since the daemon started (``/healthz``)."""

    builds: int = 0
    build_errors: int = 0
    """Builds that raised (store locked, output folder not writable, …)."""
    polls: int = 0
    """Upstream feeds fetched or read (``not due`` does not count)."""
    poll_errors: int = 0
    """Polls that failed, were throttled or answered 410 Gone."""
    files_written: int = 0
    problems: int = 0
    """Skipped inputs and warnings logged (each distinct one once)."""
    reloads: int = 0
    reload_errors: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class EventLog:
    """Writes structured lines to ``stream`` (default: standard error)."""

    def __init__(self, log_format: str = "text", stream: TextIO | None = None) -> None:
        if log_format not in LOG_FORMATS:
            raise ValueError(f"log format {log_format!r}: expected one of {', '.join(LOG_FORMATS)}")
        self.format = log_format
        self._stream = stream
        self._lock = threading.Lock()

    def info(self, event: str, **fields: LogValue) -> None:
        self.emit("info", event, fields)

    def warning(self, event: str, **fields: LogValue) -> None:
        self.emit("warning", event, fields)

    def error(self, event: str, **fields: LogValue) -> None:
        self.emit("error", event, fields)

    def emit(self, level: str, event: str, fields: dict[str, LogValue]) -> None:
        """Write one line: the time, ``level``, ``event`` and ``fields`` (``None`` values left out)."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        present = {key: value for key, value in fields.items() if value is not None}
        if self.format == "json":
            line = json.dumps({"ts": stamp, "level": level, "event": event, **present}, ensure_ascii=False)
        else:
            line = " ".join([stamp, level, event, *(f"{key}={_text_value(value)}" for key, value in present.items())])
        stream = self._stream or sys.stderr
        with self._lock:
            stream.write(line + "\n")
            stream.flush()


def _text_value(value: LogValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = ",".join(value) if isinstance(value, list | tuple) else str(value)
    if text and not any(char.isspace() or char in '"=\\' for char in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class LibraryLogHandler(logging.Handler):
    """Sends a library's :mod:`logging` records (APScheduler's) into the event log as ``event``."""

    def __init__(self, log: EventLog, event: str) -> None:
        super().__init__(logging.WARNING)
        self._log = log
        self._event = event

    def emit(self, record: logging.LogRecord) -> None:
        level = "error" if record.levelno >= logging.ERROR else "warning"
        self._log.emit(level, self._event, {"message": record.getMessage()})
