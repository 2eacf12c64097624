"""What other feed parsers' own test suites expect of the entries of their test feeds.

The shared corpus (``../shared/corpus/feeds/``, one folder per peer project) holds, beside the
input feeds, the peers' expected outputs.  :func:`load_cases` turns them into :class:`Case`
objects: the input file and, per entry position (0-based, document order), only the fields
the peer *states* — a golden file that omits a field, or a feedparser ``Expect:`` that does
not mention it, says nothing.  Standard library only; independent of feedkit (the
comparison is ``tests/test_peer_suites.py``).

Suites and their pitfalls (a value the peer stores differently from what it means is
turned into what it means here, and only here):

gofeed (Go)
    ``X.json`` beside ``X.xml`` (JSON inputs: ``X_expected.json``): ``json.Marshal`` of the parsed
    struct with ``omitempty`` — an absent field is not stated; the item count always is.
    Three models by folder: ``parser/rss`` (raw ``author`` strings, ``guid.value``,
    ``pubDateParsed``, ``dcExt``), ``parser/atom`` (``links[]`` with ``rel``, ``authors[]``,
    ``categories[{term,label}]``), everything else the universal ``gofeed.Feed``;
    ``parser/json`` goldens are themselves JSON Feed documents.  Go's zero time means none.
feed-rs (Rust)
    ``X.serde.json`` beside the input.  feed-rs *invents* an id for an entry without one: an id
    that does not occur in the input is not stated.  For RSS it copies ``pubDate`` into
    ``updated``: only an ``updated`` different from ``published`` is stated.  RSS ``<author>``
    becomes ``{name: "author", email: <raw string>}``: stated as a raw author string.
rss-parser (JavaScript)
    ``output/X.json`` for ``input/X.rss|.atom``; ``isoDate`` is the normalized date, ``creator``
    and ``author`` raw strings.  ``output/encoding.json`` is ISO-8859-1, not UTF-8.
feedparser (Python)
    The ``Expect:`` expression in the leading comment of each input (JSON: ``"__TEST__"``),
    with optional ``Header:`` lines; its harness serves the files at
    ``http://127.0.0.1:8097/tests/…`` (:attr:`Case.url`).  The expression is parsed with
    :mod:`ast`; the top-level ``and`` conjuncts of the form ``entries[i]… == literal``,
    ``len(entries) == N`` and ``not entries[i].has_key('link')`` about a field feedkit
    publishes are kept (see :data:`_FP_FIELDS`), everything else (bozo, feed-level fields,
    sanitizer output, raw date strings) is not a statement about entries.  Its lists are
    stated item by item (``tags[1]`` alone): :attr:`Case.partial`.
"""

from __future__ import annotations

import ast
import codecs
import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypedDict

SUITES = ("gofeed", "feed-rs", "rss-parser", "feedparser")
"""The suites with expected outputs in the corpus.  node-feedparser, reader, FeedReader and
RSParser keep their expectations in test code that was not copied; ROME has two round-trip
outputs only."""

FIELDS = ("count", "title", "link", "id", "published", "updated", "authors", "author_raw", "categories",
          "enclosures")
"""What a case may state: ``count`` per case, the others per entry (:class:`Stated`)."""


class PeerAuthor(TypedDict):
    name: str | None
    email: str | None


class PeerEnclosure(TypedDict):
    url: str | None
    type: str | None
    length: int | None
    duration: float | None


Stated = dict[str, Any]
"""One entry's stated fields: ``title``/``link``/``id`` str (``link == ""``: the peer states that
there is *no* link); ``published``/``updated`` aware UTC datetimes; ``authors``
list[:class:`PeerAuthor`]; ``author_raw`` list of author strings the peer did not split;
``categories`` list of str; ``enclosures`` list[:class:`PeerEnclosure`]."""


