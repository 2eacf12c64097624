"""HTML cleaning, plain text and excerpts for article bodies and upstream content.

:func:`clean_html` turns an untrusted fragment into a safe one in three stages:

1. **lxml** (fragment parsing: no network, no DTD entities; comments and processing
   instructions are dropped by the parser): elements in :data:`DROP_WITH_CONTENT` go
   with their content, then every element matching a ``drop_selectors`` CSS selector
   (boilerplate is matched by ``class``/``id`` *before* those are stripped).  URLs in
   ``href``/``src``/``srcset``/``poster`` are resolved against ``base_url`` (``//host/x``
   always becomes ``https://host/x``; relative URLs stay relative without a base),
   non-ASCII is percent-encoded, and only ``http``, ``https`` and ``mailto`` URLs
   survive.  ``data:`` URLs are dropped too, images included: they bloat feeds and
   several readers block them.  An ``<img>`` left without ``src`` is removed, an ``<a>``
   left without ``href`` is unwrapped.
2. **nh3** (ammonia) is the allowlist: :data:`ALLOWED_TAGS`, :data:`ALLOWED_ATTRIBUTES`.
   ``class``, ``id``, ``style`` and ``on*`` attributes are dropped (readers ignore them).
   ``<video>``/``<audio>`` are kept (readers play them) with ``src``, ``poster`` and
   ``<source>``; ``controls`` is always set and ``autoplay`` never kept.
   ``<img referrerpolicy>`` is kept: hotlink-protected hosts (n.sinaimg.cn) need
   ``no-referrer``.
3. **tidy**: elements left empty are removed (except :data:`KEEP_EMPTY`), whitespace runs
   outside ``<pre>`` are folded (a run holding a line break becomes one ``\\n``) and nh3
   runs again.  libxml2's HTML4-era parser nests some markup differently from HTML5
   parsers such as nh3's (it closes ``<ul>`` before ``<pre>``, ``<b>`` before ``<p>``), so
   this round repeats until the output stops changing: ``clean_html`` is idempotent.  A round
   that would only confirm the result is skipped when lxml reads the result back as the tree
   it was made from (see :func:`_settle`).

Speed (issue #9): a typical body costs three lxml parses (the input, the first sanitized
result, the read-back) and two nh3 passes, all in C; the Python loops look only at the
elements a step needs.  ``tests/test_html_equivalence.py`` pins the outputs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache, partial
from typing import cast
from urllib.parse import urljoin, urlsplit

import nh3
from lxml import etree
from lxml.cssselect import CSSSelector

from feedkit.links import encode_url
from feedkit.selectors import check_selectors
from feedkit.text import strip_illegal_xml_chars


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


DROP_WITH_CONTENT = _names(
    "script style iframe frame frameset object embed applet form noscript noembed noframes template "
    "textarea select button input svg math head title meta link base canvas dialog xmp plaintext"
)
ALLOWED_TAGS = _names(
    "p br a img figure figcaption h1 h2 h3 h4 h5 h6 ul ol li dl dt dd blockquote q pre code kbd samp var "
    "em strong b i u s del ins mark small sub sup abbr cite time hr span div picture source video audio "
    "table caption thead tbody tfoot tr th td col colgroup"
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"title", "lang", "dir"}, "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "srcset", "sizes", "loading", "referrerpolicy"},
    "source": {"src", "srcset", "sizes", "media", "type"},
    "video": {"src", "poster", "width", "height", "preload", "loop", "muted", "playsinline"},
    "audio": {"src", "preload", "loop", "muted"}, "ol": {"start", "reversed", "type"}, "li": {"value"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
    "time": {"datetime"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope", "abbr"},
    "col": {"span"}, "colgroup": {"span"},
}
BOILERPLATE_WORDS = _names(
    "qr qrcode share sharing sharethis sharebar social advert advertisement advertising ad ads adlist adbox "
    "adsbygoogle sponsor sponsored promo newsletter subscribe subscription donate"
)
"""Words of a ``class``/``id`` (split at ``-``, ``_`` and camelCase) that mark boilerplate."""
BOILERPLATE_CLASSES = _names("article-editor article_editor show_author editor-name")
"""Whole class names that mark boilerplate ("responsible editor" lines of Chinese news sites)."""
BOILERPLATE_MAX_SHARE = 1 / 3
"""An element holding more than this share of the text is never taken for boilerplate."""
_CAMEL_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
KEEP_EMPTY = _names("img br hr td th col colgroup source video audio")
_VOID_UNKNOWN_TO_LIBXML2 = _names("embed source track wbr keygen")  # libxml2 nests what follows them
_MAX_TIDY_ROUNDS = 5
_HTML_SPACE_RUN = re.compile(r"[ \t\r\n\f]+")


@lru_cache(maxsize=256)
def _compile_selector(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


_PARSERS = threading.local()


def _parser() -> etree.HTMLParser:
    """This thread's HTML parser (lxml parsers may be reused, but not shared between threads).

    A plain :class:`lxml.etree.HTMLParser`: the tree is the one ``lxml.html``'s parser builds,
    but without its Python element-class lookup, which ran for every element touched."""
    parser: etree.HTMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(
            remove_comments=True, remove_pis=True, no_network=True, collect_ids=False)
    return parser


_FULL_DOCUMENT = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)


@lru_cache(maxsize=64)
def _checked_selectors(selectors: tuple[str, ...]) -> None:
    check_selectors(selectors, "drop_selectors")


def _parse_fragment(html: str) -> etree._Element | None:
    """The fragment inside a wrapper ``<div>``, or None if there is nothing to parse."""
    html = strip_illegal_xml_chars(html)
    if not html.strip():
        return None
    parser = _parser()
    if not _FULL_DOCUMENT.match(html):
        html = f"<html><body>{html}</body></html>"
    try:
        document: etree._Element | None = etree.fromstring(html, parser)
    except (etree.ParserError, ValueError):
        return None
    if document is None or document.tag != "html":
        return None
    # as lxml.html.fragment_fromstring(create_parent="div") did: the body's content in a new
    # <div>, leading text only if it is not blank; a document without a body is empty, and
    # the content of a second body (libxml2 keeps one) follows the first's
    root: etree._Element = parser.makeelement("div")
    for body in document.iterchildren("body"):
        if body.text and body.text.strip():
            if len(root):
                root[-1].tail = (root[-1].tail or "") + body.text
            else:
                root.text = (root.text or "") + body.text
        root.extend(list(body))
    for element in list(root.iterdescendants(*_VOID_UNKNOWN_TO_LIBXML2)):
        _hoist_content(element)
    return root


def _serialize_fragment(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode", method="html")[len("<div>") : -len("</div>")]


def _elements(root: etree._Element) -> list[etree._Element]:
    """Every element below ``root`` (no comments), parents before their children."""
    return list(root.iterdescendants(etree.Element))


def _remove(element: etree._Element) -> None:
    """Remove an element with its content, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _hoist_content(element: etree._Element) -> None:
    """Move an element's text and children out to right after it; the element stays, empty."""
    parent, children = element.getparent(), list(element)
    if parent is None or not (children or element.text):
        return
    text, element.text = element.text, None
    if not children:
        element.tail = (text or "") + (element.tail or "")
        return
    children[-1].tail = (children[-1].tail or "") + (element.tail or "")
    element.tail = text
    for position, child in enumerate(children, start=parent.index(element) + 1):
        parent.insert(position, child)


