"""A short smoke run of every benchmark, so they keep working (numbers are not asserted)."""

from __future__ import annotations

import pytest

from benchmarks import bench_build


def test_build_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_build.main(["--articles", "30", "--repeat", "1"]) == 0
    assert "x floor" in capsys.readouterr().out
