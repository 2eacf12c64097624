"""Transforms: plain functions ``Entry -> Entry | None`` that rewrite entries after parsing.

A stage of its own between the readers (``articles/``, ``upstream/``) and de-duplication
(``channels/``); only the pipeline imports it.  :mod:`~feedkit.transforms.builtin` holds the
transforms a ``[[transforms]]`` table names by ``type``, :mod:`~feedkit.transforms.rules` the
keep/drop rules, :mod:`~feedkit.transforms.chinese` the OpenCC conversion and
:mod:`~feedkit.transforms.chain` compiles a config's list, runs it per entry (a transform that
raises skips that entry, reported) and says what each step changed (``feedkit explain``).
"""

from __future__ import annotations

from feedkit.transforms.chain import (
    Step,
    StepResult,
    Transform,
    apply_steps,
    compile_steps,
    describe_changes,
    steps_key,
    trace_steps,
)

__all__ = [
    "Step",
    "StepResult",
    "Transform",
    "apply_steps",
    "compile_steps",
    "describe_changes",
    "steps_key",
    "trace_steps",
]
