"""Front-matter dates -> aware UTC datetimes, and dates hidden in article paths.

:func:`parse_date` accepts what YAML/TOML/JSON loaders hand over for a ``date`` key:

* an aware ``datetime`` (converted to UTC);
* a naive ``datetime`` (its wall time is read in the source's timezone ``tz``);
* a ``date`` (midnight in ``tz``);
* a string in one of these spellings (whitespace around it is ignored, and so is one
  trailing RFC 5322 comment in parentheses, as in ``2016-07-19 (optional)``):

  ============================================  ==============================================
  RFC 822/1123                                  ``Tue, 07 Jun 2022 07:07:31 GMT``, ``7 Jun 22 07:07 +0800``
  ISO 8601 / RFC 3339 (``T`` or blanks)         ``2022-06-07T15:07:31.87733812+08:00``, ``...Z``
  the same with ``/`` and unpadded numbers      ``2016/6/29 15:07:41``, ``2018-7-24 23:31:06``
  an offset or zone after the time              ``2019-07-02 11:21:02 -0400``, ``2016-03-22 14:00 EDT``
  Chinese                                       ``2015年04月08日 10:05``, ``2015年04月08日10:05``, ``2015年4月8日``
  English month name                            ``June 16, 2021``, ``Jun 16 2021 10:00``
  date only                                     ``2022-06-07`` (midnight in ``tz``)
  ============================================  ==============================================

  Seconds are optional everywhere; fractions of a second may have any number of digits
  (they are truncated to microseconds).  Offsets are ``+0800``, ``+08:00`` or ``+08``.

Named zones: ``GMT``, ``UT``, ``UTC`` and ``Z`` are UTC; the US zones of RFC 822 (``EST``,
``EDT``, ``CST``, ``CDT``, ``MST``, ``MDT``, ``PST``, ``PDT``) have their RFC 822 offsets —
except that an abbreviation the source's own timezone uses at that wall time means that
timezone.  So ``CST`` is US Central (-06:00) for most sources but China Standard Time
(+08:00) for a source whose timezone is ``Asia/Shanghai``, and ``JST`` is accepted for an
``Asia/Tokyo`` source.  Any other abbreviation is an error, never a guess.

Not accepted (``ValueError``): strings longer than :data:`~feedkit.limits.MAX_DATE_LENGTH`,
numbers (a YAML ``date: 2022`` is a year, not a Unix time, so numbers are never read as
epochs), booleans, times without a date, and any string
that matches none of the spellings above.  Unlike feedparser's date parser nothing is
filled in from "today".

Wall times that do not exist (DST gap) or exist twice (DST overlap) in ``tz`` are resolved
with ``fold=0``: the offset in force before the transition is used.
"""

from __future__ import annotations

import re
import reprlib
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from feedkit.limits import MAX_DATE_LENGTH

EXPECTED = "expected e.g. 2022-06-07 15:07:31 or Tue, 07 Jun 2022 07:07:31 GMT"
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 80
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict = 2, 4, 4

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_NAMED_ZONES = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}

_MONTH = r"(?P<month_name>[A-Za-z]{3,9})\.?"
_TIME = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
_ZONE = r"(?P<zone>[+-]\d{2}(?::?\d{2})?|[A-Za-z]{1,5})"
_WEEKDAY = r"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?\s*)?"

_ISO = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    rf"(?:(?:[Tt]|\s+){_TIME}(?:\s*{_ZONE})?)?"
)
_RFC822 = re.compile(
    rf"{_WEEKDAY}(?P<day>\d{{1,2}})[\s-]+{_MONTH}[\s-]+(?P<year>\d{{2}}|\d{{4}})(?:\s+{_TIME}(?:\s*{_ZONE})?)?"
)
_MONTH_FIRST = re.compile(
    rf"{_WEEKDAY}{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})(?:,?\s+{_TIME}(?:\s*{_ZONE})?)?"
)
_CJK = re.compile(
    r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    r"(?:\s*(?P<hour>\d{1,2})\s*[:：时]\s*(?P<minute>\d{2})(?:\s*[:：分]\s*(?P<second>\d{2})\s*秒?)?\s*分?)?"
)
_PATTERNS = (_ISO, _RFC822, _MONTH_FIRST, _CJK)
_TRAILING_COMMENT = re.compile(r"\s*\([^()]*\)\s*$")

_PATH_DATE_SEGMENT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[-_.]|$)")
_PATH_DATE_FOLDERS = re.compile(r"(?:^|/)(\d{4})/(\d{1,2})/(\d{1,2})/")


def parse_date(value: object, zone: ZoneInfo, *, key: str = "date") -> datetime:
    """Front-matter date value -> aware UTC datetime.

    ``zone`` (the source's timezone, resolved once at the config edge:
    :meth:`~feedkit.config.types.ArticleSourceConfig.zone`) is given to naive values.
    Raises ``ValueError`` with a message naming ``key`` and the value when the value is not
    a date; see the module docstring for what is accepted.
    """
    if isinstance(value, datetime):
        return _to_utc(value, zone, key)
    if isinstance(value, date):
        return _to_utc(datetime(value.year, value.month, value.day), zone, key)
    if isinstance(value, str):
        if len(value) > MAX_DATE_LENGTH:
            raise ValueError(f"{key}: {_SHOWN.repr(value)} is longer than {MAX_DATE_LENGTH} characters: not a date")
        return _to_utc(_parse_string(value, zone, key), zone, key)
    # bounded: a YAML alias bomb is a list of hundreds of millions of strings
    raise ValueError(f"{key}: expected a date, got {type(value).__name__} {_SHOWN.repr(value)} ({EXPECTED})")