def _safe_url(value: str, base_url: str | None) -> str | None:
    """The URL resolved and encoded, or None if its scheme is not allowed or it is malformed."""
    if _PLAIN_WEB_URL.fullmatch(value):
        return value  # what the lines below return for it, in a tenth of the time
    value = _URL_BLANKS.sub("", value)  # as browsers do: "java\tscript:"
    if not value:
        return None
    try:
        if value.startswith("//"):
            value = "https:" + value
        elif base_url:
            value = urljoin(base_url, value)
        scheme = urlsplit(value).scheme.lower()
        if scheme and scheme not in ALLOWED_URL_SCHEMES:
            return None
        return value if scheme == "mailto" else encode_url(value)
    except ValueError:
        return None


_URL_BLANKS = re.compile(r"[\t\r\n]|^[\x00-\x20]+|[\x00-\x20]+$")
_PLAIN_WEB_URL = re.compile(r"https?://[a-z0-9.-]+(?:/[A-Za-z0-9/._~-]*)?")
"""An absolute URL that resolving leaves alone (``urljoin`` returns a URL with a host as it is)
and encoding too (lower-case ASCII host, no port, query or character to escape)."""


_SRCSET_CANDIDATE = re.compile(r"[\s,]*([^\s,]\S*)([^,]*)")


