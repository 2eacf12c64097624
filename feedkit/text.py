"""Plain-text helpers shared by every stage: XML-safe strings and CJK-aware excerpts."""

from __future__ import annotations

import re
import unicodedata

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def strip_illegal_xml_chars(text: str) -> str:
    """Remove characters not allowed in XML 1.0: C0 controls except tab, LF and CR,
    U+FFFE, U+FFFF and lone surrogates."""
    return _ILLEGAL_XML.sub("", text)


_CLOSERS = "”’\"'）)」』】"
_SENTENCE_END = re.compile(rf"(?:[。！？!?；;]|\.(?=[{_CLOSERS}]*(?:\s|$)))[{_CLOSERS}]*")
_INDENT = re.compile(r"(^|\n)[ \t\r\f\v\xa0]*\u3000+|\u3000{2,}")
_ELLIPSIS = "…"


def _fold_text(text: str) -> str:
    def drop_indent(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        return "" if match.start() == 0 or _is_wide(text[match.start() - 1]) else " "

    return re.sub(r"\s+", " ", _INDENT.sub(drop_indent, text)).strip()


def _is_break(text: str, index: int) -> bool:
    """May ``text`` be cut before ``text[index]`` without splitting a Latin word?"""
    before, after = text[index - 1], text[index]
    return before.isspace() or after.isspace() or _is_wide(before) or _is_wide(after)


def _is_wide(char: str) -> bool:
    """Han, Kana, Hangul, CJK punctuation, full-width forms (East Asian Width W or F)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def character_limit(text: str, length: int) -> int:
    """``length`` for CJK text, ``2 * length`` for other text.

    Text counts as CJK when at least a third of the visible characters near its start are
    wide; digits and Latin words inside Chinese text do not make it Latin.
    """
    sample = [char for char in text[: 2 * length] if not char.isspace()]
    wide = sum(1 for char in sample if _is_wide(char))
    return length if sample and wide * 3 >= len(sample) else 2 * length


def excerpt(text: str, length: int = 140) -> str:
    """A plain-text excerpt of at most :func:`character_limit` characters.

    That is ``length`` characters for CJK text (default 140) and twice as many for
    other text, where words are shorter in meaning per character.  Whitespace is folded
    and full-width indentation (``　　``) removed; text that then fits is returned whole.
    Otherwise the excerpt ends at a sentence end (``。！？!?；;``, or ``.`` before a space)
    lying in the last 40% of the window, without ellipsis; failing that it is cut at a word
    boundary (Latin) or at the limit (CJK) and ends with "…", which counts towards the limit.
    """
    head = text[: 8 * length + 256]
    while len(head) < len(text) and len(_fold_text(head)) <= 4 * length + 4:
        head = text[: 2 * len(head)]
    folded = _fold_text(head)
    limit = character_limit(folded, length)
    if len(folded) <= limit:
        return folded
    window = folded[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(folded, 0, limit + 1) if m.end() <= limit]
    if ends and ends[-1] >= 0.6 * limit:
        return window[: ends[-1]].rstrip()
    if limit < 1:
        return ""
    cut = limit - 1
    boundary = next((i for i in range(cut, 0, -1) if _is_break(folded, i)), cut)
    return folded[:boundary].rstrip(" ,;:、，：；-–—") + _ELLIPSIS
