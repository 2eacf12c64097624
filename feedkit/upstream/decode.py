"""The bytes of a feed document -> text: which encoding, and what was assumed.

Order (the first encoding the body decodes with, strictly, wins):

1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE), or the UTF-16/32 byte pattern
   of a document starting with ``<`` or ``{`` without one (XML 1.0 appendix F) - final;
2. the charset of the HTTP ``Content-Type``, then the ``encoding`` of the XML declaration,
   unless it is a Latin-1 family one (ISO-8859-1, US-ASCII, windows-1252);
3. UTF-8 (so a valid UTF-8 body beats a declared Latin-1: servers default to that label);
4. a declared Latin-1 family encoding (read as windows-1252, as browsers do);
5. UTF-8 with a few bad bytes replaced, when at most :data:`MAX_BAD_UTF8` sequences are
   broken, at least four times as many non-ASCII characters are good UTF-8, and UTF-8 was
   declared or nothing was (a note says so);
6. the encoding charset-normalizer detects, windows-1252 when it is among the cleanest
   guesses (a note says so);
7. windows-1252 with undecodable bytes replaced (a note says so).

GB2312 and GBK are read as GB18030 (their superset: feeds labelled GB2312 routinely hold
GBK characters), Big5 as Big5-HKSCS.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass

from charset_normalizer import from_bytes

MAX_BAD_UTF8 = 8
"""Broken UTF-8 sequences tolerated (replaced by U+FFFD) in a body meant to be UTF-8."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "latin_1": "cp1252", "ascii": "cp1252"}
_LATIN = ("cp1252",)
_WIDE = ("utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")
_CHARSET = re.compile(r"""(?i)charset\s*=\s*["']?([A-Za-z0-9._:\-]+)""")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    """Python codec name actually used."""
    notes: tuple[str, ...] = ()
    """What was assumed (for WARNING problems)."""


def decode(body: bytes, headers: Mapping[str, str]) -> Decoded:
    """Decode a feed body following the order in the module docstring."""
    wide = _wide_encoding(body)
    if wide is not None:
        text = body.decode(wide, errors="replace")
        return Decoded(text.removeprefix("\ufeff"), wide)
    declared = [name for name in (_http_charset(headers), _xml_encoding(body)) if name]
    strong = [name for name in declared if name not in _LATIN]
    weak = [name for name in declared if name in _LATIN]
    for name in [*strong, "utf_8", *weak]:
        strict = _strict(body, name)
        if strict is not None:
            return Decoded(strict, name)
    if not strong or "utf_8" in strong:
        text = body.decode("utf-8", errors="replace")
        if _mostly_utf8(text, body):
            return Decoded(text, "utf_8", ("some bytes are not UTF-8: replaced by U+FFFD",))
    said = f"declared {', '.join(declared)} does not fit; " if declared else "no encoding declared; "
    detected = _detect(body)
    if detected is not None:
        return Decoded(body.decode(detected, errors="replace"), detected, (f"{said}decoded as {detected} (detected)",))
    return Decoded(body.decode("cp1252", errors="replace"), "cp1252", (f"{said}decoded as windows-1252",))


def _detect(body: bytes) -> str | None:
    """charset-normalizer's guess; among equally clean guesses windows-1252 wins (it reads
    Latin text that a Baltic or Central European code page would garble in a few letters)."""
    matches = list(from_bytes(body))
    if not matches:
        return None
    least_chaos = min(m.chaos for m in matches)
    cleanest = [m for m in matches if m.chaos <= least_chaos]
    if any("cp1252" in (m.encoding, *m.could_be_from_charset) for m in cleanest):
        return "cp1252"
    return _codec(cleanest[0].encoding) or cleanest[0].encoding


def _wide_encoding(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    head = body[:4]
    if len(head) < 4:
        return None
    if head[:3] == b"\x00\x00\x00" and head[3]:
        return "utf-32-be"
    if head[0] and head[1:] == b"\x00\x00\x00":
        return "utf-32-le"
    if head[0] == 0 and head[1] and head[2] == 0 and head[3]:
        return "utf-16-be"
    if head[0] and head[1] == 0 and head[2] and head[3] == 0:
        return "utf-16-le"
    return None


def _codec(label: str) -> str | None:
    """A Python codec name for an encoding label, widened to its superset; None if unknown."""
    try:
        name = codecs.lookup(label.strip()).name.replace("-", "_")
    except LookupError:
        return None
    name = {"iso8859_1": "latin_1", "us_ascii": "ascii"}.get(name, name)
    name = _SUPERSETS.get(name, name)
    return None if name in _WIDE else name


def _http_charset(headers: Mapping[str, str]) -> str | None:
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
    match = _CHARSET.search(content_type)
    return _codec(match.group(1)) if match else None


def _xml_encoding(body: bytes) -> str | None:
    match = _XML_ENCODING.match(body[:1024])
    return _codec(match.group(1).decode("ascii")) if match else None


def _strict(body: bytes, name: str) -> str | None:
    try:
        return body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(text: str, body: bytes) -> bool:
    """At most :data:`MAX_BAD_UTF8` broken sequences, and at least four good non-ASCII
    characters for each (so a short Latin-1 text is not taken for damaged UTF-8)."""
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    good = sum(1 for char in text if char > "\x7f") - text.count("\ufffd")
    return bad <= MAX_BAD_UTF8 and good >= 4 * bad
