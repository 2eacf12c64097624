"""Crash safety: real ``feedkit build`` and ``feedkit run`` processes killed with SIGKILL (tests/crashkit.py).

The short run here kills a few times at different points; ``python3 dev.py crash`` kills hundreds
of times and prints the figures recorded in docs/operations.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from . import crashkit

pytestmark = pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "killpg"), reason="POSIX signals")


def test_kills_at_random_points_leave_complete_files_a_sound_store_and_a_good_next_build(tmp_path: Path) -> None:
    kills = int(os.environ.get("FEEDKIT_CRASH_KILLS", "7"))
    figures = crashkit.run(kills, seed=7, articles=16, workdir=tmp_path)
    assert figures.failures == []
    assert figures.survived == figures.kills == kills
    assert figures.torn_files == 0
    assert figures.by_command["run"] >= 1 and figures.by_command["build"] >= 1
    assert len(figures.by_point) >= 5  # timer kills and kills at several chosen events


def test_the_checks_notice_a_torn_file_and_a_wrong_next_build(tmp_path: Path) -> None:
    """The harness is not vacuous: a truncated file, or an output the next build would not give, fails it."""
    harness = crashkit.Harness(tmp_path / "site", articles=8, seed=1)
    crashkit.restore(harness.root, harness.saved)
    target = harness.root / "public" / "all" / "atom.xml"
    target.write_bytes(target.read_bytes()[:-200])  # what an in-place write killed half-way leaves
    with pytest.raises(crashkit.CrashFailure, match=r"all/atom\.xml: does not parse"):
        harness.check("planted", killed=True)
    crashkit.restore(harness.root, harness.saved)
    old = harness.old
    planted = b'[{"files": {"rss": "gone/rss.xml"}}]'
    (harness.root / "public" / "index.json").write_bytes(planted)
    harness.old = {**harness.old, "index.json": planted}  # complete, and "old": only the name is wrong
    with pytest.raises(crashkit.CrashFailure, match=r"index\.json names missing files"):
        harness.check("planted", killed=True)
    harness.old = old
    crashkit.restore(harness.root, harness.saved)
    harness.new = {**harness.new, "all/rss.xml": b"<rss/>"}  # the next build must give exactly this
    with pytest.raises(crashkit.CrashFailure, match="differs from an uninterrupted build"):
        harness.check("planted", killed=True)
