"""A short smoke run of every benchmark, so they keep working (numbers are not asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import bench_build, run


def test_build_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_build.main(["--articles", "30", "--repeat", "1"]) == 0
    assert "x floor" in capsys.readouterr().out


def test_html_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_html

    assert bench_html.main(["--bodies", "20", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "floor: lxml parse + nh3.clean" in out and "x floor" in out


def test_serve_load_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import serve_load

    assert serve_load.main(["--requests", "200", "--seconds", "5", "--readers", "20", "--slow", "20"]) == 0
    out = capsys.readouterr().out
    assert "20 readers:" in out and "slow clients" in out and "errors none" in out


def test_bench_command_quick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python3 dev.py bench --quick``: every scenario runs and reports against its floor."""
    results = tmp_path / "results.json"
    assert run.main(["--quick", "--tmp", str(tmp_path), "--results", str(results)]) == 0
    out = capsys.readouterr().out
    for label in ("floor: read bytes", "floor: + nh3 cleaning, two processes", "feedkit cold build",
                  "no-change rebuild", "rebuild, all files rewritten", "rebuild after changing one file",
                  "floor: GET + lxml parse", "feedkit cold refresh", "feedkit all-304 refresh"):
        assert label in out
    data = json.loads(results.read_text(encoding="utf-8"))
    upstream = data["upstream"]
    assert upstream["cold"]["served"] == {"200": upstream["feeds"]}
    assert upstream["all304"]["served"] == {"304": upstream["feeds"]}  # conditional GETs, nothing re-sent
    article = data["articles"][0]
    assert article["cold"]["published"] == article["articles"]
    assert article["nochange"]["written"] == 0
    assert article["cold"]["rss_mib"] > 0
    assert [point["articles"] for point in data["curve"]] == [10, 100]
    assert list(tmp_path.iterdir()) == [results]  # the generated inputs are gone


def test_scale_simulation_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python3 dev.py scale``, small: two daemons on one PostgreSQL store share 200 upstreams, none polled twice."""
    pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    from benchmarks import scale

    from .pgserver import Unavailable, _bin_dir

    try:
        _bin_dir()
    except Unavailable as exc:
        pytest.skip(str(exc))
    results = tmp_path / "scale.json"
    assert scale.main(["--daemons", "2", "--upstreams", "200", "--seconds", "16", "--interval", "6",
                       "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "| daemons | every upstream polled after" in out, out
    [run] = json.loads(results.read_text(encoding="utf-8"))["runs"]
    assert run["duplicates"] == 0, run
    assert run["polled_upstreams"] == 200 and run["all_polled_after"] is not None, run
    assert all(daemon["errors"] == 0 for daemon in run["per_daemon"]), run
    assert run["exit_codes"] == [0, 0], run
    assert run["polls"] >= 400  # every upstream polled again after its interval: 304s
