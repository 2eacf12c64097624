"""A hostile mix in one build: dozens of broken, duplicate and malicious articles and dozens of faulty
upstream endpoints on a real 127.0.0.1 server, built by the real CLI, then built again under another
``TZ`` (and with a symlink planted in the output).

Judged by the independent checker (tests/outputcheck.py): every good input is published, every bad one
is named in the log, no byte of a local file or a forbidden address gets in, no DTD is fetched, and the
second run's output equals the first's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import write_article
from .httpserver import MIB, Upstream
from .outputcheck import check_tree

BASE = "https://mix.example.org/"


def rss(items: str, decl: str = '<?xml version="1.0" encoding="utf-8"?>', head: str = "") -> str:
    return (f"{decl}{head}<rss version=\"2.0\"><channel><title>up</title><link>https://up.example/</link>"
            f"<description>d</description>{items}</channel></rss>")


def rss_item(title: str, day: int, extra: str = "") -> str:
    return (f"<item><title>{title}</title><link>https://up.example/{day}/{title.replace(' ', '-')}</link>"
            f"<guid>https://up.example/{day}/{title.replace(' ', '-')}</guid>"
            f"<pubDate>{day:02d} Mar 2023 10:00:00 GMT</pubDate>{extra}</item>")


GOOD_ARTICLES = {
    **{f"good/{n:02d}.md": f"---\ntitle: Good article {n}\ndate: 2022-01-{n:02d} 10:00\n"
                           f"categories: [Mix, 类别{n % 3}]\ntags: [t{n % 4}]\n---\nBody of article {n}.\n"
       for n in range(1, 21)},
    "evil/script.md": "---\ntitle: \"<script>alert(1)</script> & friends\"\ndate: 2022-02-01\ncategories: [Evil]\n---\n"
                      "<p onclick=\"x()\">a<script>steal()</script><img src=x onerror=alert(1)>"
                      "<a href=\"javascript:alert(1)\">j</a><a href=\" java\tscript:x\">k</a>"
                      "<img src=\"data:image/png;base64,AAAA\"><iframe src=\"https://evil.example/\"></iframe>"
                      "<svg onload=alert(1)></svg><form action=\"javascript:x\"><input></form></p>\n",
    "evil/permalink.md": "---\ntitle: Javascript permalink\ndate: 2022-02-02\npermalink: \"javascript:alert(1)\"\n"
                         "categories: [Evil]\n---\nx\n",
    "evil/id.md": "---\ntitle: Javascript id\ndate: 2022-02-03\nid: \"javascript:alert(1)\"\n"
                  "categories: [Evil, \"<img src=x onerror=alert(1)>\"]\n---\nx\n",
    "evil/paths.md": "---\ntitle: Path categories\ndate: 2022-02-04\ncategories: [[\"..\", \"..\", etc], [CON], "
                     "[rss.xml], [\"/\"], [\"a/../../b\"]]\n---\nx\n",
    "evil/long.md": f"---\ntitle: {'Long ' * 400}\ndate: 2022-02-05\ncategories: [{'c' * 2000}]\n---\nx\n",
    "evil/deep.md": "---\ntitle: Deep categories\ndate: 2022-02-06\ncategories: "
                    + json.dumps([f"d{i}" for i in range(500)]) + "\n---\nx\n",
    "evil/nul.md": "---\ntitle: NUL bytes\ndate: 2022-02-07\n---\na\x00b\n",
    "evil/bidi.md": "---\ntitle: \"Bidi \u202egnp.exe\"\ndate: 2022-02-08\ncategories: [\"\u202eevil\"]\n---\nx\n",
    "evil/entities.md": "---\ntitle: \"&lt;b&gt;Entities&lt;/b&gt; &amp; &#0; &#xD800;\"\ndate: 2022-02-09\n---\n"
                        "&lt;script&gt;alert(1)&lt;/script&gt;\n",
    "dupe/same-id-a.md": "---\ntitle: Same id, first\ndate: 2022-03-01\nid: \"tag:mix.example,2022:dup\"\n---\na\n",
}
GOOD_TITLES = {
    **{f"good/{n:02d}.md": f"Good article {n}" for n in range(1, 21)},
    "evil/script.md": "<script>alert(1)</script> & friends",
    "evil/permalink.md": "Javascript permalink", "evil/id.md": "Javascript id", "evil/paths.md": "Path categories",
    "evil/deep.md": "Deep categories", "evil/nul.md": "NUL bytes", "evil/bidi.md": "Bidi \u202egnp.exe",
    "dupe/same-id-a.md": "Same id, first",
}
DUPLICATES = {
    "dupe/same-id-b.md": "---\ntitle: Same id, second\ndate: 2022-03-02\nid: \"tag:mix.example,2022:dup\"\n---\nb\n",
}
BAD_ARTICLES = {
    "bad/unclosed.md": "---\ntitle: Unclosed\ndate: 2022-01-01\n",
    "bad/yaml.md": "---\ntitle: [unclosed\ndate: 2022-01-01\n---\nx\n",
    "bad/json.md": "{\"title\": \"Broken JSON\", \"date\": }\nx\n",
    "bad/no-date.md": "---\ntitle: Unreadable date\ndate: not a date at all\n---\nx\n",
    "bad/bomb.md": "---\ntitle: Alias bomb\n" + 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
                   + "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
                             for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "date: *i\n---\nx\n",
    "bad/list.md": "---\n- a\n- b\n---\nx\n",
    "bad/date-list.md": "---\ntitle: Date list\ndate: [2022, 1, 1]\n---\nx\n",
}
BINARY_ARTICLES = {"bad/image.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
                   "bad/huge-front.md": b"---\ntitle: Huge\ndate: 2022-01-01\n" + b"k: v\n" * 300_000 + b"---\nx\n"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    good_titles: tuple[str, ...] = ()
    """Titles that must be published (empty: a bad endpoint, to be named in the log)."""
    dtd: bool = False
    """A DTD trick: the DTD is ignored (never fetched, no entity expanded) and the rest of the feed may be used,
    so it need not fail; tests/test_hostile_mix.py checks that nothing from the entities gets in."""


def serve_mix(server: Upstream) -> list[Endpoint]:
    """Route every endpoint of the mix; the good ones first."""
    endpoints: list[Endpoint] = []

    def good(name: str, path: str, body: bytes, titles: tuple[str, ...], **options: object) -> None:
        server.route(path, body, **options)  # type: ignore[arg-type]
        endpoints.append(Endpoint(name, path, titles))

    def bad(name: str, path: str, body: bytes = b"", **options: object) -> None:
        if body or options:
            server.route(path, body, **options)  # type: ignore[arg-type]
        endpoints.append(Endpoint(name, path, dtd=b"<!DOCTYPE" in body))

    good("up-rss", "/good/rss", rss(rss_item("Up rss one", 1) + rss_item("Up rss two", 2)).encode(),
         ("Up rss one", "Up rss two"))
    good("up-atom", "/good/atom", (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><id>urn:a</id><updated>2023-03-03T00:00:00Z'
        b'</updated><entry><id>urn:a:1</id><title type="html">Up &lt;b&gt;atom&lt;/b&gt; one</title>'
        b'<link href="https://up.example/atom/1"/><updated>2023-03-03T00:00:00Z</updated>'
        b'<content type="html">&lt;p onmouseover="x()"&gt;hi&lt;script&gt;y()&lt;/script&gt;&lt;/p&gt;</content>'
        b"</entry></feed>"), ("Up atom one",), headers={"Content-Type": "application/atom+xml"})
    good("up-json", "/good/json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "j", "items": [
            {"id": "j1", "url": "https://up.example/j1", "title": "Up json one", "date_published":
             "2023-03-04T00:00:00Z", "content_html": "<p>x<script>y()</script></p>",
             "image": "javascript:alert(1)"}]}).encode(), ("Up json one",),
         headers={"Content-Type": "application/json"})
    good("up-gb", "/good/gb", rss(rss_item("上游 新闻", 5), '<?xml version="1.0" encoding="gb2312"?>')
         .encode("gb18030"), ("上游 新闻",), headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    good("up-latin", "/good/latin", rss(rss_item("Caf\u00e9 cr\u00e8me", 6), '<?xml version="1.0"?>')
         .encode("cp1252"), ("Caf\u00e9 cr\u00e8me",), headers={"Content-Type": "text/xml; charset=bogus-charset"})
    good("up-redirected", "/good/old", b"", ("Up moved",))
    server.route("/good/new", rss(rss_item("Up moved", 7)).encode())
    server.redirect("/good/old", "/good/new", status=301)
    good("up-js-links", "/good/js", rss(
        "<item><title>Up with a javascript link</title><link>javascript:alert(1)</link>"
        "<guid isPermaLink=\"false\">js-1</guid><pubDate>08 Mar 2023 10:00:00 GMT</pubDate>"
        "<description>&lt;a href=\"vbscript:x\"&gt;v&lt;/a&gt;&lt;img src=\"file:///etc/passwd\"&gt;</description>"
        "</item>").encode(), ("Up with a javascript link",))

    dtd = server.url("/evil.dtd")
    server.route("/evil.dtd", b'<!ENTITY secret SYSTEM "file:///etc/passwd">', headers={"Content-Type": "text/xml"})
    bad("bad-xxe", "/bad/xxe", rss(rss_item("&xxe;", 9), head='<!DOCTYPE rss [<!ENTITY xxe SYSTEM '
                                   '"file:///etc/passwd">]>').encode())
    laughs = "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 10))
    bad("bad-laughs", "/bad/laughs", rss(rss_item("&l9;", 9), head=f'<!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]>')
        .encode())
    bad("bad-external-dtd", "/bad/external", rss(rss_item("&secret;", 9), head=f'<!DOCTYPE rss SYSTEM "{dtd}">')
        .encode())
    bad("bad-parameter-entity", "/bad/param", rss(rss_item("&secret;", 9), head=(
        f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{dtd}"> %p;]>')).encode())
    for name, target in (("metadata", "http://169.254.169.254/latest/meta-data/"), ("private", "http://10.0.0.1/f"),
                         ("loopback", f"http://127.0.0.2:{server.port}/good/rss"),
                         ("ipv6-loopback", f"http://[::1]:{server.port}/good/rss"),
                         ("mapped", "http://[::ffff:169.254.169.254]/"), ("file", "file:///etc/passwd"),
                         ("zero", f"http://0.0.0.0:{server.port}/good/rss")):
        server.redirect(f"/bad/to-{name}", target, status=302)
        bad(f"bad-redirect-{name}", f"/bad/to-{name}")
    server.redirect("/bad/loop-a", "/bad/loop-b")
    server.redirect("/bad/loop-b", "/bad/loop-a")
    bad("bad-redirect-loop", "/bad/loop-a")
    for hop in range(12):
        server.redirect(f"/bad/chain{hop}", f"/bad/chain{hop + 1}", status=307)
    server.route("/bad/chain12", rss(rss_item("Too far", 9)).encode())
    bad("bad-redirect-chain", "/bad/chain0")
    server.hang("/bad/hang")
    bad("bad-hang", "/bad/hang")
    server.drip("/bad/drip", interval=0.1)
    bad("bad-drip", "/bad/drip")
    server.gzip_bomb("/bad/bomb", 64 * MIB)
    bad("bad-gzip-bomb", "/bad/bomb")
    server.big("/bad/big", 3 * MIB)
    bad("bad-big", "/bad/big")
    server.big("/bad/big-undeclared", 3 * MIB, declare_length=False)
    bad("bad-big-undeclared", "/bad/big-undeclared")
    bad("bad-html", "/bad/html", b"<!DOCTYPE html><html><head><title>Not a feed</title></head><body>x</body></html>",
        headers={"Content-Type": "text/html"})
    bad("bad-json", "/bad/json", b'{"not": "a feed"}', headers={"Content-Type": "application/json"})
    bad("bad-png", "/bad/png", BINARY_ARTICLES["bad/image.md"], headers={"Content-Type": "image/png"})
    bad("bad-empty", "/bad/empty", b"", status=200, headers={"Content-Type": "application/rss+xml"})
    for status in (500, 404, 410, 403):
        bad(f"bad-status-{status}", f"/bad/{status}", b"no", status=status)
    bad("bad-429", "/bad/429", b"slow down", status=429, headers={"Retry-After": "3600"})
    bad("bad-garbage", "/bad/garbage", bytes(range(256)) * 8, headers={"Content-Type": "text/plain; charset=utf-16"})
    bad("bad-truncated", "/bad/truncated", rss("").encode()[:40])
    bad("bad-missing", "/bad/nothing-here")
    return endpoints


def write_site(root: Path, server: Upstream, endpoints: list[Endpoint]) -> Path:
    src = root / "posts"
    for rel_path, text in {**GOOD_ARTICLES, **DUPLICATES, **BAD_ARTICLES}.items():
        write_article(src, rel_path, text)
    for rel_path, data in BINARY_ARTICLES.items():
        (src / rel_path).write_bytes(data)
    (src / "bad" / "loop1.md").symlink_to("loop2.md")
    (src / "bad" / "loop2.md").symlink_to("loop1.md")
    (root / "secret.txt").write_text("TOP-SECRET-LOCAL-FILE")
    (src / "bad" / "outside.md").symlink_to(root / "secret.txt")
    feeds = "".join(f'[[feeds]]\nname = "{e.name}"\nurl = "{server.url(e.path)}"\n\n' for e in endpoints)
    config = root / "feedkit.toml"
    # 4 at once: the test server's listen backlog is 5, and a dropped SYN is only retried after 1 s
    config.write_text(
        f'out = "out"\nstore = "store.sqlite"\n\n[site]\ntitle = "Mix"\nbase_url = "{BASE}"\n\n'
        '[channels]\ntags = true\n\n'
        f'[fetch]\ntimeout = 2\nconnect_timeout = 5\nmax_bytes = {MIB}\nmax_parallel = 4\nper_host = 4\n'
        f'allow_hosts = ["{server.host}"]\n\n'
        '[[articles]]\nname = "posts"\npaths = ["posts"]\ntimezone = "Asia/Shanghai"\n\n' + feeds,
        encoding="utf-8")
    return config


def run_build(config: Path, tz: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TZ": tz}
    return subprocess.run([sys.executable, "-m", "feedkit", "build", "--config", str(config)], capture_output=True,
                          text=True, cwd=config.parent, env=env, timeout=120)


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() or p.is_symlink()}


@dataclass
class Mix:
    root: Path
    config: Path
    server: Upstream
    endpoints: list[Endpoint]
    first: subprocess.CompletedProcess[str]
    seconds: float
    output: dict[str, bytes]


@pytest.fixture(scope="module")
def mix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mix]:
    root = tmp_path_factory.mktemp("mix")
    with Upstream.running() as server:
        endpoints = serve_mix(server)
        config = write_site(root, server, endpoints)
        started = time.monotonic()
        first = run_build(config, "UTC")
        seconds = time.monotonic() - started
        yield Mix(root, config, server, endpoints, first, seconds, snapshot(root / "out"))


def published_titles(out: Path) -> list[str]:
    feed = json.loads((out / "all" / "feed.json").read_text(encoding="utf-8"))
    return [item.get("title", "") for item in feed["items"]]


def test_the_first_run_publishes_every_good_input_and_the_checker_finds_nothing(mix: Mix) -> None:
    assert mix.first.returncode in (0, 1), mix.first.stderr[-3000:]
    assert "Traceback" not in mix.first.stderr
    assert mix.seconds < 60, f"the mix took {mix.seconds:.0f} s: a hang outlived its deadline"
    out = mix.root / "out"
    assert check_tree(out) == []
    titles = published_titles(out)
    for rel_path, title in GOOD_TITLES.items():
        assert title in titles, f"{rel_path} ({title!r}) was not published"
    assert any(t.startswith("Long Long") and t.endswith("…") for t in titles)  # cut, not lost
    assert any(t.startswith("<b>Entities</b> &") for t in titles)
    for endpoint in mix.endpoints:
        for title in endpoint.good_titles:
            assert title in titles, f"{endpoint.name}: {title!r} was not published"
    assert "Same id, second" not in titles  # one id, one entry
    assert len(titles) == len(set(titles)) or sorted(titles) == sorted(set(titles)), "an entry published twice"


def test_the_first_run_names_every_bad_input_in_the_log(mix: Mix) -> None:
    log = mix.first.stdout + mix.first.stderr
    for rel_path in [*BAD_ARTICLES, *BINARY_ARTICLES, "bad/loop1.md", "bad/outside.md"]:
        assert rel_path in log, f"{rel_path} is not named in the log"
    for endpoint in mix.endpoints:
        if not endpoint.good_titles and not endpoint.dtd:
            lines = [line for line in log.splitlines() if endpoint.name in line or mix.server.url(endpoint.path)
                     in line]
            assert lines, f"{endpoint.name} is not named in the log"
            assert not any(line.startswith("feed: OK") for line in lines), lines
    assert "dupe/same-id-b.md" in log  # the duplicate that lost is reported


def test_nothing_forbidden_was_read_or_fetched(mix: Mix) -> None:
    everything = b"".join(mix.output.values())
    assert b"TOP-SECRET-LOCAL-FILE" not in everything
    assert b"root:x:0:0" not in everything
    assert b"lollollol" not in everything
    assert mix.server.hits["/evil.dtd"] == 0, "an external DTD or parameter entity was fetched"
    assert mix.server.hits["/bad/chain12"] == 0, "more redirects were followed than allowed"
    assert not (mix.root / "out" / "etc").exists() and not (mix.root / "etc").exists()
    assert all(".." not in rel.split("/") for rel in mix.output)


def second_run(mix: Mix, tmp_path: Path, plant_symlink: bool) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The first run's folder copied (output, store, articles, config), then built again under another TZ."""
    root = tmp_path / "again"
    shutil.copytree(mix.root, root, symlinks=True)
    outside = tmp_path / "outside.xml"
    outside.write_bytes(b"<not-yours/>")
    if plant_symlink:
        (root / "out" / "all" / "rss.xml").unlink()
        (root / "out" / "all" / "rss.xml").symlink_to(outside)
    done = run_build(root / "feedkit.toml", "Pacific/Kiritimati")
    assert "Traceback" not in done.stderr
    assert outside.read_bytes() == b"<not-yours/>", "a build wrote through a symlink"
    return done, root / "out"


@pytest.mark.unchecked_output("the copied folder holds the planted links of the mix's article folder")
def test_the_second_run_under_another_tz_gives_the_same_output(mix: Mix, tmp_path: Path) -> None:
    done, out = second_run(mix, tmp_path, plant_symlink=False)
    assert done.returncode == mix.first.returncode, done.stderr[-2000:]
    assert snapshot(out) == mix.output
    assert check_tree(out) == []


@pytest.mark.unchecked_output("the copied folder holds the planted links of the mix's article folder")
def test_the_second_run_replaces_a_planted_symlink_and_gives_the_same_output(mix: Mix, tmp_path: Path) -> None:
    done, out = second_run(mix, tmp_path, plant_symlink=True)
    assert not (out / "all" / "rss.xml").is_symlink()
    assert snapshot(out) == mix.output
    assert check_tree(out) == []
    assert "all/rss.xml" in done.stdout + done.stderr  # the report names what it replaced
