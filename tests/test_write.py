"""Atomic write-if-changed and the output-folder boundary."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from feedkit.errors import OutputError
from feedkit.output.write import safe_output_path, write_if_changed


def _all_files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_new_file_is_written_with_its_folders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert write_if_changed(out, "category/金融/rss.xml", b"<rss/>") is True
    target = out / "category" / "金融" / "rss.xml"
    assert target.read_bytes() == b"<rss/>"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert _all_files(out) == ["category", "category/金融", "category/金融/rss.xml"]


def test_same_bytes_are_not_rewritten(tmp_path: Path) -> None:
    write_if_changed(tmp_path, "rss.xml", b"same")
    target = tmp_path / "rss.xml"
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    before = target.stat()
    assert write_if_changed(tmp_path, "rss.xml", b"same") is False
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, 1_000_000_000)
    assert _all_files(tmp_path) == ["rss.xml"]


def test_changed_bytes_replace_the_file(tmp_path: Path) -> None:
    write_if_changed(tmp_path, "rss.xml", b"old")
    target = tmp_path / "rss.xml"
    old_inode = target.stat().st_ino
    assert write_if_changed(tmp_path, "rss.xml", b"new and longer") is True
    assert target.read_bytes() == b"new and longer"
    assert target.stat().st_ino != old_inode  # renamed over, never rewritten in place
    assert write_if_changed(tmp_path, "rss.xml", b"new and LONGER") is True  # same size, other bytes
    assert target.read_bytes() == b"new and LONGER"
    assert _all_files(tmp_path) == ["rss.xml"]


def test_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "feed.json"
    target.write_bytes(b"{}")
    target.chmod(0o640)
    write_if_changed(tmp_path, "feed.json", b"[]")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_empty_data_is_a_valid_file(tmp_path: Path) -> None:
    assert write_if_changed(tmp_path, "empty", b"") is True
    assert write_if_changed(tmp_path, "empty", b"") is False
    assert (tmp_path / "empty").read_bytes() == b""


@pytest.mark.parametrize(
    ("rel_path", "reason"),
    [
        ("../x", "'..' path segment"),
        ("a/../../x", "'..' path segment"),
        ("a/..", "'..' path segment"),
        ("/etc/x", "absolute path"),
        ("", "empty path"),
        ("a//b", "empty path segment"),
        ("a/", "empty path segment"),
        ("./x", "'.' path segment"),
        ("a\\..\\x", "backslash"),
        ("a\x00b", "NUL"),
    ],
)
def test_unsafe_relative_paths_are_refused(tmp_path: Path, rel_path: str, reason: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(OutputError, match=reason) as caught:
        safe_output_path(out, rel_path)
    assert repr(rel_path) in str(caught.value)
    with pytest.raises(OutputError):
        write_if_changed(out, rel_path, b"x")
    assert _all_files(tmp_path) == []


def test_symlinked_folder_pointing_outside_is_replaced_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outside = tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "category").symlink_to(outside, target_is_directory=True)
    replaced: list[str] = []
    assert write_if_changed(out, "category/rss.xml", b"x", replaced=replaced) is True
    assert list(outside.iterdir()) == []
    assert (out / "category").is_dir() and not (out / "category").is_symlink()
    assert replaced == [f"category/ -> {outside}"]


def test_symlinked_file_pointing_outside_is_replaced_not_written_through(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"x")  # even when it already holds the new bytes
    (out / "rss.xml").symlink_to(victim)
    assert write_if_changed(out, "rss.xml", b"x") is True
    assert victim.read_bytes() == b"x" and not (out / "rss.xml").is_symlink()
    assert (out / "rss.xml").read_bytes() == b"x"


def test_symlink_inside_the_output_folder_is_replaced_too(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    (out / "alias").symlink_to(out / "real", target_is_directory=True)
    assert safe_output_path(out, "alias/rss.xml") == out / "alias" / "rss.xml"
    assert write_if_changed(out, "alias/rss.xml", b"x") is True
    assert (out / "alias" / "rss.xml").read_bytes() == b"x"
    assert list((out / "real").iterdir()) == []


def test_safe_path_is_out_dir_joined(tmp_path: Path) -> None:
    assert safe_output_path(tmp_path, "a/b.xml") == tmp_path / "a" / "b.xml"
    assert safe_output_path(tmp_path, "..a/b..") == tmp_path / "..a" / "b.."  # dots inside names are fine


def test_out_dir_that_is_a_file_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_bytes(b"not a folder")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        write_if_changed(out, "rss.xml", b"x")
    assert _all_files(tmp_path) == ["out"]
    assert out.read_bytes() == b"not a folder"


def test_target_that_is_a_folder_fails_and_leaves_no_temp_file(tmp_path: Path) -> None:
    (tmp_path / "rss.xml").mkdir()
    (tmp_path / "rss.xml" / "inside").write_bytes(b"keep")
    with pytest.raises(OutputError, match=r"rss\.xml: Is a directory"):
        write_if_changed(tmp_path, "rss.xml", b"x")
    assert _all_files(tmp_path) == ["rss.xml", "rss.xml/inside"]