def _safe_srcset(srcset: str, base_url: str | None) -> str | None:
    """Each candidate's URL made safe (unsafe ones dropped); URLs may hold commas."""
    candidates = []
    for match in _SRCSET_CANDIDATE.finditer(srcset):
        url, descriptor = match.group(1), match.group(2).strip()
        safe = _safe_url(url.rstrip(",") if not descriptor else url, base_url)
        if safe is not None:
            candidates.append(f"{safe} {descriptor}" if descriptor else safe)
    return ", ".join(candidates) or None


def _fix_urls(element: etree._Element, base_url: str | None) -> None:
    for name in _URL_ATTRIBUTES:
        value = element.get(name)
        if value is not None:
            safe = _safe_srcset(value, base_url) if name == "srcset" else _safe_url(value, base_url)
            if safe is None:
                del element.attrib[name]
            elif safe != value:
                element.set(name, safe)


def _class_words(value: str) -> Iterator[str]:
    """``appendQr_wrap article-adList`` -> append, qr, wrap, article, ad, list (and each whole token)."""
    for token in value.split():
        yield token.lower()
        for part in re.split(r"[-_]+", token):
            yield from (word.lower() for word in _CAMEL_WORD.findall(part))


def _looks_like_boilerplate(element: etree._Element, total_text: int) -> bool:
    """A small element whose class or id names a QR code, share bar, ad, newsletter box, editor line."""
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    if not _names_boilerplate(names):
        return False
    return _text_size(element) <= total_text * BOILERPLATE_MAX_SHARE


def _text_size(element: etree._Element) -> int:
    return sum(len(piece.strip()) for piece in element.itertext())


def _describe(element: etree._Element) -> str:
    """``<div class="appendQr_wrap">`` and the start of its text, for a removal log."""
    names = " ".join(f'{name}="{element.get(name)}"' for name in ("class", "id") if element.get(name))
    text = " ".join("".join(str(piece) for piece in element.itertext()).split())
    shown = f" {text[:60]}…" if len(text) > 60 else f" {text}" if text else ""
    return f"<{element.tag}{' ' + names if names else ''}>{shown}"


def _prepare(root: etree._Element, base_url: str | None, drop_selectors: Sequence[str], boilerplate: bool,
             log: list[str] | None = None) -> None:
    for element in list(root.iterdescendants(*DROP_WITH_CONTENT)):
        if element.getparent() is not None:
            if log is not None:
                log.append(f"{element.tag} element (never kept): {_describe(element)}")
            _remove(element)
    if boilerplate:
        total_text = _text_size(root)
        for element in [e for e in root.iterdescendants(etree.Element) if not _NAME_ATTRIBUTES.isdisjoint(e.keys())]:
            if _attached(element, root) and _looks_like_boilerplate(element, total_text):
                if log is not None:
                    log.append(f"boilerplate (drop_boilerplate): {_describe(element)}")
                _remove(element)
    _checked_selectors(tuple(drop_selectors))
    for selector in drop_selectors:
        for element in cast(list[etree._Element], _compile_selector(selector)(root)):
            if element is not root and _attached(element, root):
                if log is not None:
                    log.append(f"drop_selectors {selector!r}: {_describe(element)}")
                _remove(element)
    url_holders = [element for element in root.iterdescendants(etree.Element)
                   if element.tag == "img" or element.tag == "a" or not _URL_ATTRIBUTE_SET.isdisjoint(element.keys())]
    for element in url_holders:
        before = {name: value for name in _URL_ATTRIBUTES if (value := element.get(name))} if log is not None else {}
        _fix_urls(element, base_url)
        for name, value in before.items():
            if log is not None and element.get(name) is None:
                log.append(f"unsafe or unusable URL: {element.tag} {name}={value[:80]!r}")
        if element.tag == "img" and not element.get("src"):
            if log is not None:
                log.append("image without a usable src")
            _remove(element)
        elif element.tag == "a" and not element.get("href"):
            _hoist_content(element)
            _remove(element)


_URL_ATTRIBUTES = ("href", "src", "poster", "srcset")
_URL_ATTRIBUTE_SET = frozenset(_URL_ATTRIBUTES)
_NAME_ATTRIBUTES = frozenset(("class", "id"))


def _attached(element: etree._Element, root: etree._Element) -> bool:
    """Is ``element`` still inside ``root`` (not inside an element removed before it)?"""
    return any(ancestor is root for ancestor in element.iterancestors())


