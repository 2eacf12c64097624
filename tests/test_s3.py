"""Publishing to an S3-compatible bucket, against a real S3 server on 127.0.0.1 (moto's; tests/s3server.py)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedkit.cli import main
from feedkit.config.load import load_config, parse_config
from feedkit.config.types import DEFAULT_CACHE_CONTROL, Config
from feedkit.errors import ConfigError, OutputError
from feedkit.pipeline.build import build

from . import s3server
from .conftest import EXAMPLES, write_article

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
INDEX_FILES = ("index.json", "index.opml", "index.html")
TYPES = {"rss.xml": "application/rss+xml; charset=utf-8", "atom.xml": "application/atom+xml; charset=utf-8",
         "feed.json": "application/feed+json; charset=utf-8", "index.json": "application/json; charset=utf-8",
         "index.opml": "text/x-opml; charset=utf-8", "index.html": "text/html; charset=utf-8",
         "feed.xsl": "text/xsl; charset=utf-8"}


def example(bucket: str, tmp_path: Path) -> Config:
    """examples/s3 publishing to ``bucket`` on the local server, its store in ``tmp_path``."""
    config = load_config(EXAMPLES / "s3" / "feedkit.toml", out_override=f"s3://{bucket}/feeds")
    return replace(config, store=tmp_path / "bucket.feedkit.sqlite")


def local_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_bucket_holds_a_local_builds_output_byte_for_byte(s3: s3server.S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    config = example(bucket, tmp_path)
    assert config.to_bucket and config.output.url == f"s3://{bucket}/feeds"
    report = build(config, now=NOW)
    assert report.skipped == [], [str(p) for p in report.skipped]
    local = load_config(EXAMPLES / "s3" / "feedkit.toml", out_override=tmp_path / "out")
    assert not local.to_bucket
    build(local, now=NOW)
    expected = local_files(tmp_path / "out")
    stored = s3.objects(bucket, "feeds")
    assert sorted(stored) == sorted(expected) and len(expected) > 50
    assert any("/archive/" in path for path in expected)  # archive pages too
    for path, data in expected.items():
        found = stored[path]
        assert found.data == data, path
        assert found.content_type == TYPES[path.rsplit("/", 1)[-1]], path
        assert found.cache_control == DEFAULT_CACHE_CONTROL
        assert found.etag == hashlib.md5(data).hexdigest()
    assert not (tmp_path / "out.feedkit.sqlite").samefile(config.store_path)
    assert not Path(EXAMPLES / "s3" / f"{bucket}-feeds").exists()  # the stand-in for 'out' is never created


def test_a_second_build_uploads_nothing(s3: s3server.S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    config = example(bucket, tmp_path)
    first = build(config, now=NOW)
    mark = s3.mark()
    second = build(config, now=NOW)
    assert second.written == [] and sorted(second.unchanged) == sorted(first.written)
    assert s3.puts(bucket, mark) == []
    mark = s3.mark()
    full = build(config, now=NOW, full=True)  # everything rendered and compared by MD5/ETag: still nothing sent
    assert full.written == [] and s3.puts(bucket, mark) == []


def test_a_changed_article_reuploads_only_its_channels(s3: s3server.S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    posts = tmp_path / "posts"
    write_article(posts, "a.md", "---\ntitle: A\ndate: 2026-05-01\ncategories: [Alpha]\n---\nfirst\n")
    write_article(posts, "b.md", "---\ntitle: B\ndate: 2026-05-02\ncategories: [Beta]\n---\nsecond\n")
    config = parse_config({"channels": {"stylesheet": False}, "articles": [{"paths": [str(posts)]}],
                           "site": {"base_url": "https://feeds.example.org/"}},
                          tmp_path, f"s3://{bucket}")
    config = replace(config, store=tmp_path / "store.sqlite")
    first = build(config, now=NOW)
    assert {"category/alpha/rss.xml", "category/beta/rss.xml", "all/rss.xml"} <= set(first.written)
    mark = s3.mark()
    write_article(posts, "a.md", "---\ntitle: A, corrected\ndate: 2026-05-01\ncategories: [Alpha]\n---\nfirst\n")
    second = build(config, now=NOW)
    put = s3.puts(bucket, mark)
    assert put == second.written
    assert {p.rsplit("/", 1)[0] for p in put if "/" in p} == {"all", "category/alpha"}
    assert not any("beta" in p for p in put)
    assert len([p for p in put if "/" in p]) == 6  # rss, atom, json of the two channels


def test_index_files_are_uploaded_last(s3: s3server.S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    mark = s3.mark()
    build(example(bucket, tmp_path), now=NOW)
    put = [p.removeprefix("feeds/") for p in s3.puts(bucket, mark)]
    assert put[-3:] == list(INDEX_FILES)
    assert put[0] == "feed.xsl"  # the stylesheet before the feeds that name it
    for position, path in enumerate(put):  # an archive page before the subscription document naming it
        if "/archive/" in path:
            document = path.split("/archive/")[0] + "/" + path.rsplit("/", 1)[-1]
            assert position < put.index(document), path


def test_an_object_removed_from_the_bucket_is_put_back(s3: s3server.S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    config = example(bucket, tmp_path)
    build(config, now=NOW)
    s3.client.delete_object(Bucket=bucket, Key="feeds/category/tech/rss.xml")
    s3.client.put_object(Bucket=bucket, Key="feeds/all/feed.json", Body=b"{}")  # changed behind feedkit's back
    mark = s3.mark()
    again = build(config, now=NOW)
    assert sorted(s3.puts(bucket, mark)) == ["feeds/all/feed.json", "feeds/category/tech/rss.xml"]
    assert sorted(again.written) == ["all/feed.json", "category/tech/rss.xml"]


def test_credentials_are_never_read_from_the_toml(s3: s3server.S3Server, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "profile"):
        with pytest.raises(ConfigError, match=r"credentials are never read from feedkit\.toml") as caught:
            parse_config({"output": {"url": "s3://some-bucket", key: "AKIA-in-the-file"}}, tmp_path)
        assert caught.value.key == f"output.{key}"
    bucket = s3.new_bucket()
    config = example(bucket, tmp_path)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(OutputError, match="no AWS credentials found"):
        build(config, now=NOW)
    assert s3.objects(bucket) == {}


def test_the_cli_publishes_to_a_bucket_and_refuses_to_serve_one(s3: s3server.S3Server, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a bucket's default store (and its lock) is named in the working folder
    bucket = s3.new_bucket()
    posts = tmp_path / "posts"
    write_article(posts, "a.md", "---\ntitle: A\ndate: 2026-05-01\ncategories: [Alpha]\n---\nfirst\n")
    store = tmp_path / "cli.sqlite"
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(posts), "--out", f"s3://{bucket}/site/feeds", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert set(s3.objects(bucket, "site/feeds")) >= {"all/rss.xml", "category/alpha/feed.json", *INDEX_FILES}
    served = runner.invoke(main, ["run", str(posts), "--out", f"s3://{bucket}/site/feeds", "--store", str(store),
                                  "--serve", "127.0.0.1:0", "--stop-after", "1"])
    assert served.exit_code == 2 and "--serve" in served.output and f"s3://{bucket}/site/feeds" in served.output
    bad = runner.invoke(main, ["build", str(posts), "--out", "s3://No_Such..Bucket"])
    assert bad.exit_code == 2 and "bucket name" in bad.output


def test_the_daemon_keeps_a_bucket_current(s3: s3server.S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    posts = tmp_path / "posts"
    write_article(posts, "a.md", "---\ntitle: A\ndate: 2026-05-01\ncategories: [Alpha]\n---\nfirst\n")
    done = subprocess.run(
        [sys.executable, "-m", "feedkit", "run", str(posts), "--out", f"s3://{bucket}/live", "--store",
         str(tmp_path / "daemon.sqlite"), "--stop-after", "2", "--log-format", "json"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f'"out": "s3://{bucket}/live"' in done.stderr
    assert {"all/rss.xml", "category/alpha/atom.xml", *INDEX_FILES} <= set(s3.objects(bucket, "live"))
    assert not (tmp_path / f"{bucket}-live").exists()


def test_a_bucket_output_from_python_and_toml_and_its_local_store(tmp_path: Path) -> None:
    config = Config(out="s3://news-feeds/v1/")
    assert config.to_bucket and config.output.url == "s3://news-feeds/v1"
    assert config.output.bucket == ("news-feeds", "v1")
    assert config.store_path == Path.cwd() / "news-feeds-v1.feedkit.sqlite"
    from_toml = parse_config({"output": {"url": "s3://news-feeds/v1"}}, tmp_path)
    assert from_toml.store_path == tmp_path / "news-feeds-v1.feedkit.sqlite"
    assert parse_config({"out": "s3://news-feeds"}, tmp_path).output.url == "s3://news-feeds"
    local = parse_config({"output": {"url": "s3://news-feeds/v1"}}, tmp_path, tmp_path / "public")
    assert not local.to_bucket and local.out == tmp_path / "public"  # --out DIR builds the same config locally
    with pytest.raises(ConfigError, match="not both"):
        parse_config({"out": "public", "output": {"url": "s3://news-feeds"}}, tmp_path)
    with pytest.raises(ConfigError, match="printable"):
        parse_config({"out": "public", "output": {"cache_control": "max-age=60\r\nX-Evil: 1"}}, tmp_path)
    with pytest.raises(ConfigError, match="plain segments"):
        Config(out="s3://news-feeds/a/../b")
