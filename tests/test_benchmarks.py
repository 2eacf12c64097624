"""A short smoke run of every benchmark, so they keep working (numbers are not asserted)."""

from __future__ import annotations

import pytest

from benchmarks import bench_build


def test_build_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_build.main(["--articles", "30", "--repeat", "1"]) == 0
    assert "x floor" in capsys.readouterr().out


def test_serve_load_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import serve_load

    assert serve_load.main(["--requests", "200", "--seconds", "5", "--readers", "20", "--slow", "20"]) == 0
    out = capsys.readouterr().out
    assert "20 readers:" in out and "slow clients" in out and "errors none" in out
