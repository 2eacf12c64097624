"""``feedkit run``: the long-running daemon around :func:`feedkit.pipeline.build`.

:mod:`~feedkit.daemon.service` (the loop, signals, reloads), :mod:`~feedkit.daemon.schedule`
(the only module importing APScheduler), :mod:`~feedkit.daemon.builder` (one build at a time,
debounced), :mod:`~feedkit.daemon.serve` (HTTP for the output folder and ``/healthz``),
:mod:`~feedkit.daemon.lock` (one daemon per store), :mod:`~feedkit.daemon.changes` (what a
reload or rescan changed) and :mod:`~feedkit.daemon.eventlog` (structured log lines).
"""

from __future__ import annotations

from feedkit.daemon.service import DaemonSettings, run

__all__ = [
    "DaemonSettings",
    "run",
]
