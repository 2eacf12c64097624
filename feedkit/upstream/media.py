"""Enclosures and podcast fields as a feed wrote them -> checked :class:`~feedkit.model.Enclosure`
and :class:`~feedkit.model.Episode` values.

Nothing the feed says is trusted as it is: URLs go through the one link resolver
(:func:`feedkit.links.http_link`: absolute http(s) only, relative ones joined to the entry's
base); a MIME type must look like ``type/subtype`` (parameters dropped, lower-cased), else it
is guessed from the URL; lengths and durations must be whole, non-negative numbers within
:data:`~feedkit.limits.MAX_ENCLOSURE_BYTES` / :data:`~feedkit.limits.MAX_DURATION_SECONDS`
(a length of 0 means "unknown", as many feeds write it).  Each URL is kept once (the first
mention, completed by later ones); at most :data:`~feedkit.limits.MAX_ENCLOSURES` per entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from feedkit.limits import MAX_DURATION_SECONDS, MAX_ENCLOSURE_BYTES, MAX_ENCLOSURES
from feedkit.links import UNKNOWN_MEDIA_TYPE, http_link, media_type_of
from feedkit.model import Enclosure, Episode
from feedkit.upstream.items import RawEnclosure, RawEpisode

_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_CLOCK = re.compile(r"^(?:(\d{1,6}):)?(\d{1,6}):(\d{1,2})(?:\.\d+)?$")
_SECONDS = re.compile(r"^\d{1,12}(?:\.\d+)?$")
_EPISODE_TYPES = frozenset({"full", "trailer", "bonus"})
_MEDIUM_TYPES = {"image": "image/jpeg", "audio": "audio/mpeg", "video": "video/mp4"}


def enclosures(raws: Sequence[RawEnclosure], base: str | None) -> tuple[Enclosure, ...]:
    """The entry's enclosures, checked, each URL once, in the feed's order.

    A URL mentioned twice (an RSS ``<enclosure>`` and a ``media:content`` for the same file)
    is one enclosure: the first mention, with what it lacks taken from the later one.
    """
    kept: dict[str, tuple[Enclosure, bool]] = {}
    for raw in raws:
        url = http_link(raw.url, base)
        if url is None:
            continue
        given = _given_type(raw.mime_type)
        found = Enclosure(url, given or _guessed_type(url, raw.medium),
                          whole_number(raw.length, MAX_ENCLOSURE_BYTES), duration_seconds(raw.duration))
        if url not in kept:
            if len(kept) < MAX_ENCLOSURES:
                kept[url] = (found, bool(given))
            continue
        earlier, typed = kept[url]
        kept[url] = (replace(
            earlier,
            mime_type=earlier.mime_type if typed or not given else found.mime_type,
            length=earlier.length or found.length,
            duration=earlier.duration or found.duration,
        ), typed or bool(given))
    return tuple(enclosure for enclosure, _typed in kept.values())


def episode(raw: RawEpisode | None, base: str | None) -> Episode | None:
    """The podcast fields, checked; None when nothing usable is left."""
    if raw is None:
        return None
    kind = raw.episode_type.strip().lower() if isinstance(raw.episode_type, str) else ""
    found = Episode(
        duration=duration_seconds(raw.duration),
        explicit=_explicit(raw.explicit),
        episode=whole_number(raw.episode, 10**9),
        season=whole_number(raw.season, 10**9),
        episode_type=kind if kind in _EPISODE_TYPES else None,
        image=http_link(raw.image, base),
    )
    return None if found == Episode() else found


def whole_number(value: object, limit: int) -> int | None:
    """A positive whole number (``12``, ``"12"``, ``"12.0"``) up to ``limit``; anything else (0 included) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _SECONDS.match(text):
            return None
        value = float(text) if "." in text else int(text)
    if isinstance(value, float):
        if value != value or value != int(value):  # NaN, or not whole
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= limit:
        return None
    return value


def duration_seconds(value: object) -> int | None:
    """``3725``, ``"3725"``, ``"62:05"``, ``"1:02:05"`` (also with fractions of a second) -> seconds."""
    if isinstance(value, str):
        match = _CLOCK.match(value.strip())
        if match:
            hours, minutes, seconds = (int(part or 0) for part in match.groups())
            if seconds >= 60 or (hours and minutes >= 60):
                return None
            value = hours * 3600 + minutes * 60 + seconds
        elif _SECONDS.match(value.strip()):
            value = round(float(value))
        else:
            return None
    elif isinstance(value, float) and value == value and value >= 0:
        value = round(value)
    return whole_number(value, MAX_DURATION_SECONDS)


def _given_type(text: str) -> str:
    """The feed's MIME type without parameters, lower-cased, or ``""`` when it is not ``type/subtype``."""
    text = text.split(";", 1)[0].strip().lower()
    return text if _MIME.match(text) else ""


def _guessed_type(url: str, medium: str) -> str:
    guessed = media_type_of(url)
    if guessed == UNKNOWN_MEDIA_TYPE and medium in _MEDIUM_TYPES:
        return _MEDIUM_TYPES[medium]
    return guessed


def _explicit(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("yes", "true", "explicit"):
            return True
        if text in ("no", "false", "clean"):
            return False
    return None
