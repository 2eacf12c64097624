"""An independent checker of feedkit's output: parses with lxml and json only, imports nothing from feedkit.

The renderers and the sanitizer promise safe, well-formed files; this module checks the
promise from the outside, the way a hostile reviewer would, so a regression in either is
caught by a check that does not share their code (or their bugs).  ``check_bytes`` judges
one file by its name and bytes; ``check_tree`` every file of an output folder. Both return
a list of :class:`Finding` (empty: the output is clean).

The rules (docs/security.md lists them):

* every file is well-formed: XML (``.xml``, ``.opml``, ``.xsl``) parses strictly, JSON
  (``.json``) parses strictly (no ``NaN``/``Infinity``), HTML (``.html``) parses;
* no XML file has a DTD (``<!DOCTYPE``) or an entity declaration;
* no active content anywhere, in the documents themselves or in the HTML they carry
  (RSS ``description``/``content:encoded``, Atom ``type="html"``/``"xhtml"``, JSON Feed
  ``content_html``, the index page): no ``<script>`` (nor iframe, object, embed, applet,
  frame, base, form), no ``on*=`` attribute, no ``javascript:``, ``vbscript:``, ``file:``
  or ``data:`` URL in any place that holds a URL (feedkit documents no ``data:`` image:
  the sanitizer drops them all);
* titles are text: an XML title has no child elements and an Atom title is ``type="text"``
  (or has no type); a JSON title is a string;
* every id is unique in its document (RSS ``guid``, Atom ``entry/id``, JSON Feed ``items[].id``),
  and every item has one;
* (folders) ``index.json`` names only files that exist, and nothing in the folder is a symlink.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

ACTIVE_ELEMENTS = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form"})
URL_ATTRIBUTES = frozenset({"href", "src", "srcset", "poster", "action", "formaction", "background", "cite",
                            "longdesc", "url", "uri", "xmlurl", "htmlurl", "data", "codebase", "manifest",
                            "profile", "lowsrc", "dynsrc", "ping"})
URL_ELEMENTS = frozenset({"link", "url", "uri", "icon", "logo", "comments", "docs", "guid", "id", "loc"})
"""Elements whose text is a URL or an IRI (RSS ``link``/``guid``, Atom ``id``/``icon``/``logo``, ...)."""
JSON_URL_KEYS = frozenset({"url", "external_url", "image", "banner_image", "home_page_url", "feed_url", "icon",
                           "favicon", "avatar", "next_url", "id", "hub"})
BAD_SCHEMES = ("javascript:", "vbscript:", "file:", "data:")
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
"""Browsers drop ASCII whitespace and controls inside a scheme: ``java\\tscript:`` is ``javascript:``."""
_HTML_IN_TEXT = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
XML_SUFFIXES = frozenset({".xml", ".opml", ".xsl", ".atom", ".rss"})


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: {self.detail[:200]}"


def bad_scheme(value: str) -> str | None:
    """The forbidden scheme ``value`` starts with (as a browser would read it), or None."""
    folded = _IGNORED_IN_SCHEME.sub("", value).lower()
    for scheme in BAD_SCHEMES:
        if folded.startswith(scheme):
            return scheme
    # an entity-escaped scheme that an HTML-treating reader decodes once more (&#106;avascript:)
    if "&" in folded and ":" in folded:
        unescaped = lxml_html.fromstring(f"<p>{value[:200]}</p>").text_content() if value.strip() else ""
        again = _IGNORED_IN_SCHEME.sub("", unescaped).lower()
        return next((s for s in BAD_SCHEMES if again.startswith(s)), None)
    return None


def _local(name: object) -> str:
    """Local name of a tag or attribute (``{ns}script`` -> ``script``); '' for comments and PIs."""
    if not isinstance(name, str):
        return ""
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _active_markup(elements: Iterable[Any], where: str) -> Iterator[tuple[str, str]]:
    """(rule, detail) for every active element, event handler and bad URL among ``elements``."""
    for element in elements:
        tag = _local(element.tag)
        if tag in ACTIVE_ELEMENTS:
            yield "active element", f"<{tag}> in {where}"
        for name, value in element.attrib.items():
            attribute = _local(name)
            if attribute.startswith("on"):
                yield "event handler attribute", f"{attribute}= on <{tag}> in {where}"
            elif attribute in URL_ATTRIBUTES or attribute == "href":
                candidates = value.split(",") if attribute == "srcset" else [value]
                for candidate in candidates:
                    scheme = bad_scheme(candidate.strip())
                    if scheme:
                        yield "forbidden URL scheme", f"{attribute}={value[:80]!r} on <{tag}> in {where}"
            elif attribute == "style" and re.search(r"expression\s*\(|url\s*\(\s*['\"]?\s*(javascript|data|vbscript)",
                                                    value, re.IGNORECASE):
                yield "active style", f"style={value[:80]!r} in {where}"
        if tag == "meta" and element.get("http-equiv", "").lower() == "refresh":
            yield "active element", f"<meta http-equiv=refresh> in {where}"


def check_html_fragment(fragment: str, where: str) -> list[tuple[str, str]]:
    """Rules for HTML carried inside a feed (escaped text): parsed as a browser-ish reader would."""
    if not fragment.strip() or ("<" not in fragment and "&" not in fragment):
        return []
    try:
        roots = lxml_html.fragments_fromstring(fragment)
    except (etree.ParserError, ValueError):
        return []  # nothing element-like in it
    found: list[tuple[str, str]] = []
    for root in roots:
        if isinstance(root, str):
            continue
        found.extend(_active_markup(root.iter(), where))
    return found


# --------------------------------------------------------------------------- XML

_XML_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
                       "recover": False, "remove_comments": False}


def check_xml(path: str, data: bytes) -> list[Finding]:
    findings: list[Finding] = []
    if _DTD.search(data):
        findings.append(Finding(path, "DTD", "the document declares a DOCTYPE or an ENTITY"))
    try:
        root = etree.fromstring(data, etree.XMLParser(**_XML_PARSER_OPTIONS))  # type: ignore[arg-type]
    except etree.XMLSyntaxError as exc:
        return [*findings, Finding(path, "not well-formed", str(exc))]
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        findings.append(Finding(path, "DTD", tree.docinfo.doctype or "internal subset"))
    findings.extend(Finding(path, rule, detail)
                    for rule, detail in _active_markup(root.iter(etree.Element), "the document"))
    ids: Counter[str] = Counter()
    kind = _local(root.tag)
    for element in root.iter(etree.Element):
        tag = _local(element.tag)
        text = (element.text or "").strip()
        if tag in URL_ELEMENTS and text and not (tag == "guid" and element.get("isPermaLink") == "false"
                                                  and not bad_scheme(text)):
            scheme = bad_scheme(text)
            if scheme:
                findings.append(Finding(path, "forbidden URL scheme", f"<{tag}>{text[:80]}"))
        if tag == "title" and kind in {"rss", "feed", "rdf", "opml"}:
            if len(element):
                findings.append(Finding(path, "markup in title", etree.tostring(element, encoding="unicode")[:120]))
            if element.get("type") not in (None, "text"):
                findings.append(Finding(path, "markup in title", f"title type={element.get('type')!r}"))
        carried = _carried_html(element, kind)
        if carried is not None:
            findings.extend(Finding(path, rule, detail) for rule, detail in check_html_fragment(carried, f"<{tag}>"))
    for item, id_tag in _items(root, kind):
        the_id = item.find(id_tag)
        value = (the_id.text or "").strip() if the_id is not None else ""
        if not value:
            findings.append(Finding(path, "missing id", f"<{_local(item.tag)}> without <{_local(id_tag)}>"))
        else:
            ids[value] += 1
    findings.extend(Finding(path, "duplicate id", f"{value} ({count} times)") for value, count in ids.items()
                    if count > 1)
    return findings


ATOM = "{http://www.w3.org/2005/Atom}"


def _items(root: Any, kind: str) -> Iterator[tuple[Any, str]]:
    if kind == "rss":
        for item in root.iterfind("channel/item"):
            yield item, "guid"
    elif kind == "feed":
        for entry in root.iterfind(f"{ATOM}entry"):
            yield entry, f"{ATOM}id"


def _carried_html(element: Any, kind: str) -> str | None:
    """The escaped HTML an element carries, when readers render it as HTML."""
    tag = _local(element.tag)
    if kind == "rss" and tag in {"description", "encoded"}:
        return element.text or ""
    if kind == "feed" and element.get("type") == "html":
        return element.text or ""
    if _local(element.tag) in {"text", "description"} and kind == "opml":
        return element.text or ""
    return None


# --------------------------------------------------------------------------- JSON


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def check_json(path: str, data: bytes) -> list[Finding]:
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        return [Finding(path, "not well-formed", f"JSON: {exc}")]
    findings: list[Finding] = []
    for where, key, value in _walk_json(document, "$"):
        if isinstance(value, str) and key in JSON_URL_KEYS and bad_scheme(value):
            findings.append(Finding(path, "forbidden URL scheme", f"{where}: {value[:80]}"))
        if isinstance(value, str) and key in {"content_html", "summary_html", "description_html"}:
            findings.extend(Finding(path, rule, f"{where}: {detail}")
                            for rule, detail in check_html_fragment(value, key))
    if isinstance(document, dict) and str(document.get("version", "")).startswith("https://jsonfeed.org/version/"):
        items = document.get("items")
        if not isinstance(items, list):
            return [*findings, Finding(path, "not a JSON Feed", "items is not a list")]
        ids: Counter[str] = Counter()
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                findings.append(Finding(path, "missing id", f"items[{index}]"))
                continue
            ids[item["id"]] += 1
            if "title" in item and not isinstance(item["title"], str):
                findings.append(Finding(path, "markup in title", f"items[{index}].title is not a string"))
        findings.extend(Finding(path, "duplicate id", f"{value} ({count} times)") for value, count in ids.items()
                        if count > 1)
    return findings


def _walk_json(value: Any, where: str, key: str = "") -> Iterator[tuple[str, str, Any]]:
    yield where, key, value
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _walk_json(inner, f"{where}.{name}", str(name))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk_json(inner, f"{where}[{index}]", key)


# --------------------------------------------------------------------------- HTML


def check_html(path: str, data: bytes) -> list[Finding]:
    try:
        root = lxml_html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        return [Finding(path, "not well-formed", f"HTML: {exc}")]
    findings = [Finding(path, rule, detail) for rule, detail in _active_markup(root.iter(etree.Element), "the page")]
    for title in root.iter("title", "h1", "h2", "h3"):
        if any(_local(child.tag) in ACTIVE_ELEMENTS for child in title.iter(etree.Element)):
            findings.append(Finding(path, "markup in title", lxml_html.tostring(title, encoding="unicode")[:120]))
    return findings


# --------------------------------------------------------------------------- files and folders


def check_bytes(path: str, data: bytes) -> list[Finding]:
    """Findings for one output file, judged by its name's suffix (other files: none)."""
    suffix = Path(path).suffix.lower()
    if suffix in XML_SUFFIXES:
        return check_xml(path, data)
    if suffix == ".json":
        return check_json(path, data)
    if suffix in {".html", ".htm"}:
        return check_html(path, data)
    return []