def _attribute_counts(root: etree._Element) -> tuple[dict[str, int], dict[str, int]]:
    tags: dict[str, int] = {}
    attributes: dict[str, int] = {}
    for element in _elements(root):
        tags[element.tag] = tags.get(element.tag, 0) + 1
        for key in element.attrib:
            name = str(key)
            attributes[name] = attributes.get(name, 0) + 1
    return tags, attributes


@lru_cache(maxsize=1)
def _sanitizer() -> Callable[[str], str]:
    """``nh3.clean`` with stage 2's allowlist.  An ``nh3.Cleaner`` (nh3 0.2.20 and later) converts
    the options once; ``nh3.clean`` converted them on every call (half its time on a 5 KB body)."""
    tags, drop, schemes = set(ALLOWED_TAGS), set(DROP_WITH_CONTENT), set(ALLOWED_URL_SCHEMES)
    controls = {"video": {"controls": ""}, "audio": {"controls": ""}}
    if hasattr(nh3, "Cleaner"):
        return nh3.Cleaner(tags=tags, clean_content_tags=drop, attributes=ALLOWED_ATTRIBUTES, url_schemes=schemes,
                           link_rel=None, strip_comments=True, set_tag_attribute_values=controls).clean
    return partial(nh3.clean, tags=tags, clean_content_tags=drop, attributes=ALLOWED_ATTRIBUTES, url_schemes=schemes,
                   link_rel=None, strip_comments=True, set_tag_attribute_values=controls)


def _sanitize(html: str) -> str:
    return _sanitizer()(html)


def _carries_nothing(element: etree._Element) -> bool:
    if element.tag == "source":
        return not (element.get("src") or element.get("srcset"))
    return element.tag not in KEEP_EMPTY and not len(element) and not (element.text or "").strip()


def _fold_space_run(match: re.Match[str]) -> str:
    return "\n" if "\n" in match.group(0) else " "


def _fold_html_space(text: str | None) -> str | None:
    """A whitespace run holding a line break becomes one ``\\n``, any other one blank."""
    if text and _SPACE_TO_FOLD.search(text):
        return _HTML_SPACE_RUN.sub(_fold_space_run, text)
    return text


_SPACE_TO_FOLD = re.compile(r"[ \t\r\n\f](?:(?<=[\t\r\f])|[ \t\r\n\f])")
"""Text :func:`_fold_html_space` changes: a run longer than one character, or tab, CR, FF
(written to start with a character class, which the regex engine skips to quickly)."""
_HTML_SPACE = " \t\r\n\f"


def _tidy_tree(root: etree._Element) -> None:
    """Stage 3 on a parsed fragment: drop elements left empty, fold whitespace outside ``<pre>``.

    One pass, children before their parents and later siblings before earlier ones: removing
    an element changes only its parent's text or its previous sibling's tail, so each text is
    final when its element comes up (and folding a run twice gives what folding it once does)."""
    preformatted = {inner for outer in root.iter("pre", "textarea") for inner in outer.iterdescendants()}
    for element in reversed(_elements(root)):
        if _carries_nothing(element):
            _remove(element)
            continue
        inside_pre = element in preformatted
        if element.tag == "pre":
            if element.text:
                # HTML parsers drop one newline right after <pre> on every parse: only none is stable
                element.text = element.text.lstrip("\r\n")
        elif not inside_pre and (text := element.text) and _SPACE_TO_FOLD.search(text):
            element.text = _HTML_SPACE_RUN.sub(_fold_space_run, text)
        if not inside_pre and (tail := element.tail) and _SPACE_TO_FOLD.search(tail):
            element.tail = _HTML_SPACE_RUN.sub(_fold_space_run, tail)
    root.text = _fold_html_space(root.text)


def _tidy(html: str) -> tuple[str, str | None]:
    """One round of stage 3 on sanitized HTML: the new result, and the tree it came from serialized
    (None if there was nothing to parse)."""
    root = _parse_fragment(html)
    if root is None:
        return "", None
    _tidy_tree(root)
    serialized = _serialize_fragment(root)
    return _sanitize(serialized).strip(_HTML_SPACE), serialized


