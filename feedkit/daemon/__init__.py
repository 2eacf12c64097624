"""``feedkit run``: the long-running daemon around :func:`feedkit.pipeline.build`.

:mod:`~feedkit.daemon.service` (the loop, signals, reloads), :mod:`~feedkit.daemon.schedule`
(the only module importing APScheduler), :mod:`~feedkit.daemon.builder` (one build at a time,
debounced), :mod:`~feedkit.daemon.serve` (HTTP for the output folder and ``/healthz``),
:mod:`~feedkit.daemon.lock` (one daemon per store), :mod:`~feedkit.daemon.changes` (what a
reload or rescan changed) and :mod:`~feedkit.daemon.eventlog` (structured log lines).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedkit.daemon.service import DaemonSettings, run


def __getattr__(name: str) -> Any:
    """``DaemonSettings`` and ``run`` load the daemon on first use (the CLI's other commands do not need it)."""
    if name in ("DaemonSettings", "run"):
        from feedkit.daemon import service

        return getattr(service, name)
    raise AttributeError(f"module 'feedkit.daemon' has no attribute {name!r}")

__all__ = [
    "DaemonSettings",
    "run",
]