def check_tree(root: Path) -> list[Finding]:
    """Findings for every file under the output folder ``root`` (symlinks are findings, never followed)."""
    findings: list[Finding] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            findings.append(Finding(rel, "symlink in the output", f"points at {path.readlink()}"))
        elif path.is_file():
            findings.extend(check_bytes(rel, path.read_bytes()))
    index = root / "index.json"
    if index.is_file() and not index.is_symlink():
        findings.extend(check_index(root, index.read_bytes()))
    return findings


def check_index(root: Path, data: bytes) -> list[Finding]:
    """``index.json`` names only files that exist under ``root``."""
    try:
        channels = json.loads(data)
    except ValueError:
        return []  # reported by check_json
    findings: list[Finding] = []
    for channel in channels if isinstance(channels, list) else []:
        files = channel.get("files", {}) if isinstance(channel, dict) else {}
        for rel in files.values() if isinstance(files, dict) else []:
            if not isinstance(rel, str) or not (root / rel).is_file():
                findings.append(Finding("index.json", "names a missing file", str(rel)))
    return findings


def is_output_root(folder: Path) -> bool:
    """Whether ``folder`` looks like a feedkit output folder (an ``index.json`` list of channels with files)."""
    index = folder / "index.json"
    if not index.is_file() or index.is_symlink():
        return False
    try:
        channels = json.loads(index.read_bytes())
    except ValueError:
        return False
    return isinstance(channels, list) and all(isinstance(c, dict) and "files" in c for c in channels)