def _settle(result: str) -> str:
    """Stage 3 until the output stops changing (at most :data:`_MAX_TIDY_ROUNDS` rounds).

    A round parses, tidies, serializes and sanitizes.  The round that would only confirm a
    result is replaced by a cheaper test: if lxml reads the new result back as exactly the tree
    just serialized (ends stripped), that tree is already tidy, so the round would tidy nothing
    and sanitize the same markup again, which gives the same result."""
    for _ in range(_MAX_TIDY_ROUNDS):
        tidied, serialized = _tidy(result)
        if tidied == result:
            break
        result = tidied
        if serialized is not None and _reads_back_as(tidied, serialized.strip(_HTML_SPACE)):
            break
    return result


def _reads_back_as(html: str, serialized: str) -> bool:
    """Does lxml parse ``html`` into a tree that serializes as ``serialized``?  If so, the tree is
    kept for :func:`_read_only_tree`."""
    root = _parse_fragment(html)
    if root is None or _serialize_fragment(root) != serialized:
        return False
    _LAST_READ.value = (html, root)
    return True


_LAST_READ = threading.local()
"""This thread's last result of :func:`clean_html` with the tree it was read back as: the text
and the first image of a cleaned body are usually asked for right after it is cleaned."""


def _read_only_tree(html: str) -> etree._Element | None:
    """The fragment parsed, for reading only: may be the tree :func:`_reads_back_as` kept."""
    last: tuple[str, etree._Element] | None = getattr(_LAST_READ, "value", None)
    if last is not None and last[0] == html:
        return last[1]
    return _parse_fragment(html)


def clean_html(
    html: str, *, base_url: str | None, drop_selectors: Sequence[str] = (), drop_boilerplate: bool = False,
    log: list[str] | None = None,
) -> str:
    """Untrusted HTML fragment -> safe HTML fragment (the rules are in the module docstring).

    With ``drop_boilerplate``, small elements whose ``class``/``id`` words name boilerplate
    (:data:`BOILERPLATE_WORDS`, :data:`BOILERPLATE_CLASSES`) are removed as well, but never
    one holding more than :data:`BOILERPLATE_MAX_SHARE` of the fragment's text.  ``log``, when
    given, receives one line per thing taken away (``feedkit explain``).

    Raises :class:`~feedkit.errors.ConfigError` (key ``drop_selectors``) for a bad selector.
    """
    if log is not None:
        comments = len(re.findall(r"<!--", html))
        if comments:
            log.append(f"{comments} HTML comment(s)")
    root = _parse_fragment(html)
    if root is None:
        return ""
    _prepare(root, base_url, drop_selectors, drop_boilerplate, log)
    result = _settle(_sanitize(_serialize_fragment(root)))
    if log is not None:
        _log_sanitizer(root, result, log)
    return result


def _log_sanitizer(prepared: etree._Element, result: str, log: list[str]) -> None:
    """What the allowlist and the tidy rounds took away: tags unwrapped, attributes dropped."""
    tags_before, attributes_before = _attribute_counts(prepared)
    cleaned = _parse_fragment(result)
    tags_after, attributes_after = _attribute_counts(cleaned) if cleaned is not None else ({}, {})
    tags = {tag: n - tags_after.get(tag, 0) for tag, n in tags_before.items() if n > tags_after.get(tag, 0)}
    attributes = {name: n - attributes_after.get(name, 0) for name, n in attributes_before.items()
                  if n > attributes_after.get(name, 0)}
    if tags:
        log.append("sanitizer: elements unwrapped or left empty: "
                   + ", ".join(f"{tag} ×{n}" for tag, n in sorted(tags.items())))
    if attributes:
        log.append("sanitizer: attributes dropped: "
                   + ", ".join(f"{name} ×{n}" for name, n in sorted(attributes.items())))


def is_boilerplate_class(name: str) -> bool:
    """Would ``drop_boilerplate`` take an element of this ``class`` for boilerplate (when it is small)?"""
    return _names_boilerplate(name)


@lru_cache(maxsize=1024)
def _names_boilerplate(names: str) -> bool:
    words = set(_class_words(names))
    return bool(words & BOILERPLATE_WORDS or words & BOILERPLATE_CLASSES)


def drop_selected(html: str, selectors: Sequence[str]) -> tuple[str, int]:
    """A cleaned fragment without the elements matching ``selectors``, and how many went.

    Works on output of :func:`clean_html`, where ``class``/``id`` are gone: select by tag,
    position and kept attributes (``img[src*=qrcode]``, ``p:last-child``).
    """
    check_selectors(selectors, "selectors")
    root = _parse_fragment(html)
    if root is None:
        return html, 0
    removed = 0
    for selector in selectors:
        for element in cast(list[etree._Element], _compile_selector(selector)(root)):
            if element is not root and element.getparent() is not None:
                _remove(element)
                removed += 1
    return (_sanitize(_serialize_fragment(root)).strip() if removed else html), removed


