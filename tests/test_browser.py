"""The browser view in a real headless browser (Debian's ``chromium``; skipped when it is absent).

A small output folder (``feed.xsl``, ``index.html``, RSS and Atom files with the
``<?xml-stylesheet?>`` instruction, one in a non-ASCII folder) is served over HTTP on
127.0.0.1 -- Chromium refuses XSL stylesheets from ``file://`` -- and each page is loaded
with ``--dump-dom`` (the DOM after the XSLT ran) and ``--screenshot``.

``FEEDKIT_UPDATE_SCREENSHOTS=1 pytest tests/test_browser.py`` also rebuilds the bundled
example site and writes ``docs/images/feed-view.png`` and ``docs/images/index-view.png``.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from lxml import html

from feedkit.model import Author, Channel, ChannelInfo, Entry, Image
from feedkit.render.formats import render_atom, render_rss
from feedkit.render.pages import STYLESHEET_NAME, channel_key, render_index_html, stylesheet_bytes, stylesheet_href

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

REPO = Path(__file__).resolve().parents[1]
UPDATE_SCREENSHOTS = os.environ.get("FEEDKIT_UPDATE_SCREENSHOTS") == "1"
BROWSER_TIMEOUT = 60
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
    "--disable-features=GenerateXSLTWarningBanner",  # Chromium >= 143 puts an "XSLT is deprecated" banner on top
)
SCREENSHOT_FLAGS = ("--run-all-compositor-stages-before-draw", "--virtual-time-budget=3000")
"""Without these a screenshot is sometimes taken before the whole page is painted."""
BASE = "https://example.com/"
TITLE = "示例新闻：金融"
ENTRY_TITLES = ("纾困帮扶 益企惠企：助力中小企业渡难关", "Release notes <b>feeds</b> & more")
ENTRIES = (
    Entry("urn:uuid:0b7a4c57-6a6e-5d1c-9a3f-2f0c1d6e8a01", ENTRY_TITLES[0], "https://example.com/a/纾困帮扶/",
          datetime(2022, 6, 7, 7, 7, 31, tzinfo=UTC), summary="为深入贯彻党中央、国务院决策部署，落实通知要求。",
          content_html="<p>正文</p>", categories=(("金融", "新浪财经"),), authors=(Author("新浪财经"),)),
    Entry("tag:example.com,2022:notes", ENTRY_TITLES[1], "https://example.com/notes/",
          datetime(2022, 6, 6, 18, 0, tzinfo=UTC), summary="<script>document.title='pwned'</script> stays text",
          tags=("feeds",)),
)
FEEDS = {  # path in the site -> (channel slug, kind, category)
    "all/rss.xml": ("all", "all", None),
    "all/atom.xml": ("all", "all", None),
    "category/金融/rss.xml": ("金融", "category", ("金融",)),
}


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site folder; ``.xml`` as ``application/xml`` (Chromium shows
    ``application/rss+xml`` and ``application/atom+xml`` as plain text, without XSLT)."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".xml": "application/xml"}  # noqa: RUF012

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("site")
    write_small_site(root)
    with serve(root) as url:
        yield url


def write_small_site(root: Path) -> None:
    infos = []
    for path, (slug, kind, category) in FEEDS.items():
        fmt = path.rsplit("/", 1)[1].removesuffix(".xml")
        channel = Channel(slug=slug, kind=kind, title=TITLE, description="金融与财经新闻", category=category, link=BASE,
                          feed_urls={fmt: BASE + path}, language="zh-CN")
        render = render_rss if path.endswith("rss.xml") else render_atom
        write(root / path, render(channel, ENTRIES, stylesheet=stylesheet_href(path)).data)
    for slug, kind, category in dict.fromkeys(FEEDS.values()):
        files = {name[:-4].rsplit("/", 1)[1]: name for name, feed in FEEDS.items() if feed[0] == slug}
        infos.append(ChannelInfo(slug, kind, TITLE if kind == "all" else "金融", "", category, len(ENTRIES), files))
    updated = {channel_key(info): ENTRIES[0].published for info in infos}
    write(root / "index.html", render_index_html("示例新闻", "每个分类一个订阅源", infos, BASE, updated=updated,
                                                 language="zh-CN"))
    write(root / STYLESHEET_NAME, stylesheet_bytes())


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class serve:  # used like a function: ``with serve(root) as url``
    """An HTTP server for ``root`` on 127.0.0.1 (random port) in a thread."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(QuietHandler, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


