"""Progress of long builds: bars on a terminal, plain lines elsewhere, nothing with --quiet."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedkit import cli
from feedkit.cli import main

from .conftest import write_article


def site(folder: Path, count: int = 5) -> Path:
    for i in range(count):
        text = f"---\ntitle: P{i}\ndate: 2022-06-0{1 + i}\ncategories: [c{i % 2}]\n---\nx\n"
        write_article(folder, f"c{i % 2}/p{i}.md", text)
    return folder


def test_plain_progress_lines_when_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    result = CliRunner().invoke(main, ["build", str(site(tmp_path / "src")), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("progress:")]
    assert "progress: articles read 5/5" in lines
    assert any(line.startswith("progress: channels written") and line.endswith("/3") for line in lines)


def test_quiet_shows_no_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    result = CliRunner().invoke(main, ["build", str(site(tmp_path / "src")), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0 and "progress" not in result.stderr


def test_short_builds_show_no_progress(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(site(tmp_path / "src")), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and "progress" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_terminal_gets_progress_bars(tmp_path: Path) -> None:
    code = ("import sys; from feedkit import cli; cli.PROGRESS_DELAY = 0.0; "
            "sys.argv = ['feedkit', 'build', sys.argv[1], '--out', sys.argv[2]]; cli.main()")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    child = subprocess.Popen([sys.executable, "-c", code, str(site(tmp_path / "src")), str(tmp_path / "out")],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert child.wait(timeout=60) == 0
    assert b"articles read" in seen and b"/5 [" in seen and b"channels written" in seen
