"""Stage: entries -> channels.  Pure functions, no I/O.

:mod:`~feedkit.channels.dedupe` (one entry per story), :mod:`~feedkit.channels.route`
(aliases, routing into channels, slugs, order) and :mod:`~feedkit.channels.archive` (RFC 5005
archive pages of a channel's history).
"""

from __future__ import annotations

from feedkit.channels.archive import ArchivePlan, plan_archive, shadowed_archives
from feedkit.channels.dedupe import collapse
from feedkit.channels.route import PlannedChannel, RoutingOptions, apply_aliases, route, sort_key

__all__ = [
    "ArchivePlan",
    "PlannedChannel",
    "RoutingOptions",
    "apply_aliases",
    "collapse",
    "plan_archive",
    "route",
    "shadowed_archives",
    "sort_key",
]
