"""Pinned behaviour of :mod:`feedkit.html`: what cleaning, text and first image give on a sample.

The expected values were recorded before clean_html was made faster (issue #9), and guard
that work: every output must stay byte-identical unless a change means it, and then the
files are recorded again::

    FEEDKIT_RECORD_HTML=1 .venv/bin/python -m pytest tests/test_html_equivalence.py

* ``data/html/pinned.json``: hand-picked fragments with their full outputs (readable in a diff).
* ``data/html/generated.json``: a digest per fragment of a seeded random generator (markup aimed
  at the corners: parser disagreements, void elements, ``<pre>``, URLs, boilerplate classes).
* ``data/html/corpus.json``: one digest per corpus of ``../shared/corpus`` (article bodies after
  their front matter, feed item content pulled out with lxml); skipped without the corpus.

The digests depend on the libxml2 and nh3 behind lxml and nh3: with other versions than the
recorded ones those two comparisons are skipped (the hand-picked sample always runs).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import nh3
import pytest
from lxml import etree

from benchmarks.corpus import body_html
from feedkit.html import clean_html, drop_selected, first_image, html_to_text, rewrite_image_urls
from feedkit.text import excerpt

from .conftest import CORPUS

DATA = Path(__file__).parent / "data" / "html"
RECORD = os.environ.get("FEEDKIT_RECORD_HTML") == "1"
DROP = (".appendQr_wrap", ".article-editor")
OPTIONS: dict[str, dict[str, Any]] = {
    "plain": {"base_url": None},
    "site": {"base_url": "https://example.org/blog/post/", "drop_selectors": DROP, "drop_boilerplate": True},
}


def versions() -> dict[str, str]:
    return {"lxml": ".".join(map(str, etree.LXML_VERSION)), "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
            "nh3": str(getattr(nh3, "__version__", "?"))}


def outputs(html: str, options: dict[str, Any]) -> dict[str, Any]:
    """Everything feedkit.html gives for one input (``log`` is what ``feedkit explain`` shows)."""
    log: list[str] = []
    try:
        cleaned = clean_html(html, **options, log=log)
    except Exception as exc:  # recorded: what the fragment's outputs were is the point
        return {"error": type(exc).__name__}
    return {
        "clean": cleaned, "log": log, "text": html_to_text(html), "clean_text": html_to_text(cleaned),
        "excerpt": excerpt(html_to_text(cleaned), 60), "first_image": first_image(cleaned),
        "drop_selected": list(drop_selected(cleaned, ["p:last-child", "img[src*=qr]"])),
        "rewritten": rewrite_image_urls(cleaned, lambda url: "https://proxy.example/" + url[-12:]),
    }


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def compare_or_record(path: Path, actual: dict[str, Any]) -> dict[str, Any]:
    """The recorded values (recording ``actual`` first with FEEDKIT_RECORD_HTML=1)."""
    if RECORD:
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    recorded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return recorded


def same_versions(recorded: dict[str, Any]) -> None:
    if recorded["versions"] != versions():
        pytest.skip(f"digests recorded with {recorded['versions']}, running {versions()}")


# --- the hand-picked sample ----------------------------------------------------------------

SAMPLE = [
    body_html(0),
    "<p>a</p>\n\n\n\n   \n<p>b   c\n\n d</p>\n\n<pre>\n\nx\n\n\n  y</pre>",
    "<ul><source><pre>x</pre></source></ul>", "<b><p>x</p></b>", "<p><div>x</div></p>", "<p>a<figure></figure>b</p>",
    "<table><tr><td>a</td><td></td></tr></table>text", "<table><font>x</font><tr><td>1</td></tr></table>",
    "<p><marquee><div>x</div></marquee></p>", "<image src=https://a.com/i.png>", "<a href=1><a href=2>x</a></a>",
    "<h2><h3>x</h3></h2>", "<li>a<li>b", "<p><font> </font>a <font> </font> b</p>", "<p>a<span> </span>b</p>",
    "<p>a<embed src=x>b<wbr>c<track>d</p>", "<video controls=x autoplay src=v.mp4><source src=a.webm>t</video>",
    '<audio src="https://a.com/a.mp3" loop onplay="x()"></audio>',
    '<picture><source srcset="i.webp 1x, javascript:x 2x" type="image/webp"><img src="i.png"></picture>',
    '<a href="../other/">a</a><img src="img/x.png" srcset="x1.png 1x, /x2.png 2x">',
    '<a href="https://例子.com/图片/a b.png?q=é">x</a><a href="mailto:a b@c.d">m</a><a href="http://[::1">b</a>',
    '<p><a href="javascript:alert(1)">t</a><a href=" java\tscript:x">u</a><img src="data:image/png;base64,AA"></p>',
    '<blockquote cite="javascript:x"><q cite="https://a.com/">q</q></blockquote><del cite="x" datetime="2020">d</del>',
    '<div class="share-bar">share</div><p>' + "story " * 30 + '</p><div id="adsbygoogle">ad</div>',
    '<div class="article_editor">编辑</div><p>　　正文第一段。</p><p>　　第二段　中间。</p>',
    '<div class="clearfix appendQr_wrap"><img src="https://a.com/qr.png"></div><p class="article-editor">ed</p>',
    "<p>f&#123;x&#125; &amp; &lt;b&gt; &nbsp;a&nbsp; &copy; &unknown; &#x1F600;</p>",
    "<p>a\x00b\x0bc\x1fd\ufffe</p>", "<!DOCTYPE p [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><p>a&e;b</p>",
    "<!doctype html><html><head><title>t</title><style>p{}</style></head><body class=c><p>x</p></body></html>",
    "<html><head><title>t</title></head></html>", "<html><body>a</body><body>b</body></html>",
    "\u3000<p>x</p>", " <p>x</p> ", "plain text\n\nwith\nlines", "<br><br>a<br>", "<p><br></p><hr><hr>",
    "<script>x</script><style>y</style><iframe src=x></iframe><object><embed></object><svg><image/></svg>keep",
    "<form><input value=x><button>b</button><select><option>o</select><textarea>t\n  x</textarea></form>after",
    "<pre><p></p>\n\n\n\n\n\nx\n  y</pre>", "<pre><code>\n  a\n\tb\n</code></pre>", "<p>a<!-- c -->b</p><?pi x?>",
    '<p onclick="x()" class="c" id="i" style="color:red" cms-style="font-L" title="t" lang="en" dir="rtl">t</p>',
    '<ol start="3" reversed type="a"><li value="5">x</li></ol><table><tr><th colspan=2 scope=col abbr=a>h</th></tr>'
    '<tr><td rowspan=2>c</td></tr></table><col span=2>',
    '<img src="https://n.sinaimg.cn/x.png" alt="c" width="550" height="301" loading="lazy" '
    'referrerpolicy="no-referrer">',
    "<p>one<br>two</p><div>three</div><ul><li>a</li><li>b</li></ul><table><tr><td>x</td><td>y</td></tr></table>",
    "<o:p>office</o:p><x-widget>custom</x-widget><center>c</center><section><p>s</p></section>",
    "<a>no href <b>bold</b></a> tail <img> <img src=''> <img src='//cdn.example/i.jpg'>",
]


def test_pinned_sample() -> None:
    actual = {"versions": versions(), "cases": [
        {"html": html, "options": name, **outputs(html, options)}
        for html in SAMPLE for name, options in OPTIONS.items()
    ]}
    recorded = compare_or_record(DATA / "pinned.json", actual)
    assert len(recorded["cases"]) == len(actual["cases"])
    pairs = zip(recorded["cases"], actual["cases"], strict=True)
    changed = [(want["html"][:120], want["options"]) for want, got in pairs if got != want]
    assert not changed, f"{len(changed)} cases give other outputs: {changed}"


# --- generated fragments ---------------------------------------------------------------------

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_TAGS = _words(
    "p br a img figure figcaption h2 h3 ul ol li dl dt dd blockquote q pre code em strong b i u s del span div "
    "picture source video audio table caption tbody tr th td col hr sub sup small mark time abbr cite "
    "script style iframe object embed form noscript template textarea select button input svg math title "
    "font center marquee section article header footer nav details summary track wbr image nobr x-custom "
    "o:p label"
)
_COMMON = _words("p a img div span br b i pre li ul table td tr source picture video figure em strong")
_URLS = ("https://a.com/i.png", "http://b.org/x?y=1&amp;z=2", "//cdn.x/y.jpg", "/rel/path", "rel.png", "../up/x",
         "javascript:alert(1)", " JaVa&#9;ScRiPt:x", "data:image/png;base64,AA==", "mailto:x@y.z", "tel:+1",
         "https://例子.com/图 片.png?q=é#f", "http://[::1", "", "#anchor", "https://a.com/w_1,h_2/i.png", "x:y",
         "HTTPS://UP.COM/X", "ftp://x/y", "https://a.com/x-\n")
_SRCSETS = ("a.png 1x, b.png 2x", "https://c.com/w_1,h_2/i.png 2x, javascript:x 3x", "x.png", " , , ", "u1,u2,u3",
            "data:a 1x,https://ok/x 2x", "a.png 100w, //b/c.png 200w")
_CLASSES = ("appendQr_wrap", "article-editor", "share-bar", "adsbygoogle", "content", "newsletterBox", "x",
            "clearfix appendQr_wrap", "QRCode", "padded", "sponsoredPost", "read-more", "editor-name")
_TEXTS = ("x", " ", "\n\n\n", "&#123;", "<", "&amp;", "　　中文内容。", "&lt;script&gt;", "\x00", "a b", "\t", "&nbsp;",
          "\r\n", "hello world", "&copy;", "&unknown;", "\u3000", "\xa0", "&", "text with   spaces", "\f", "long " * 12)
_ATTRIBUTES = ("href", "src", "srcset", "poster", "class", "id", "style", "onclick", "title", "alt", "lang", "cite",
               "start", "value", "colspan", "type", "sizes", "referrerpolicy", "controls", "autoplay", "data-x")
_LEAVES = ("<br>", "<hr>", "<!-- c -->", "</p>", "<td>", "<li>", "</div>", "<?pi x?>", "<![CDATA[x]]>", "<wbr>",
           "<source src=a.mp4>", "<embed src=x>", "<!--", "</b>", "<p>", "<a href=x>", "<pre>", "<br/>", "<", ">")


def _attribute(rng: random.Random) -> str:
    name = rng.choice(_ATTRIBUTES)
    value = (rng.choice(_URLS) if name in ("href", "src", "poster", "cite") else rng.choice(_SRCSETS)
             if name == "srcset" else rng.choice(_CLASSES) if name in ("class", "id") else rng.choice(("1", "a>b", "")))
    return f' {name}="{value}"' if rng.random() > 0.05 else f" {name}"


def _node(rng: random.Random, depth: int) -> str:
    if depth <= 0 or rng.random() < 0.3:
        pick = rng.random()
        if pick < 0.6:
            return rng.choice(_TEXTS)
        if pick < 0.75:
            return f"<img{''.join(_attribute(rng) for _ in range(rng.randint(0, 3)))}>"
        return rng.choice(_LEAVES)
    tag = rng.choice(_COMMON) if rng.random() < 0.6 else rng.choice(_TAGS)
    attributes = "".join(_attribute(rng) for _ in range(rng.randint(0, 3)))
    body = "".join(_node(rng, depth - 1) for _ in range(rng.randint(0, 4)))
    return f"<{tag}{attributes}>{body}{f'</{tag}>' if rng.random() < 0.9 else ''}"


def generated_fragments(count: int, seed: int = 9) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(_node(rng, rng.randint(1, 6)) for _ in range(rng.randint(1, 5)))


def test_generated_fragments() -> None:
    actual = {"versions": versions(), "digests": [
        digest([outputs(html, options) for options in OPTIONS.values()]) for html in generated_fragments(1500)
    ]}
    recorded = compare_or_record(DATA / "generated.json", actual)
    same_versions(recorded)
    fragments = list(generated_fragments(1500))
    wrong = [fragments[i] for i, (want, got) in enumerate(zip(recorded["digests"], actual["digests"], strict=True))
             if want != got]
    assert not wrong, f"{len(wrong)} fragments give other outputs, the first: {wrong[0]!r}"


# --- the shared corpus ----------------------------------------------------------------------------

ARTICLE_CORPORA = ("hexo-news", "jekyll-18f", "jekyll-edgecases", "hugo-toml-coredns", "hugo-mixed-ritchievink",
                   "toml-zola-rustblog", "hexo-english")
_ITEM_CONTENT = etree.XPath("//*[local-name()='encoded' or local-name()='description' or local-name()='content'"
                            " or local-name()='summary']/text()")


def article_bodies(folder: Path) -> Iterator[str]:
    """The text after the front matter (``---`` or ``+++``) of every file: HTML or Markdown, both are input."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".md", ".markdown", ".html", ".htm"):
            text = path.read_text(encoding="utf-8", errors="replace").lstrip()
            fence = text[:3]
            parts = text.split(fence, 2) if fence in ("---", "+++") else ["", "", text]
            yield parts[2] if len(parts) == 3 else text