_PROFILES = itertools.count()


def chromium(url: str, folder: Path, *args: str) -> str:
    """Run headless Chromium on ``url`` with a fresh profile in ``folder`` (no cache from an earlier run)."""
    assert CHROMIUM is not None
    profile = folder / f"chromium-profile-{next(_PROFILES)}"
    done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
                          capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False)
    assert done.returncode == 0, f"chromium failed on {url} ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


def dump_dom(url: str, folder: Path) -> html.HtmlElement:
    dom = chromium(url, folder, "--dump-dom")
    assert "<rss" not in dom and "&lt;rss" not in dom and "&lt;feed" not in dom, (
        f"{url}: Chromium showed the raw XML, not the XSL page: is the feed served as application/xml or "
        f"text/xml? (or XSLT is gone: Chrome deprecated it in M143 and plans to turn it off by default "
        f"around M155-M158); DOM starts {dom[:300]!r}")
    return html.document_fromstring(dom)


def texts(page: html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(element.text_content().split()) for element in page.xpath(xpath)]


@pytest.mark.parametrize("path", list(FEEDS))
def test_browser_shows_a_feed_as_a_page(site: str, path: str, tmp_path: Path) -> None:
    page = dump_dom(site + path, tmp_path)
    assert texts(page, "//h1") == [TITLE]
    assert texts(page, "//article/h3") == list(ENTRY_TITLES)
    box = texts(page, "//section[@id='subscribe']")
    assert len(box) == 1 and "NetNewsWire" in box[0]
    assert texts(page, "//section[@id='subscribe']//code")[0].startswith("https://example.com/")
    assert page.xpath("//script") == []
    assert texts(page, "//title")[0].startswith(TITLE)
    assert "<script>document.title='pwned'</script> stays text" in texts(page, "//article[2]/p[@class='summary']")


def test_browser_shows_the_index_page(site: str, tmp_path: Path) -> None:
    page = dump_dom(site + "index.html", tmp_path)
    assert texts(page, "//h1") == ["示例新闻"]
    assert texts(page, "//li[@id='all']//a[@class='name']") == [TITLE]
    assert texts(page, "//li[@id='category/金融']//a[@class='name']") == ["金融"]
    hrefs = page.xpath("//head/link[@rel='alternate']/@href")
    assert "https://example.com/category/%E9%87%91%E8%9E%8D/rss.xml" in hrefs


@pytest.mark.parametrize("path", ["category/金融/rss.xml", "index.html"])
def test_browser_screenshot_is_not_blank(site: str, path: str, tmp_path: Path) -> None:
    png = tmp_path / "shot.png"
    chromium(site + path, tmp_path, *SCREENSHOT_FLAGS, f"--screenshot={png}", "--window-size=1200,1600")
    width, height, rows = png_rows(png.read_bytes())
    assert (width, height) == (1200, 1600)
    detailed = sum(1 for row in rows if len(set(row)) > 8)
    assert detailed > height // 20, f"{png}: only {detailed} of {height} rows show anything"


def png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the filtered scanlines of an 8-bit RGB(A) PNG (enough to tell a blank page)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,), kind = struct.unpack(">I", data[position:position + 4]), data[position + 4:position + 8]
        chunk = data[position + 8:position + 8 + length]
        header = chunk if kind == b"IHDR" else header
        idat += chunk if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6), f"unexpected PNG format: depth {depth}, color type {color}"
    stride = 1 + width * (3 if color == 2 else 4)
    raw = zlib.decompress(idat)
    assert len(raw) == stride * height
    return width, height, [raw[row * stride + 1:(row + 1) * stride] for row in range(height)]