def date_from_path(rel_path: str) -> date | None:
    """The date a path carries, or None.

    Looks (from the file name up through its folders) for a Jekyll-style prefix
    ``2022-06-07-title.md`` (also unpadded ``2022-6-7-x.md``, or a folder
    ``2020-01-01-foo/index.md``), then for date folders ``2020/01/01/x.md`` (Zola's
    ``path = "2024/02/08/Rust-1.76.0"``).  Impossible dates (``2022-13-01``) give None.
    """
    posix = rel_path.replace("\\", "/")
    for segment in reversed(posix.split("/")):
        match = _PATH_DATE_SEGMENT.match(segment)
        if match:
            return _valid_date(*match.groups())
    match = _PATH_DATE_FOLDERS.search(posix)
    if match:
        return _valid_date(*match.groups())
    return None


def _valid_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _to_utc(value: datetime, zone: ZoneInfo, key: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone, fold=0)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{key}: {value.isoformat()} is out of range") from None


def _parse_string(text: str, zone: ZoneInfo, key: str) -> datetime:
    cleaned = _TRAILING_COMMENT.sub("", text.strip())
    for pattern in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match:
            return _build(match.groupdict(), zone, key, text)
    raise ValueError(f"{key}: cannot parse {text!r} ({EXPECTED})")


def _build(parts: dict[str, str | None], zone: ZoneInfo, key: str, text: str) -> datetime:
    try:
        month = _month(parts)
        year = _year(parts["year"] or "")
        fraction = (parts.get("fraction") or "")[:6].ljust(6, "0")
        wall = datetime(
            year,
            month,
            int(parts["day"] or ""),
            int(parts.get("hour") or 0),
            int(parts.get("minute") or 0),
            int(parts.get("second") or 0),
            int(fraction),
        )
    except ValueError as exc:
        raise ValueError(f"{key}: cannot parse {text!r}: {exc} ({EXPECTED})") from None
    zone_text = parts.get("zone")
    if zone_text is None:
        return wall
    return wall.replace(tzinfo=_offset(zone_text, wall, zone, key, text))


def _month(parts: dict[str, str | None]) -> int:
    name = parts.get("month_name")
    if name is None:
        return int(parts["month"] or "")
    number = _MONTHS.get(name.lower())
    if number is None:
        raise ValueError(f"unknown month name {name!r}")
    return number


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # RFC 2822 section 4.3
        year += 2000 if year < 50 else 1900
    return year


def _offset(text: str, wall: datetime, zone: ZoneInfo, key: str, original: str) -> tzinfo:
    if text[0] in "+-":
        digits = text[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"{key}: cannot parse {original!r}: offset {text} is out of range ({EXPECTED})")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if text[0] == "-" else delta)
    name = text.upper()
    if zone.tzname(wall.replace(tzinfo=zone, fold=0)) == name and name not in ("UTC", "GMT", "UT", "Z"):
        return zone
    if name in _NAMED_ZONES:
        return timezone(timedelta(hours=_NAMED_ZONES[name]))
    raise ValueError(
        f"{key}: cannot parse {original!r}: unknown time zone {text!r} "
        f"(use an offset such as +0800, or GMT/UTC; {EXPECTED})"
    )


_SPELLINGS = {_ISO: "ISO 8601 / RFC 3339", _RFC822: "RFC 822/1123", _MONTH_FIRST: "English month name",
              _CJK: "Chinese 年月日"}


def describe_date(value: object, zone: ZoneInfo) -> str:
    """Which rule :func:`parse_date` applies to ``value``, and whether ``zone`` was needed
    (``feedkit explain``): ``RFC 822/1123 with its own zone 'GMT' (the timezone Asia/Shanghai is not needed)``."""
    name = getattr(zone, "key", str(zone))
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return f"a date-time the front matter's loader read with its own offset {value.strftime('%z')} " \
                   f"(the timezone {name} is not needed)"
        return f"a date-time without a zone (as the loader read it): read as wall time in {name}"
    if isinstance(value, date):
        return f"a date without a time: midnight in {name}"
    if not isinstance(value, str):
        return "not a date"
    cleaned = _TRAILING_COMMENT.sub("", value.strip())
    for pattern in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match is None:
            continue
        spelling = _SPELLINGS[pattern]
        if pattern is _ISO and match.group("sep") == "/":
            spelling += " with '/'"
        zone_text = match.groupdict().get("zone")
        if match.groupdict().get("hour") is None:
            return f"{spelling}, a date without a time: midnight in {name}"
        if zone_text is None:
            return f"{spelling} without a zone: read as wall time in {name}"
        if zone_text[0] not in "+-" and zone_text.upper() not in ("UTC", "GMT", "UT", "Z"):
            return f"{spelling} with the zone name {zone_text!r} (read against {name}: an abbreviation {name} " \
                   "uses at that time means it, else RFC 822's US zones)"
        return f"{spelling} with its own zone {zone_text!r} (the timezone {name} is not needed)"
    return "no known spelling"