@dataclass
class Case:
    suite: str
    path: str
    """The input's path relative to the corpus root (POSIX): the case's name."""
    input: Path
    expect_source: Path
    """The golden file (feedparser: the input itself)."""
    count: int | None = None
    """Expected number of entries, when the peer states it."""
    entries: dict[int, Stated] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    """HTTP headers the peer's harness serves the file with (feedparser ``Header:``)."""
    url: str | None = None
    """The URL the peer's harness serves the file at, when it matters (feedparser)."""
    partial: bool = False
    """Lists are stated item by item (feedparser): compare them as subsets."""


def load_cases(corpus: Path) -> list[Case]:
    """Every case of the four suites under ``corpus`` (``…/corpus/feeds``), in a fixed order."""
    loaders: dict[str, Callable[[Path], Iterator[Case]]] = {
        "gofeed": _gofeed_cases, "feed-rs": _feedrs_cases, "rss-parser": _rssparser_cases,
        "feedparser": _feedparser_cases,
    }
    return [case for suite in SUITES for case in loaders[suite](corpus)]


# --------------------------------------------------------------------------- value helpers


def _utc(value: Any) -> datetime | None:
    """RFC 3339 (``Z``, offsets, fractions of any length) -> aware UTC; naive or Go zero time -> None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    fraction = re.match(r"^(.*T\d\d:\d\d:\d\d)\.(\d+)(.*)$", text)
    if fraction:  # 1-9 fraction digits occur; fromisoformat wants 3 or 6 in some forms
        text = f"{fraction[1]}.{(fraction[2] + '000000')[:6]}{fraction[3]}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.year <= 1:
        return None
    return parsed.astimezone(UTC)


def _struct_utc(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` (a UTC 9-tuple) -> aware UTC."""
    try:
        year, month, day, hour, minute, second = (int(v) for v in tuple(value)[:6])
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _rfc822(value: str | None) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip()) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed is not None and parsed.tzinfo is not None else None


def _stated(value: Any) -> bool:
    return value not in (None, "", [], {})


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _duration(value: Any) -> float | None:
    """``3600``, ``59:59``, ``1:02:03`` -> seconds."""
    if not isinstance(value, str | int | float):
        return None
    total = 0.0
    try:
        for part in str(value).strip().split(":"):
            total = total * 60 + float(part)
    except ValueError:
        return None
    return total


def _enclosure(url: Any, type_: Any = None, length: Any = None, duration: Any = None) -> PeerEnclosure:
    return {"url": url if isinstance(url, str) else None,
            "type": type_ if isinstance(type_, str) and type_ else None,
            "length": _int(length),
            "duration": _duration(duration) if duration is not None else None}


def _read_json(path: Path) -> Any:
    raw = path.read_bytes()
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:  # rss-parser/output/encoding.json is ISO-8859-1
        return json.loads(raw.decode("latin-1"))


def _rel(path: Path, corpus: Path) -> str:
    return path.relative_to(corpus).as_posix()


# --------------------------------------------------------------------------- gofeed

_GOFEED_DIRS = ("parser/rss", "parser/atom", "parser/json", "translator/rss", "translator/atom", "translator/json",
                "extensions/dublincore", "extensions/itunes", "extensions/media")


def _gofeed_cases(corpus: Path) -> Iterator[Case]:
    for sub in _GOFEED_DIRS:
        model = {"parser/rss": "rss", "parser/atom": "atom", "parser/json": "json"}.get(sub, "universal")
        item_fields = {"rss": _gofeed_rss_item, "atom": _gofeed_atom_entry, "json": _jsonfeed_item,
                       "universal": _gofeed_universal_item}[model]
        for inp in sorted((corpus / "gofeed" / sub).glob("*")):
            if inp.suffix == ".xml":
                golden = inp.with_suffix(".json")
            elif inp.suffix == ".json" and not inp.stem.endswith("_expected"):
                golden = inp.with_name(inp.stem + "_expected.json")
            else:
                continue
            if not golden.exists():
                continue
            data = _read_json(golden)
            items = data.get("entries" if model == "atom" else "items") or []
            case = Case("gofeed", _rel(inp, corpus), inp, golden, count=len(items))
            for i, item in enumerate(items):
                if stated := item_fields(item):
                    case.entries[i] = stated
            yield case