# --- docs screenshots (FEEDKIT_UPDATE_SCREENSHOTS=1) ------------------------------------


@pytest.mark.skipif(not UPDATE_SCREENSHOTS, reason="set FEEDKIT_UPDATE_SCREENSHOTS=1 to rewrite docs/images")
def test_update_docs_screenshots(tmp_path: Path) -> None:
    out = tmp_path / "build"
    subprocess.run([sys.executable, "-m", "feedkit", "build", "--config", str(REPO / "examples/site/feedkit.toml"),
                    "--out", str(out)], check=True, capture_output=True, timeout=120)
    site = tmp_path / "site"
    with serve(site) as url:
        write_example_site(out, site, url)
        images = REPO / "docs" / "images"
        images.mkdir(parents=True, exist_ok=True)
        for path, name in (("category/finance/rss.xml", "feed-view.png"), ("index.html", "index-view.png")):
            shot = f"--screenshot={images / name}"
            chromium(url + path, tmp_path, *SCREENSHOT_FLAGS, shot, "--window-size=1000,1400")


def write_example_site(build: Path, site: Path, url: str) -> None:
    """The example build's channels again, with the stylesheet, ``index.html`` and local images.

    The example's images live on ``img.example.cn``, which does not exist: the screenshots
    show generated placeholders served next to the feeds instead.
    """
    infos, updated, images = [], {}, {}
    for item in json.loads((build / "index.json").read_text(encoding="utf-8")):
        feed = json.loads((build / item["files"]["json"]).read_text(encoding="utf-8"))
        entries = [json_entry(raw, images, url) for raw in feed["items"]]
        files = {fmt: item["files"][fmt] for fmt in ("rss", "atom", "json")}
        channel = Channel(slug=item["channel"], kind=item["kind"], title=item["title"], description=item["description"],
                          link=feed.get("home_page_url", BASE),
                          feed_urls={fmt: "https://news.example.org/" + path for fmt, path in files.items()},
                          language=feed.get("language"))
        for fmt, render in (("rss", render_rss), ("atom", render_atom)):
            write(site / files[fmt], render(channel, entries, stylesheet=stylesheet_href(files[fmt])).data)
        category = tuple(item["category"]) if item["category"] else None
        info = ChannelInfo(item["channel"], item["kind"], item["title"], item["description"], category,
                           len(entries), files)
        infos.append(info)
        updated[channel_key(info)] = max((e.updated or e.published for e in entries), default=None)
    for index, name in enumerate(images.values()):
        write_placeholder_png(site / "img" / name, index)
    write(site / "index.html", render_index_html("示例新闻", "示例新闻与博客：每个分类一个订阅源", infos,
                                                 "https://news.example.org/", updated=updated, language="zh-CN"))
    write(site / STYLESHEET_NAME, stylesheet_bytes())


def json_entry(item: dict[str, Any], images: dict[str, str], url: str) -> Entry:
    image = None
    if item.get("image"):
        name = images.setdefault(item["image"], f"{len(images)}.png")
        image = Image(f"{url}img/{name}", "image/png")
    return Entry(
        id=item["id"], title=item["title"], link=item.get("url", ""),
        published=datetime.fromisoformat(item["date_published"]),
        updated=datetime.fromisoformat(item["date_modified"]) if item.get("date_modified") else None,
        summary=item.get("summary", ""), tags=tuple(item.get("tags", ())),
        authors=tuple(Author(author["name"]) for author in item.get("authors", ())), image=image,
        language=item.get("language"),
    )


def write_placeholder_png(path: Path, seed: int) -> None:
    """A 288x192 soft gradient, a different hue per image."""
    width, height = 288, 192
    base = ((194, 65, 12), (14, 116, 144), (77, 124, 15), (126, 34, 206), (180, 83, 9))[seed % 5]
    rows = b"".join(
        b"\x00" + bytes(
            channel
            for x in range(width)
            for channel in (min(255, c + (255 - c) * (x + y) // (width + height)) for c in base)
        )
        for y in range(height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    write(path, png)
