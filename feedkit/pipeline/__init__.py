"""The pipeline: :func:`build` is the one place where the stages meet.

:mod:`~feedkit.pipeline.build` wires articles and upstreams through channels, render and
output and returns the report; :mod:`~feedkit.pipeline.publish` renders and writes one
channel (with its archive pages).
"""

from __future__ import annotations

from feedkit.pipeline.build import Transform, build

__all__ = [
    "Transform",
    "build",
]
