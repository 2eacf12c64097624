"""The fast upstream parse path: a well-formed RSS 2.0, Atom 1.0 or RSS 1.0 document, read with
lxml, -> the same entry and feed dictionaries feedparser would give :mod:`feedkit.upstream.parse`
(only the keys :mod:`feedkit.upstream.items` reads), or ``None`` to hand the document to feedparser.

Why: feedparser's SAX handlers cost about a third of :func:`~feedkit.upstream.parse.parse_feed`
on the corpus (docs/performance.md, "Upstream parse path"); a tree walk over lxml's parse costs a
few per cent of that.

How it stays identical: the values go through feedparser's own steps (whitespace stripped,
``_urljoin`` for URL-valued elements, its UTF-8-read-as-Latin-1 repair and windows-1252 mapping,
``looks_like_html`` for RSS titles, ``_parse_date``), element names are mapped to feedparser's
(known namespace URIs to its prefixes, unknown ones by the prefix written, lower-cased), and the
order-dependent rules are kept (the first non-empty title wins; a ``guid`` that is a permalink is
the link unless a ``<link>`` follows; content is copied to an empty summary; a second
``description`` is content).  Anything outside the shapes below is *rejected* (``None``), never
guessed: not well-formed XML, a DOCTYPE or entity declaration (never expanded: lxml runs without
DTDs, entities or network), another root or version, ``xml:base`` / ``base``, markup inside a
text element (unescaped HTML, XHTML content), base64 or ``src`` content, ``<source>``, an
element feedparser has a handler for that is not read here, or an unknown element that holds
elements or whose name feedparser would store under a key that is read.  ``tests/test_fast_parse.py``
compares the entries of both paths on every file of ``../shared/corpus/feeds``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import feedparser.html  # type: ignore[import-untyped]
import feedparser.mixin  # type: ignore[import-untyped]
import feedparser.urls  # type: ignore[import-untyped]
from feedparser.datetimes import _parse_date  # type: ignore[import-untyped]
from lxml import etree

from feedkit.limits import MAX_NAME_LENGTH

__all__ = ["FastResult", "parse_fast"]

_MIXIN: Any = feedparser.mixin._FeedParserMixin
_PREFIXES: dict[str, str] = {uri.lower(): prefix for uri, prefix in _MIXIN.namespaces.items()}
_CP1252: Any = feedparser.html._cp1252
_urljoin: Callable[[str, str], str] = feedparser.urls._urljoin
_looks_like_html: Callable[[str], bool] = _MIXIN.looks_like_html
_split_person: Any = None  # set below (items imports nothing from here; avoid a cycle)

_ATOM = "http://www.w3.org/2005/Atom"
_RSS10 = "http://purl.org/rss/1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_DECLARATION = re.compile(r"""xmlns(?::([A-Za-z_][\w.\-]*))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DTD = re.compile(r"<!(?i:doctype|entity)")
_QUERY_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_ENTRY_READ = frozenset({
    "id", "link", "links", "title", "title_detail", "content", "summary", "summary_detail", "published", "created",
    "updated", "published_parsed", "created_parsed", "updated_parsed", "tags", "authors", "author", "author_detail",
    "media_thumbnail", "media_content", "image", "guidislink", "href", "url", "language", "category",
    "itunes_duration", "itunes_explicit", "itunes_episode", "itunes_season", "itunes_episodetype",
})
_FEED_READ = frozenset({"title", "title_detail", "link", "links", "language", "authors", "author", "author_detail",
                        "image", "textinput", "href", "url"})