def _gofeed_universal_item(item: dict[str, Any]) -> Stated:
    out: Stated = {}
    for key, name in (("title", "title"), ("link", "link"), ("guid", "id")):
        if _stated(item.get(key)):
            out[name] = item[key]
    if published := _utc(item.get("publishedParsed")):
        out["published"] = published
    if updated := _utc(item.get("updatedParsed")):
        out["updated"] = updated
    if authors := item.get("authors") or ([item["author"]] if item.get("author") else []):
        out["authors"] = [PeerAuthor(name=a.get("name"), email=a.get("email")) for a in authors]
    if item.get("categories"):
        out["categories"] = list(item["categories"])
    if item.get("enclosures"):
        out["enclosures"] = [_enclosure(e.get("url"), e.get("type"), e.get("length")) for e in item["enclosures"]]
    return out


def _gofeed_rss_item(item: dict[str, Any]) -> Stated:
    out: Stated = {}
    for key in ("title", "link"):
        if _stated(item.get(key)):
            out[key] = item[key]
    guid = item.get("guid")
    if isinstance(guid, dict) and _stated(guid.get("value")):
        out["id"] = guid["value"]
    if published := _utc(item.get("pubDateParsed")):
        out["published"] = published
    dc = item.get("dcExt") or {}
    raw = ([item["author"]] if _stated(item.get("author")) else []) + list(dc.get("creator") or [])
    if raw:
        out["author_raw"] = raw
    categories = [c["value"] for c in item.get("categories") or [] if isinstance(c, dict) and c.get("value")]
    if categories := categories + list(dc.get("subject") or []):
        out["categories"] = categories
    if enclosures := item.get("enclosures") or ([item["enclosure"]] if item.get("enclosure") else []):
        out["enclosures"] = [_enclosure(e.get("url"), e.get("type"), e.get("length")) for e in enclosures]
    return out


def _gofeed_atom_entry(item: dict[str, Any]) -> Stated:
    out: Stated = {}
    for key in ("title", "id"):
        if _stated(item.get(key)):
            out[key] = item[key]
    links = [link for link in item.get("links") or [] if link.get("href")]
    if alternate := [link["href"] for link in links if link.get("rel") in (None, "", "alternate")]:
        out["link"] = alternate[0]
    if published := _utc(item.get("publishedParsed")):
        out["published"] = published
    if updated := _utc(item.get("updatedParsed")):
        out["updated"] = updated
    if item.get("authors"):
        out["authors"] = [PeerAuthor(name=a.get("name"), email=a.get("email")) for a in item["authors"]]
    if categories := [c.get("label") or c.get("term") for c in item.get("categories") or []
                      if c.get("label") or c.get("term")]:
        out["categories"] = categories
    if enclosures := [link for link in links if link.get("rel") == "enclosure"]:
        out["enclosures"] = [_enclosure(e.get("href"), e.get("type"), e.get("length")) for e in enclosures]
    return out


def _jsonfeed_item(item: dict[str, Any]) -> Stated:
    """A JSON Feed item (gofeed's ``parser/json`` goldens are JSON Feed documents)."""
    out: Stated = {}
    for key, name in (("title", "title"), ("url", "link"), ("id", "id")):
        if _stated(item.get(key)):
            out[name] = str(item[key])
    if published := _utc(item.get("date_published")):
        out["published"] = published
    if updated := _utc(item.get("date_modified")):
        out["updated"] = updated
    if authors := item.get("authors") or ([item["author"]] if item.get("author") else []):
        out["authors"] = [PeerAuthor(name=a.get("name"), email=None) for a in authors if isinstance(a, dict)]
    if item.get("tags"):
        out["categories"] = list(item["tags"])
    if item.get("attachments"):
        out["enclosures"] = [_enclosure(a.get("url"), a.get("mime_type"), a.get("size_in_bytes"),
                                        a.get("duration_in_seconds")) for a in item["attachments"]]
    return out


