"""Stage: bytes -> the output folder, and the world told about it.

:mod:`~feedkit.output.write` is the only code that writes output (containment, atomic
replace, write-if-changed); :mod:`~feedkit.output.websub` pings hubs after a build that
changed channels.
"""

from __future__ import annotations

from feedkit.output.websub import notify_hubs
from feedkit.output.write import safe_output_path, write_if_changed

__all__ = [
    "notify_hubs",
    "safe_output_path",
    "write_if_changed",
]