_ITUNES_TEXT = ("itunes_duration", "itunes_episode", "itunes_season", "itunes_episodetype")
_IGNORED_ENTRY = frozenset({"comments", "wfw_comment", "wfw_commentrss", "slash_comments"})
"""Elements feedparser stores only under keys that are not read."""
_IGNORED_FEED = frozenset({
    "description", "subtitle", "tagline", "copyright", "rights", "pubdate", "published", "lastbuilddate", "updated",
    "modified", "generator", "docs", "ttl", "id", "icon", "logo", "category", "dc_date", "dc_rights", "dc_subject",
    "dc_publisher", "dc_description", "dcterms_modified", "itunes_summary", "itunes_subtitle", "itunes_explicit",
    "itunes_block", "itunes_keywords", "itunes_image", "itunes_link", "media_thumbnail", "media_rating",
    "media_copyright", "media_keywords", "media_category", "webmaster", "managingeditor", "cloud",
    "itunes_author", "dc_creator", "author", "skiphours", "skipdays",
})
"""Feed-level elements whose handlers touch no feed key that is read (RSS: authors are not inherited)."""
_PERSONS = frozenset({"author", "dc_creator", "itunes_author", "webmaster", "managingeditor", "dc_publisher",
                      "itunes_owner"})
"""Feed-level people: only RSS feeds may have them ignored (Atom entries inherit the feed's authors)."""
_CONTAINERS = {
    "image": frozenset({"title", "link", "url", "width", "height", "description"}),
    "textinput": frozenset({"title", "link", "description", "name"}),
    "itunes_owner": frozenset({"itunes_name", "itunes_email"}),
    "itunes_category": frozenset({"itunes_category"}),
    "items": None,
    "skiphours": None,
    "skipdays": None,
}
"""Feed-level elements with children: which children (None: any handler-less ones)."""


class _Reject(Exception):
    """The document is outside what this path reads: feedparser takes it."""


@dataclass
class FastResult:
    """What feedparser would have returned, reduced to the keys that are read."""

    version: str
    feed: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)


def parse_fast(text: str, language: str | None) -> FastResult | None:
    """``text`` (decoded, without its XML declaration) -> the feedparser-shaped result, or ``None``
    when the document is not one this path reads exactly.  ``language``: the HTTP Content-Language."""
    if _DTD.search(text):
        return None
    try:
        return _Reader(text, language).read()
    except (_Reject, etree.XMLSyntaxError, ValueError, RecursionError):
        return None


def _has_handler(name: str) -> bool:
    return hasattr(_MIXIN, "_start_" + name) or hasattr(_MIXIN, "_end_" + name)


def _attributes(element: Any) -> dict[str, str]:
    """feedparser's attribute dictionary: names lower-cased, ``rel`` and ``type`` values too."""
    found: dict[str, str] = {}
    for key, value in element.attrib.items():
        if key.startswith("{"):
            uri, local = key[1:].split("}", 1)
            if uri == "http://www.w3.org/XML/1998/namespace":
                continue  # xml:lang and xml:base are read separately
            prefix = _PREFIXES.get(uri.lower())
            if prefix is None:
                raise _Reject  # feedparser's rules for these depend on the order of qualified names
            key = f"{prefix}:{local}" if prefix else local
        key = key.lower()
        found[key] = value.lower() if key in ("rel", "type") else value
    return found


def _content_type(value: str) -> str:
    value = value.lower()
    return {"text": "text/plain", "plain": "text/plain", "html": "text/html", "xhtml": "application/xhtml+xml"}.get(
        value, value
    )