# --------------------------------------------------------------------------- feed-rs


def _feedrs_cases(corpus: Path) -> Iterator[Case]:
    for golden in sorted((corpus / "feed-rs").glob("*/*.serde.json")):
        stem = golden.name.removesuffix(".serde.json")
        inp = next((p for p in (golden.with_name(stem + ".xml"), golden.with_name(stem + ".json")) if p.exists()),
                   None)
        if inp is None:
            continue
        data = _read_json(golden)
        raw_text = inp.read_bytes().decode("utf-8", errors="replace")
        entries = data.get("entries") or []
        case = Case("feed-rs", _rel(inp, corpus), inp, golden, count=len(entries))
        for i, entry in enumerate(entries):
            if stated := _feedrs_entry(entry, raw_text):
                case.entries[i] = stated
        yield case


def _feedrs_entry(entry: dict[str, Any], raw_text: str) -> Stated:
    out: Stated = {}
    if _stated(title := (entry.get("title") or {}).get("content")):
        out["title"] = title
    entry_id = entry.get("id")
    if isinstance(entry_id, str) and entry_id and _written(entry_id, raw_text):  # else invented by feed-rs
        out["id"] = entry_id
    links = [link for link in entry.get("links") or [] if link.get("href")]
    if alternate := [link["href"] for link in links if link.get("rel") in (None, "alternate")]:
        out["link"] = alternate[0]
    published, updated = _utc(entry.get("published")), _utc(entry.get("updated"))
    if published:
        out["published"] = published
    if updated and updated != published:  # RSS: feed-rs repeats pubDate as updated
        out["updated"] = updated
    people: list[PeerAuthor] = []
    raw: list[str] = []
    for author in entry.get("authors") or []:
        if author.get("name") == "author" and author.get("email"):  # RSS <author>, stored unsplit
            raw.append(author["email"])
        else:
            people.append(PeerAuthor(name=author.get("name"), email=author.get("email")))
    if people:
        out["authors"] = people
    if raw:
        out["author_raw"] = raw
    if categories := [c.get("label") or c.get("term") for c in entry.get("categories") or []
                      if c.get("label") or c.get("term")]:
        out["categories"] = categories
    enclosures: list[PeerEnclosure] = []
    for media in entry.get("media") or []:  # <enclosure> and media:content alike
        media_secs = (media.get("duration") or {}).get("secs")
        for content in media.get("content") or []:
            if content.get("url"):
                secs = (content.get("duration") or {}).get("secs") if content.get("duration") else media_secs
                enclosures.append(_enclosure(content["url"], content.get("content_type"), content.get("size"), secs))
    if enclosures:
        out["enclosures"] = enclosures
    return out


def _written(value: str, raw_text: str) -> bool:
    return value in raw_text or html.escape(value, quote=False) in raw_text or value in html.unescape(raw_text)


# --------------------------------------------------------------------------- rss-parser


def _rssparser_cases(corpus: Path) -> Iterator[Case]:
    root = corpus / "rss-parser"
    for golden in sorted((root / "output").glob("*.json")):
        inp = next((p for p in (root / "input" / (golden.stem + ".rss"), root / "input" / (golden.stem + ".atom"))
                    if p.exists()), None)
        if inp is None:
            continue
        data = _read_json(golden)
        items = data.get("feed", data).get("items") or []
        case = Case("rss-parser", _rel(inp, corpus), inp, golden, count=len(items))
        for i, item in enumerate(items):
            if stated := _rssparser_item(item):
                case.entries[i] = stated
        yield case


