"""URLs: percent-encoding, the one http(s)-link resolver, output file URLs, image media types.

Every stage that turns a value an input gave into a link uses :func:`http_link`, so "what
counts as a usable link" is decided in one place: only absolute ``http(s)`` URLs with a
sound host come out, percent-encoded (IRI -> URI); ``//host/x`` is taken as https.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath
from urllib.parse import quote, urljoin, urlsplit

_SAFE_PATH = "/-._~!$&'()*+,;=:@%"
WEB_SCHEMES = ("http", "https")

_MIME_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}


@lru_cache(maxsize=16384)
def encode_url(url: str) -> str:
    """Percent-encode the characters of a URL that are not allowed in a URI (IRI -> URI)."""
    parts = urlsplit(url)
    try:
        host = parts.hostname.encode("idna").decode("ascii") if parts.hostname else ""
    except UnicodeError:
        host = parts.hostname or ""
    netloc = parts.netloc
    if parts.hostname and host != parts.hostname:
        netloc = netloc.replace(parts.hostname, host)
    path = quote(parts.path, safe=_SAFE_PATH)
    query = quote(parts.query, safe=_SAFE_PATH + "?")
    fragment = quote(parts.fragment, safe=_SAFE_PATH + "?")
    out = f"{parts.scheme}://{netloc}{path}" if parts.scheme else path
    if parts.query:
        out += "?" + query
    if parts.fragment:
        out += "#" + fragment
    return out


_BAD_HOST_CHARACTER = re.compile(r"[\x00-\x20\x7f<>\\^`{|}\"\ufffe\uffff\ud800-\udfff]")


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host that has no blank, control or delimiter character in it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and not _BAD_HOST_CHARACTER.search(
        parts.netloc)


def is_http_url(url: str | None) -> bool:
    """``url`` has an http or https scheme (nothing else is checked)."""
    return bool(url) and urlsplit(url or "").scheme.lower() in WEB_SCHEMES


def join_http(base: str | None, value: str) -> str | None:
    """``value`` resolved against ``base`` (RFC 3986) when the result is http(s), else None; not encoded."""
    try:
        joined = _join(base, value) if base else value
    except ValueError:
        return None
    return joined if is_http_url(joined) else None


def http_link(value: str | None, base: str | None, *, under_base: bool = False) -> str | None:
    """The absolute, percent-encoded http(s) URL that ``value`` names, or None.

    Relative values are resolved against ``base``.  With ``under_base`` (front-matter links
    of a site), a path that starts with ``/`` stays under the base URL's folder, as site
    generators publish it; otherwise joining follows RFC 3986 (upstream feeds).  A value in
    any other scheme (``javascript:``, ``file:``, ``ftp:``) is never a link.
    """
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith("//"):
        value = "https:" + value
    try:
        scheme = urlsplit(value).scheme.lower()
        if scheme and scheme not in WEB_SCHEMES:
            return None
        if under_base and not scheme:
            value = value.lstrip("/")
        joined = _join(base, value) if base else value
    except ValueError:  # such as an unclosed IPv6 bracket
        return None
    if not is_web_url(joined):
        return None
    return encode_url(joined)


_SEMICOLON = "\ue000"
"""Stands in for ``;`` while joining: :func:`urljoin` drops an empty ``;params`` part (``/0/;`` -> ``/0/``)."""


def _join(base: str, value: str) -> str:
    if ";" not in value or _SEMICOLON in value or _SEMICOLON in base:
        return urljoin(base, value)
    return urljoin(base, value.replace(";", _SEMICOLON)).replace(_SEMICOLON, ";")


def file_url(base_url: str, rel_path: str) -> str:
    """The absolute, percent-encoded URL of an output file (``base_url`` + relative path)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return encode_url(base + rel_path.lstrip("/"))


def image_mime_type(url: str) -> str:
    """MIME type of an image URL from its extension; ``image/jpeg`` when unknown."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return _MIME_TYPES.get(suffix, "image/jpeg")


_MEDIA_TYPES = {
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg", ".oga": "audio/ogg",
    ".opus": "audio/ogg", ".wav": "audio/wav", ".flac": "audio/flac",
    ".mp4": "video/mp4", ".m4v": "video/x-m4v", ".mov": "video/quicktime", ".webm": "video/webm",
    ".mkv": "video/x-matroska", ".pdf": "application/pdf", ".epub": "application/epub+zip",
    ".torrent": "application/x-bittorrent", ".zip": "application/zip",
}
UNKNOWN_MEDIA_TYPE = "application/octet-stream"


def media_type_of(url: str) -> str:
    """MIME type of a file URL from its extension (images, audio, video, documents), else
    ``application/octet-stream``."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return _MIME_TYPES.get(suffix) or _MEDIA_TYPES.get(suffix, UNKNOWN_MEDIA_TYPE)