class _Reader:
    def __init__(self, text: str, language: str | None) -> None:
        self.text = text
        self.header_language = language
        self.namespacemap: dict[str | None, str] = {}
        self.unknown_prefixes: dict[str, str] = {}
        """Namespace URI feedparser does not know -> the prefix it was declared with (expat gives no
        qualified names, so feedparser looks the prefix up by URI)."""
        self.version = ""

    # -- the document -------------------------------------------------------------------------

    def read(self) -> FastResult:
        self._declarations()
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        root = etree.fromstring(self.text.encode("utf-8"), parser)
        docinfo: Any = root.getroottree().docinfo
        if docinfo.doctype:
            raise _Reject
        lang = self._lang(root, self.header_language)
        feed: dict[str, Any] = {}
        if self.header_language:
            feed["language"] = self.header_language.replace("_", "-")
        entries: list[dict[str, Any]] = []
        if root.tag == "rss":
            if not root.get("version", "").startswith("2.") or self.version not in ("", "atom10"):
                raise _Reject
            self.version = "rss20"
            if lang:
                feed["language"] = lang.replace("_", "-")
            self._check_attributes(root, ("version",))
            children = [child for child in root if isinstance(child.tag, str)]
            if len(children) != 1 or children[0].tag != "channel":
                raise _Reject
            self._feed(children[0], feed, entries, lang, rss=True)
        elif root.tag == f"{{{_ATOM}}}feed":
            if self.version != "atom10":
                raise _Reject
            if lang:
                feed["language"] = lang.replace("_", "-")
            self._feed(root, feed, entries, lang, rss=False)
        elif root.tag == f"{{{_RDF}}}RDF":
            if self.version != "rss10":
                raise _Reject
            for child in root:
                name = self._name(child)
                if name == "channel":
                    self._feed(child, feed, entries, self._lang(child, lang), rss=True)
                elif name == "item":
                    entries.append(self._entry(child, self._lang(child, lang), rss=True))
                elif name in ("image", "textinput"):
                    self._container(child, name)
                else:
                    self._inert(child, _FEED_READ)
        else:
            raise _Reject
        return FastResult(self.version, feed, entries)

    def _declarations(self) -> None:
        """Every ``xmlns`` declaration: the version feedparser infers from the first telling one, and
        its prefix map (a prefix declared twice differently, or a standard prefix bound to another
        known namespace, is left to feedparser)."""
        declared: dict[str | None, str] = {}
        for match in _DECLARATION.finditer(self.text):
            prefix = match.group(1)
            uri = match.group(2) if match.group(2) is not None else match.group(3)
            lower = uri.lower()
            if "backend.userland.com/rss" in lower:
                raise _Reject
            if prefix in declared and declared[prefix] != uri:
                raise _Reject
            declared[prefix] = uri
            if not self.version:
                if prefix is None and lower == "http://my.netscape.com/rdf/simple/0.9/":
                    self.version = "rss090"
                elif lower == _RSS10:
                    self.version = "rss10"
                elif lower == _ATOM.lower():
                    self.version = "atom10"
            standard = _PREFIXES.get(lower)
            if standard is not None:
                self.namespacemap[prefix] = standard
            elif prefix and self.unknown_prefixes.setdefault(uri, prefix) != prefix:
                raise _Reject
        for prefix, standard in self.namespacemap.items():
            if prefix and prefix != standard and (prefix in _PREFIXES.values()):
                raise _Reject

    def _name(self, element: Any) -> str:
        """feedparser's name for an element (``dc_creator``, ``title``), lower-cased."""
        tag = element.tag
        if not isinstance(tag, str):
            raise _Reject  # a comment or processing instruction where an element was expected
        if tag.startswith("{"):
            uri, local = tag[1:].split("}", 1)
            lower = uri.lower()
            prefix = _PREFIXES.get(lower)
            if prefix is None:
                prefix = self.unknown_prefixes.get(uri, "")
        else:
            local, prefix = tag, ""
        prefix = self.namespacemap.get(prefix, prefix) if prefix else ""
        return f"{prefix.lower()}_{local.lower()}" if prefix else local.lower()

    @staticmethod
    def _lang(element: Any, inherited: str | None) -> str | None:
        if element.get(_XML_BASE) is not None or element.get("base") is not None:
            raise _Reject
        lang = element.get(_XML_LANG, element.get("lang"))
        if lang == "":
            return None
        return inherited if lang is None else lang

    @staticmethod
    def _check_attributes(element: Any, allowed: tuple[str, ...]) -> None:
        for key in element.attrib:
            if key not in allowed and key not in (_XML_LANG, "lang"):
                raise _Reject

    def _value(self, element: Any, name: str, *, permalink: bool = True, strip: bool = True) -> str:
        """The text of an element without children, through feedparser's ``pop``."""
        if len(element):
            raise _Reject
        output = element.text or ""
        if strip:
            output = output.strip()
        if name in _MIXIN.can_be_relative_uri and output and (name != "id" or permalink):
            output = _urljoin("", output)
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):  # feedparser's repair of double-read UTF-8
            output = output.encode("iso-8859-1").decode("utf-8")
        return str(output.translate(_CP1252))

    def _detail(self, element: Any, name: str, default_type: str, lang: str | None) -> tuple[str, dict[str, Any]]:
        """A text construct: (value, feedparser's ``*_detail``)."""
        kind = _content_type(_attributes(element).get("type", default_type))
        self._check_attributes(element, ("type",))
        if not kind.startswith("text/") or kind not in ("text/plain", "text/html"):
            raise _Reject  # xhtml or base64 content: feedparser rebuilds or decodes it
        value = self._value(element, name)
        if not self.version.startswith("atom") and kind == "text/plain" and _looks_like_html(value):
            kind = "text/html"
        return value, {"type": kind, "language": lang.replace("_", "-") if lang else lang, "base": "", "value": value}

    def _inert(self, element: Any, read: frozenset[str], depth: int = 0) -> None:
        """An element feedparser stores only under a key that is not read (or not at all)."""
        name = self._name(element)
        if _has_handler(name) or name in read or depth > 8:
            raise _Reject
        self._lang(element, None)
        for child in element:
            if not isinstance(child.tag, str):
                continue
            self._inert(child, read, depth + 1)

    def _container(self, element: Any, name: str) -> None:
        allowed = _CONTAINERS[name]
        self._lang(element, None)
        for child in element:
            if not isinstance(child.tag, str):
                continue
            child_name = self._name(child)
            if allowed is None:
                self._inert(child, _FEED_READ | {"title", "link", "author"})
            elif child_name not in allowed or len(child):
                raise _Reject
            self._lang(child, None)

    # -- the feed -------------------------------------------------------------------------------

    def _feed(self, element: Any, feed: dict[str, Any], entries: list[dict[str, Any]], lang: str | None,
              rss: bool) -> None:
        self._check_attributes(element, (f"{{{_RDF}}}about",))
        titles = 0
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = self._name(child)
            child_lang = self._lang(child, lang)
            if name in ("item", "entry") and (name == "item") == rss:
                entries.append(self._entry(child, child_lang, rss))
            elif name == "title":
                titles += 1
                value, detail = self._detail(child, "title", "text/plain", child_lang)
                if titles > 1:
                    raise _Reject  # feedparser's title_depth rules: left to it
                feed["title"], feed["title_detail"] = value, detail
            elif name == "link":
                self._link(child, feed, in_entry=False)
            elif name in ("language", "dc_language"):
                feed["language"] = self._value(child, "language")
            elif name == "author" and not rss:
                self._author(child, feed)
            elif name in _CONTAINERS and (rss or name not in _PERSONS):
                self._container(child, name)
            elif name in _IGNORED_FEED and (rss or name not in _PERSONS):
                if len(child):
                    raise _Reject
            else:
                self._inert(child, _FEED_READ)

    def _link(self, element: Any, context: dict[str, Any], *, in_entry: bool) -> None:
        """feedparser's ``_start_link`` / ``_end_link`` (with feedkit's ``uri`` patch: left to feedparser)."""
        attrs = _attributes(element)
        if "url" in attrs or "uri" in attrs:
            raise _Reject
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
        links = context.setdefault("links", [])
        if "href" in attrs:
            attrs["href"] = _urljoin("", attrs["href"])
            links.append(attrs)
            if attrs["rel"] == "alternate" and _content_type(attrs["type"]) in _HTML_TYPES:
                context["link"] = attrs["href"]
            return
        links.append(attrs)
        output = self._value(element, "link")
        if in_entry:
            output = _QUERY_ENTITY.sub(r"&\g<1>", output.replace("&amp;", "&"))
            context["link"] = output
            if output:
                links[-1]["href"] = output
        else:
            output = _QUERY_ENTITY.sub(r"&\g<1>", output)
            context["link"] = output
            links[-1]["href"] = output

    def _author(self, element: Any, context: dict[str, Any]) -> None:
        """``author`` / ``dc:creator``: plain text split as parse.py's patched ``_sync_author_detail``
        does, or Atom ``name`` / ``email`` / ``uri`` children (with feedparser's order of saving and
        syncing, which lets an earlier author's text reach an author that starts without a name)."""
        authors = context.setdefault("authors", [])
        detail: dict[str, Any] = {}
        authors.append(detail)
        if not len(element):
            context["author"] = self._value(element, "author")
            self._sync(context, detail)
            return
        if (element.text or "").strip() or element.attrib:
            raise _Reject
        for child in element:
            if not isinstance(child.tag, str) or (child.tail or "").strip() or child.attrib:
                raise _Reject
            name = self._name(child)
            if name in ("name", "email"):
                self._value(child, name)  # no children
                value = (child.text or "").strip()  # pushed without expecting text: only stripped
            elif name in ("uri", "url", "homepage"):
                name, value = "href", self._value(child, "href")
            else:
                raise _Reject
            self._sync(context, detail)
            detail[name] = value
        context["author"] = ""
        self._sync(context, detail)

    @staticmethod
    def _sync(context: dict[str, Any], detail: dict[str, Any]) -> None:
        """parse.py's ``_checked_author_detail`` around feedparser's ``_sync_author_detail``."""
        value = context.get("author")
        if isinstance(value, str) and len(value) > 2 * MAX_NAME_LENGTH:
            context["author"] = value = value[: 2 * MAX_NAME_LENGTH]
        if detail:
            name, email = detail.get("name"), detail.get("email")
            if name and email:
                context["author"] = f"{name} ({email})"
            elif name or email:
                context["author"] = name or email
            return
        if not isinstance(value, str) or not value.strip():
            return
        name, email = _split_person(value)
        if name:
            detail["name"] = name
        if email:
            detail["email"] = email

    # -- one entry ------------------------------------------------------------------------------

    def _entry(self, element: Any, lang: str | None, rss: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        about = element.get(f"{{{_RDF}}}about")
        self._check_attributes(element, (f"{{{_RDF}}}about",))
        if about:
            entry["id"] = about
        has_content = False
        title_found = False
        descriptions = 0
        tags: list[dict[str, Any]] = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = self._name(child)
            child_lang = self._lang(child, lang)
            if name in ("title", "dc_title"):
                value, detail = self._detail(child, "title", "text/plain", child_lang)
                if not title_found:
                    entry["title"], entry["title_detail"] = value, detail
                title_found = title_found or bool(value)
            elif name == "link":
                self._link(child, entry, in_entry=True)
            elif name in ("description", "summary"):
                descriptions += 1
                if descriptions > 1 or ("summary" in entry and not has_content):
                    raise _Reject  # feedparser reads it as content
                value, detail = self._detail(child, "summary", "text/html" if name == "description" else "text/plain",
                                             child_lang)
                entry["summary"], entry["summary_detail"] = value, detail
            elif name in ("content_encoded", "content"):
                attributes = _attributes(child)
                if name == "content" and ("src" in attributes or "mode" in attributes):
                    raise _Reject
                has_content = True
                value, detail = self._detail(child, "content", "text/html" if name == "content_encoded" else
                                             "text/plain", child_lang)
                entry.setdefault("content", []).append(detail)
                entry.setdefault("summary", value)
            elif name in ("guid", "id"):
                permalink = _attributes(child).get("ispermalink", "true") == "true"
                value = self._value(child, "id", permalink=permalink)
                entry["id"] = value
                entry.setdefault("guidislink", permalink and "link" not in entry)
                if permalink:
                    entry.setdefault("link", value)
            elif name in ("pubdate", "published", "dcterms_issued", "issued"):
                value = self._value(child, "published")
                entry["published"], entry["published_parsed"] = value, _parse_date(value)
            elif name in ("updated", "dc_date", "modified", "lastbuilddate", "dcterms_modified"):
                value = self._value(child, "updated")
                entry["updated"], entry["updated_parsed"] = value, _parse_date(value)
            elif name in ("author", "dc_creator", "dc_author", "itunes_author") and not (
                name == "itunes_author" and len(child)
            ):
                if name != "author" and len(child):
                    raise _Reject
                self._author(child, entry)
            elif name in ("category", "dc_subject"):
                attrs = _attributes(child)
                term, scheme, label = attrs.get("term"), attrs.get("scheme", attrs.get("domain")), attrs.get("label")
                self._add_tag(tags, term, scheme, label)
                value = self._value(child, "category")
                if value:
                    if tags and not tags[-1]["term"]:
                        tags[-1]["term"] = value
                    else:
                        self._add_tag(tags, value, None, None)
            elif name == "enclosure":
                if len(child):
                    raise _Reject
                attrs = feedparser.mixin._FeedParserMixin._enforce_href(_attributes(child))
                attrs["rel"] = "enclosure"
                entry.setdefault("links", []).append(attrs)
            elif name == "media_content":
                if len(child):
                    raise _Reject
                entry.setdefault("media_content", []).append(_attributes(child))
            elif name == "media_thumbnail":
                if len(child) or (child.text or "").strip():
                    raise _Reject
                entry.setdefault("media_thumbnail", []).append(_attributes(child))
            elif name == "media_group":
                self._media_group(child, entry)
            elif name in ("itunes_image", "itunes_link"):
                if len(child):
                    raise _Reject
                attrs = _attributes(child)
                if attrs.get("href"):
                    entry["image"] = {"href": attrs["href"]}
                elif attrs.get("url"):
                    entry["image"] = {"href": attrs["url"]}
            elif name == "itunes_explicit":
                if child.attrib:
                    raise _Reject
                entry["itunes_explicit"] = self._value(child, "itunes_explicit", strip=False)
            elif name in _ITUNES_TEXT:
                if child.attrib:
                    raise _Reject
                entry[name] = self._value(child, name)
            elif name in _IGNORED_ENTRY:
                if len(child):
                    raise _Reject
            else:
                self._inert(child, _ENTRY_READ)
        entry["tags"] = tags
        return entry

    def _media_group(self, element: Any, entry: dict[str, Any]) -> None:
        self._check_attributes(element, ())
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = self._name(child)
            self._lang(child, None)
            if name == "media_content" and not len(child):
                entry.setdefault("media_content", []).append(_attributes(child))
            elif name == "media_thumbnail" and not len(child) and not (child.text or "").strip():
                entry.setdefault("media_thumbnail", []).append(_attributes(child))
            elif name in ("media_title", "media_description", "media_credit", "media_rating", "media_category",
                          "media_player", "media_keywords", "media_license", "media_restriction", "media_copyright"):
                raise _Reject
            else:
                self._inert(child, _ENTRY_READ)

    @staticmethod
    def _add_tag(tags: list[dict[str, Any]], term: str | None, scheme: str | None, label: str | None) -> None:
        if not term and not scheme and not label:
            return
        value = {"term": term, "scheme": scheme, "label": label}
        if value not in tags:
            tags.append(value)


def _bind() -> None:
    global _split_person
    from feedkit.upstream.items import split_person

    _split_person = split_person


_bind()
