"""Runs the independent output checker (tests/outputcheck.py) over every file the test suite generates.

Two ways in, neither touching feedkit's code:

* in this process: every ``publish_file`` that feedkit modules imported is wrapped for the
  length of each test, recording the bytes each build writes (a test that builds twice has
  both versions checked, not only the last);
* in subprocesses (``feedkit build``/``run`` started by CLI and daemon tests): at teardown,
  every output folder under the test's ``tmp_path`` (a folder with feedkit's ``index.json``)
  is checked file by file (symlinks in it are not followed: tests plant them on purpose).

A test whose output holds a finding fails at teardown, naming file, rule and detail.  A
test that plants bad output on purpose says so with ``@pytest.mark.unchecked_output("why")``.
Identical bytes are judged once per session; the summary line reports the count.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import feedkit.output.write as write

from . import outputcheck

_verdicts: dict[tuple[str, bytes], list[outputcheck.Finding]] = {}
_stats = {"files": 0, "roots": 0, "seconds": 0.0}


def judge(rel_path: str, data: bytes) -> list[outputcheck.Finding]:
    """Findings for one file, memoised on its suffix and bytes."""
    key = (Path(rel_path).suffix.lower(), hashlib.blake2b(data, digest_size=16).digest())
    _stats["files"] += 1
    if key not in _verdicts:
        _verdicts[key] = outputcheck.check_bytes("", data)
    return [outputcheck.Finding(rel_path, f.rule, f.detail) for f in _verdicts[key]]


def _publish_file_holders() -> list[tuple[Any, Any]]:
    write = sys.modules.get("feedkit.output.write")
    original = getattr(write, "publish_file", None)
    if original is None:
        return []
    return [(module, name) for module_name, module in list(sys.modules.items())
            if module_name.startswith("feedkit") and module is not None
            for name in ("publish_file",) if getattr(module, name, None) is original]


def _roots_under(folder: Path, depth: int = 4) -> Iterator[Path]:
    if depth < 0 or folder.is_symlink() or not folder.is_dir():
        return
    if outputcheck.is_output_root(folder):
        yield folder
        return
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return
    for child in children:
        if child.is_dir() and not child.is_symlink():
            yield from _roots_under(child, depth - 1)


@pytest.fixture(autouse=True)
def _checked_output(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("unchecked_output")
    if marker is not None:
        yield
        return
    # asked for now, so that tmp_path is torn down after this fixture, not before
    tmp_path: Path | None = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    original = write.publish_file
    written: list[tuple[str, bytes]] = []

    def recording(config: Any, rel_path: str, data: bytes, report: Any, *args: Any, **kwargs: Any) -> bool:
        if not getattr(report, "dry_run", False):
            written.append((f"{config.out}/{rel_path}", data))
        return original(config, rel_path, data, report, *args, **kwargs)

    holders = _publish_file_holders()
    for module, name in holders:
        setattr(module, name, recording)
    try:
        yield
    finally:
        for module, name in holders:
            setattr(module, name, original)
    started = time.perf_counter()
    findings: list[outputcheck.Finding] = []
    for path, data in written:
        findings.extend(judge(path, data))
    if tmp_path is not None:
        for root in _roots_under(tmp_path):
            _stats["roots"] += 1
            findings.extend(outputcheck.check_index(root, (root / "index.json").read_bytes()))
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():  # links are planted by tests: never followed
                    findings.extend(judge(str(path), path.read_bytes()))
    _stats["seconds"] += time.perf_counter() - started
    if findings:
        unique = list(dict.fromkeys(str(f) for f in findings))
        pytest.fail("output check (tests/outputcheck.py) found:\n  " + "\n  ".join(unique[:20])
                    + (f"\n  … and {len(unique) - 20} more" if len(unique) > 20 else ""), pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "unchecked_output(reason): this test plants bad output on purpose; "
                                       "tests/outputcheck_plugin.py does not check its files")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _stats["files"]:
        terminalreporter.write_line(
            f"output check: {_stats['files']} files written by builds checked ({len(_verdicts)} distinct, "
            f"{_stats['roots']} output folders scanned) in {_stats['seconds']:.1f} s")