def rewrite_image_urls(html: str, rewrite: Callable[[str], str]) -> str:
    """A cleaned fragment with every ``<img>``/``<source>`` ``src`` and ``srcset`` URL (and
    ``<video poster>``) passed through ``rewrite``."""
    if not _MEDIA_TAG.search(html):
        return html
    root = _parse_fragment(html)
    if root is None:
        return html
    changed = False
    for element in _elements(root):
        if element.tag not in ("img", "source", "video"):
            continue
        for name in ("src", "poster", "srcset"):
            value = element.get(name)
            if not value:
                continue
            if name == "srcset":
                new = ", ".join(_rewrite_candidate(candidate, rewrite) for candidate in value.split(", "))
            else:
                new = rewrite(value)
            if new != value:
                element.set(name, new)
                changed = True
    return _sanitize(_serialize_fragment(root)).strip() if changed else html


_MEDIA_TAG = re.compile(r"<(?:img|source|video)\b", re.IGNORECASE)


def _rewrite_candidate(candidate: str, rewrite: Callable[[str], str]) -> str:
    url, _, descriptor = candidate.strip().partition(" ")
    return f"{rewrite(url)} {descriptor}".strip()


def first_image(html: str) -> str | None:
    """The ``src`` of the first ``<img>`` whose ``src`` is an absolute http(s) URL, else None."""
    root = _read_only_tree(html)
    for element in root.iter("img") if root is not None else ():
        src = (element.get("src") or "").strip()
        if re.match(r"(?i)https?://[^/?#\s]", src):
            return src
    return None


_TEXT_BLOCKS = _names(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre figure figcaption table caption "
    "section article header footer aside nav main address details summary hr"
)
_PARAGRAPH, _LINE = "\x00P", "\x00L"  # break markers; NUL never survives parsing


def _text_pieces(root: etree._Element) -> list[str]:
    """Whitespace-folded text and break markers of a fragment, in document order."""
    pieces: list[str] = []
    add = pieces.append
    skipping = in_pre = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else "script"
        if event == "start":
            skipping += tag in DROP_WITH_CONTENT
            in_pre += tag == "pre"
            if not skipping:
                if tag in _TEXT_BLOCKS:
                    add(_PARAGRAPH)
                elif tag == "br" or tag == "tr":
                    add(_LINE)
                text = element.text
                if text:
                    add(text.replace("\n", _LINE) if in_pre else _TEXT_SPACE_RUN.sub(" ", text))
        else:
            if not skipping and tag in _TEXT_BLOCKS:
                add(_PARAGRAPH)
            elif tag == "td" or tag == "th":
                add(" ")
            skipping -= tag in DROP_WITH_CONTENT
            in_pre -= tag == "pre"
            if not skipping and element is not root:
                tail = element.tail
                if tail:
                    add(tail.replace("\n", _LINE) if in_pre else _TEXT_SPACE_RUN.sub(" ", tail))
    return pieces


_TEXT_SPACE_RUN = re.compile(r"[ \t\r\n\f\v\xa0]+")
_BREAK_RUN = re.compile(r"\x00[PL](?: *\x00[PL])* *")
"""Break markers with the blanks between and after them (the blanks before were cut)."""
_BLANK_LINES = re.compile(r"\n{3,}")


def _breaks(match: re.Match[str]) -> str:
    return "\n\n" if _PARAGRAPH in match.group(0) else "\n" * match.group(0).count(_LINE)


def html_to_text(html: str) -> str:
    """Plain text of a fragment: ``<br>`` becomes a line break; ``<p>``, ``<div>``,
    headings, list items and other blocks become paragraph breaks; whitespace runs are
    folded, full-width indentation (``　　``) at paragraph starts is removed, entities are
    decoded and script/style content is skipped.  The result is stripped."""
    root = _read_only_tree(html)
    if root is None:
        return ""
    pieces = "".join(_text_pieces(root)).split("\x00")
    pieces[:-1] = [piece.rstrip(" ") for piece in pieces[:-1]]  # the blanks before each marker
    text = _BREAK_RUN.sub(_breaks, "\x00".join(pieces))
    text = "\n".join(line.lstrip(" \u3000").rstrip(" ") for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()