def _rssparser_item(item: dict[str, Any]) -> Stated:
    out: Stated = {}
    for key in ("title", "link"):
        if isinstance(item.get(key), str) and item[key]:
            out[key] = item[key]
    item_id = item.get("guid") if item.get("guid") is not None else item.get("id")
    if isinstance(item_id, str) and item_id:
        out["id"] = item_id
    if published := _utc(item.get("isoDate")):
        out["published"] = published
    if raw := [v for v in (item.get("creator"), item.get("author")) if isinstance(v, str) and v]:
        out["author_raw"] = list(dict.fromkeys(raw))
    categories = []
    for category in item.get("categories") or []:  # strings, or xml2js {"_": term, "$": {domain}}
        term = category if isinstance(category, str) else category.get("_") if isinstance(category, dict) else None
        if term:
            categories.append(term)
    if categories:
        out["categories"] = categories
    enclosure = item.get("enclosure")
    if isinstance(enclosure, dict) and enclosure.get("url"):
        out["enclosures"] = [_enclosure(enclosure["url"], enclosure.get("type"), enclosure.get("length"),
                                        (item.get("itunes") or {}).get("duration"))]
    return out


# --------------------------------------------------------------------------- feedparser

_EXPECT = re.compile(r"^\s*Expect:\s*(.+?)\s*$", re.M)
_HEADER = re.compile(r"^\s*Header:\s*([^:\n]+):\s*(.*?)\s*$", re.M)
_FEEDPARSER_BASE = "http://127.0.0.1:8097/tests/"
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_BOMLESS = ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00<\x00?", "utf-16-be"),
            (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00!", "utf-16-be"), (b"<\x00!\x00", "utf-16-le"))


def _decode_header(raw: bytes) -> str:
    """Enough decoding to read the leading comment: BOMs, BOM-less UTF-16/32, else UTF-8, else Latin-1."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(encoding, errors="replace")
    for head, encoding in _BOMLESS:
        if raw[:4] == head:
            return raw.decode(encoding, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _feedparser_cases(corpus: Path) -> Iterator[Case]:
    root = corpus / "feedparser"
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".xml", ".json") or not path.is_file():
            continue
        text = _decode_header(path.read_bytes())
        if path.suffix == ".json":
            try:
                text = str(json.loads(text).get("__TEST__", ""))
            except ValueError:
                continue
            text = text.replace(" Expect:", "\nExpect:").replace(" -->", "\n")
        match = _EXPECT.search(text)
        if not match:
            continue
        case = Case("feedparser", _rel(path, corpus), path, path, partial=True,
                    url=_FEEDPARSER_BASE + path.relative_to(root).as_posix(),
                    headers={k.strip(): v for k, v in _HEADER.findall(text[: match.end() + 2000])})
        if _map_expression(match[1].removesuffix("-->").strip(), case):
            yield case


_FP_FIELDS = {
    ("title",): "title", ("title_detail", "value"): "title",
    ("link",): "link",
    ("id",): "id", ("guid",): "id",
    ("published_parsed",): "published", ("created_parsed",): "published", ("issued_parsed",): "published",
    ("updated_parsed",): "updated", ("modified_parsed",): "updated",
    ("author",): "author_raw",
    ("author_detail", "name"): "authors.name", ("author_detail", "email"): "authors.email",
    ("category",): "tags.term",
    ("itunes_duration",): "enclosures.duration",
}
"""feedparser entry keys -> stated field (``x.y``: key ``y`` of list item ``k`` of field ``x``)."""


def _map_expression(expression: str, case: Case) -> bool:
    """The simple ``==`` conjuncts about entries -> stated fields; True if any was mapped."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return False
    conjuncts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    mapped = False
    for node in conjuncts:
        got = _conjunct(node)
        if got is None:
            continue
        kind, index, key, value = got
        if kind == "count":
            case.count = value
            mapped = True
        elif kind == "absent":
            if key == ("link",):
                case.entries.setdefault(index, {})["link"] = ""
                mapped = True
        else:
            mapped |= _store(case.entries.setdefault(index, {}), key, value)
    case.entries = {i: stated for i, stated in case.entries.items() if stated}
    return mapped


def _store(fields: Stated, key: tuple[Any, ...], value: Any) -> bool:
    name = _FP_FIELDS.get(key)
    position = 0
    if name is None and len(key) == 3 and key[0] in ("tags", "enclosures", "authors") and isinstance(key[1], int):
        name, position = f"{key[0]}.{key[2]}", key[1]
    if name is None:
        return False
    if name in ("published", "updated"):
        if (when := _struct_utc(value)) is None:
            return False
        fields[name] = when
    elif name in ("title", "link", "id"):
        if not isinstance(value, str):
            return False
        fields[name] = value
    elif name == "author_raw":
        fields.setdefault("author_raw", []).append(value)
    elif name in ("authors.name", "authors.email"):
        authors: list[PeerAuthor] = fields.setdefault("authors", [])
        while len(authors) <= position:
            authors.append(PeerAuthor(name=None, email=None))
        authors[position]["name" if name.endswith("name") else "email"] = value
    elif name in ("tags.term", "tags.label"):
        categories: list[str | None] = fields.setdefault("categories", [])
        while len(categories) <= position:
            categories.append(None)
        if categories[position] is None or name == "tags.label":  # the label is what feedkit would show
            categories[position] = value
    elif name in ("enclosures.href", "enclosures.url", "enclosures.type", "enclosures.length",
                  "enclosures.duration"):
        enclosures: list[PeerEnclosure] = fields.setdefault("enclosures", [])
        while len(enclosures) <= position:
            enclosures.append(_enclosure(None))
        part = name.split(".")[1]
        if part in ("href", "url"):
            enclosures[position]["url"] = value
        elif part == "type":
            enclosures[position]["type"] = value
        elif part == "length":
            enclosures[position]["length"] = _int(value)
        else:
            enclosures[position]["duration"] = _duration(value)
    else:
        return False
    return True


_NO = object()
"""Not a literal."""


def _conjunct(node: ast.AST) -> tuple[str, int, tuple[Any, ...], Any] | None:
    """-> (kind, entry index, key path, value): ``count``, ``absent`` or ``value``; None: not about entries."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Call):
        call = node.operand  # not entries[0].has_key('link')
        if isinstance(call.func, ast.Attribute) and call.func.attr == "has_key" and call.args:
            base = _path(call.func.value)
            if base and not base[1] and isinstance(call.args[0], ast.Constant):
                return ("absent", base[0], (call.args[0].value,), None)
        return None
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)):
        return None
    left, right = node.left, node.comparators[0]
    if (isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "len"
            and len(left.args) == 1 and isinstance(left.args[0], ast.Name) and left.args[0].id == "entries"):
        value = _literal(right)
        return ("count", 0, (), value) if isinstance(value, int) else None
    located = _path(left)
    value = _literal(right)
    if located is None or value is _NO:
        return None
    return ("value", located[0], tuple(located[1]), value)


def _literal(node: ast.AST) -> Any:
    """A literal, ``time.struct_time((…))`` or ``u'a' + 'b'``; else :data:`_NO`."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.Call) and node.args:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "struct_time":
            return _literal(node.args[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _literal(node.left), _literal(node.right)
        if isinstance(a, str) and isinstance(b, str):
            return a + b
    return _NO


def _path(node: ast.AST) -> tuple[int, list[Any]] | None:
    """``entries[i]['a'][0]['b']`` / ``entries[i].a`` / ``entries[i].get('a')`` -> (i, ['a', 0, 'b'])."""
    keys: list[Any] = []
    while True:
        if isinstance(node, ast.Subscript):
            if (key := _literal(node.slice)) is _NO:
                return None
            keys.append(key)
            node = node.value
        elif isinstance(node, ast.Attribute):
            keys.append(node.attr)
            node = node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and len(node.args) == 1):
            if (key := _literal(node.args[0])) is _NO:
                return None
            keys.append(key)
            node = node.func.value
        else:
            break
    if not (isinstance(node, ast.Name) and node.id == "entries") or not keys:
        return None
    keys.reverse()
    return (keys[0], keys[1:]) if isinstance(keys[0], int) else None
