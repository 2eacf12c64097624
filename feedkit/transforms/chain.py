"""A config's transforms as a chain of steps: compiled once per build, run per entry.

Order: the ``[[transforms]]`` tables as written, then the Python functions given to
:func:`feedkit.build`.  A step with ``sources`` sees only those sources' entries.  A step that
raises drops that entry only, with an error naming the step and the entry; the build goes on.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from feedkit.config.types import Config
from feedkit.model import Entry, Problem
from feedkit.transforms.builtin import make

Transform = Callable[[Entry], "Entry | None"]
"""A transform: return the entry (changed or not), or None to drop it."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    """``transforms[0] (replace)`` for a table, the function's name for a Python transform."""
    apply: Transform
    sources: frozenset[str] = frozenset()
    """Only entries of these sources; empty: every entry."""

    def wants(self, entry: Entry) -> bool:
        return not self.sources or entry.source in self.sources


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one step did to one entry (``feedkit explain``)."""

    step: str
    outcome: str
    """``changed``, ``unchanged``, ``dropped``, ``failed`` or ``not applied`` (another source)."""
    changes: tuple[str, ...] = ()
    error: str | None = None


def compile_steps(config: Config, *, now: datetime, extra: Sequence[Transform] = ()) -> list[Step]:
    """The steps of ``config.transforms`` (raising :class:`~feedkit.errors.ConfigError` for a
    table that cannot be used, such as ``code`` without ``allow_code``) and of ``extra``."""
    steps = [
        Step(f"transforms[{i}] ({spec.type})", make(spec, f"transforms[{i}]", now=now, allow_code=config.allow_code),
             frozenset(spec.sources))
        for i, spec in enumerate(config.transforms)
    ]
    steps += [Step(getattr(function, "__name__", repr(function)), function) for function in extra]
    return steps


def _run(step: Step, entry: Entry) -> Entry | None:
    result = step.apply(entry)
    if result is not None and not isinstance(result, Entry):
        raise TypeError(f"returned {type(result).__name__}, not an Entry or None")
    return result


def apply_steps(entries: Sequence[Entry], steps: Sequence[Step], problems: list[Problem]) -> Iterator[Entry]:
    """Every entry through every step that wants it; dropped entries are left out."""
    for entry in entries:
        current: Entry | None = entry
        for step in steps:
            if current is None:
                break
            if not step.wants(current):
                continue
            try:
                current = _run(step, current)
            except Exception as exc:  # a transform must not take the build down
                problems.append(Problem(entry.origin, f"transform {step.name} failed: {exc!r}; entry skipped"))
                current = None
        if current is not None:
            yield current


def trace_steps(entry: Entry, steps: Sequence[Step]) -> tuple[Entry | None, list[StepResult]]:
    """Like :func:`apply_steps` for one entry, saying what each step did."""
    results: list[StepResult] = []
    current: Entry | None = entry
    for step in steps:
        if current is None:
            break
        if not step.wants(current):
            results.append(StepResult(step.name, "not applied", (f"only for {', '.join(sorted(step.sources))}",)))
            continue
        try:
            after = _run(step, current)
        except Exception as exc:
            results.append(StepResult(step.name, "failed", error=repr(exc)))
            return None, results
        if after is None:
            results.append(StepResult(step.name, "dropped"))
        else:
            changes = tuple(describe_changes(current, after))
            results.append(StepResult(step.name, "changed" if changes else "unchanged", changes))
        current = after
    return current, results


def describe_changes(before: Entry, after: Entry) -> Iterator[str]:
    """One line per field that differs: ``title: '_a_' -> '“a”'``."""
    for field in fields(Entry):
        old, new = getattr(before, field.name), getattr(after, field.name)
        if old == new:
            continue
        if isinstance(old, str) and isinstance(new, str) and (len(old) > 120 or len(new) > 120):
            yield f"{field.name}: {len(old)} -> {len(new)} characters ({_first_difference(old, new)})"
        else:
            yield f"{field.name}: {old!r} -> {new!r}"


def _first_difference(old: str, new: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    start = max(0, at - 20)
    return f"from character {at}: {old[start:at + 40]!r} -> {new[start:at + 40]!r}"


def steps_key(config: Config, now: datetime) -> str:
    """What the output depends on besides the config itself: the file of every module a ``code``
    transform names (its content hash: editing it makes the next build redo the work), and, with
    an ``older_than`` rule, the clock (entries age out, so such a build is never skipped)."""
    parts: list[str] = []
    for spec in config.transforms:
        if spec.type == "code":
            parts.append(f"{spec.function}={_module_digest(spec.function.partition(':')[0])}")
        if spec.older_than is not None:
            parts.append(f"now={now.isoformat()}")
    return ";".join(parts)


def _module_digest(module_name: str) -> str:
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return "missing"
    origin = spec.origin if spec is not None else None
    if not origin or not Path(origin).is_file():
        return "unknown"
    return hashlib.blake2b(Path(origin).read_bytes(), digest_size=16).hexdigest()