def feed_bodies(folder: Path) -> Iterator[str]:
    """The content, description and summary of every item or entry of every parseable XML feed."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix in (".txt", ".tsv", ".md", ".json"):
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        try:
            root = etree.fromstring(data, parser)
        except (etree.XMLSyntaxError, ValueError):
            continue
        if root is not None:
            yield from (str(text) for text in _ITEM_CONTENT(root) if str(text).strip())


def _body_digest(html: str) -> str:
    return digest([outputs(html, options) for options in OPTIONS.values()])


def corpus_digests() -> dict[str, list[object]]:
    sets = {name: list(article_bodies(CORPUS / name)) for name in ARTICLE_CORPORA}
    sets.update({f"feeds/{folder.name}": list(feed_bodies(folder)) for folder in sorted((CORPUS / "feeds").iterdir())
                 if folder.is_dir()})
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        digests = {name: list(pool.map(_body_digest, bodies, chunksize=32)) for name, bodies in sets.items()}
    return {name: [len(values), digest(values)] for name, values in digests.items()}


@pytest.mark.skipif(not (CORPUS / "feeds").is_dir(), reason="../shared/corpus is not present")
def test_shared_corpus() -> None:
    actual = {"versions": versions(), "corpora": corpus_digests()}
    recorded = compare_or_record(DATA / "corpus.json", actual)
    same_versions(recorded)
    changed = {name: (recorded["corpora"].get(name), value) for name, value in actual["corpora"].items()
               if recorded["corpora"].get(name) != value}
    assert not changed, f"other outputs (or other files) in {sorted(changed)}"
