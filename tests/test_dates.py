from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from feedkit.config.types import resolve_timezone
from feedkit.dates import date_from_path, parse_date
from feedkit.errors import ConfigError


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# --- the 8-hour shift -------------------------------------------------------------------


def test_naive_wall_time_in_shanghai_equals_rfc822_gmt() -> None:
    local = parse_date("2022-06-07 15:07:31", ZoneInfo("Asia/Shanghai"))
    rfc = parse_date("Tue, 07 Jun 2022 07:07:31 GMT", ZoneInfo("Asia/Shanghai"))
    assert local == rfc == utc(2022, 6, 7, 7, 7, 31)
    assert local.tzinfo is UTC


def test_naive_wall_time_in_utc_source_is_not_shifted() -> None:
    assert parse_date("2022-06-07 15:07:31", ZoneInfo("UTC")) == utc(2022, 6, 7, 15, 7, 31)


# --- values the loaders hand over -------------------------------------------------------


def test_aware_datetime_is_converted_to_utc() -> None:
    value = datetime(2022, 6, 7, 15, 7, 31, tzinfo=timezone(timedelta(hours=8)))
    assert parse_date(value, ZoneInfo("America/New_York")) == utc(2022, 6, 7, 7, 7, 31)


def test_naive_datetime_takes_the_source_timezone() -> None:
    assert parse_date(datetime(2022, 6, 7, 15, 7, 31), ZoneInfo("Asia/Shanghai")) == utc(2022, 6, 7, 7, 7, 31)


def test_date_is_midnight_in_the_source_timezone() -> None:
    assert parse_date(date(2022, 6, 7), ZoneInfo("Asia/Shanghai")) == utc(2022, 6, 6, 16)


@pytest.mark.parametrize("value", [1654585651, 1654585651.5, True, None, ["2022-06-07"], {"a": 1}])
def test_numbers_and_other_types_are_not_dates(value: object) -> None:
    with pytest.raises(ValueError, match=r"^published: expected a date, got"):
        parse_date(value, ZoneInfo("UTC"), key="published")


# --- string spellings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RFC 822 / 1123
        ("Tue, 07 Jun 2022 07:07:31 GMT", utc(2022, 6, 7, 7, 7, 31)),
        ("Tue, 07 Jun 2022 15:07:31 +0800", utc(2022, 6, 7, 7, 7, 31)),
        ("07 Jun 2022 07:07:31 UT", utc(2022, 6, 7, 7, 7, 31)),
        ("Tuesday, 7 June 2022 07:07 Z", utc(2022, 6, 7, 7, 7)),
        ("Tue, 07 Jun 22 07:07:31 GMT", utc(2022, 6, 7, 7, 7, 31)),
        ("Sat, 01 Jan 99 00:00:00 GMT", utc(1999, 1, 1)),
        ("Tue, 07 Jun 2022 03:07:31 EDT", utc(2022, 6, 7, 7, 7, 31)),
        ("Tue, 07 Jun 2022 00:07:31 PDT", utc(2022, 6, 7, 7, 7, 31)),
        ("Mon, 06 Jun 2022 23:07:31 PST", utc(2022, 6, 7, 7, 7, 31)),
        ("Mon, 19 Jan 1970 12:17:23 GMT", utc(1970, 1, 19, 12, 17, 23)),
        ("Tue, 07 Jun 2022 07:07:31 +0000 (UTC)", utc(2022, 6, 7, 7, 7, 31)),
        # ISO 8601 / RFC 3339
        ("2022-06-07T07:07:31Z", utc(2022, 6, 7, 7, 7, 31)),
        ("2022-06-07T15:07:31+08:00", utc(2022, 6, 7, 7, 7, 31)),
        ("2022-06-07T15:07:31+0800", utc(2022, 6, 7, 7, 7, 31)),
        ("2022-06-07T15:07:31+08", utc(2022, 6, 7, 7, 7, 31)),
        ("2022-06-07 03:07:31 -04:00", utc(2022, 6, 7, 7, 7, 31)),
        ("2019-07-02 11:21:02 -0400", utc(2019, 7, 2, 15, 21, 2)),
        ("2020-07-07T00:00:00.000Z", utc(2020, 7, 7)),
        ("2026-01-08T11:42:04.877481Z", utc(2026, 1, 8, 11, 42, 4, 877481)),
        ("2020-09-18T09:42:40.8774089Z", utc(2020, 9, 18, 9, 42, 40, 877408)),
        ("2025-12-11T04:36:33.87733812+00:00", utc(2025, 12, 11, 4, 36, 33, 877338)),
        ("2022-06-07t07:07:31z", utc(2022, 6, 7, 7, 7, 31)),
        # zone-less: the source's timezone (UTC here)
        ("2022-06-07 15:07:31", utc(2022, 6, 7, 15, 7, 31)),
        ("2022-06-07 15:07", utc(2022, 6, 7, 15, 7)),
        ("2016-03-03 3:00", utc(2016, 3, 3, 3)),
        ("2018-7-24 23:31:06", utc(2018, 7, 24, 23, 31, 6)),
        ("2016/6/29 15:07:41", utc(2016, 6, 29, 15, 7, 41)),
        ("2013/7/13 20:46", utc(2013, 7, 13, 20, 46)),
        ("2022-06-07", utc(2022, 6, 7)),
        ("2017-11-8", utc(2017, 11, 8)),
        ("  2022-06-07  ", utc(2022, 6, 7)),
        ("2016-07-19 (optional)", utc(2016, 7, 19)),
        # Chinese
        ("2015年04月08日 10:05", utc(2015, 4, 8, 10, 5)),
        ("2015年04月08日10:05", utc(2015, 4, 8, 10, 5)),
        ("2015年04月08日 10:05:09", utc(2015, 4, 8, 10, 5, 9)),
        ("2015年4月8日", utc(2015, 4, 8)),
        # English month names
        ("June 16, 2021", utc(2021, 6, 16)),
        ("Sept 9 2020", utc(2020, 9, 9)),
        ("May 3, 2021 10:30", utc(2021, 5, 3, 10, 30)),
        ("16 June 2021", utc(2021, 6, 16)),
    ],
)
def test_string_spellings(text: str, expected: datetime) -> None:
    assert parse_date(text, ZoneInfo("UTC")) == expected


def test_fractions_are_truncated_not_rounded() -> None:
    assert parse_date("2022-06-07T00:00:00.9999999Z", ZoneInfo("UTC")).microsecond == 999999


def test_date_only_string_is_midnight_in_the_source_timezone() -> None:
    assert parse_date("2022-06-07", ZoneInfo("Asia/Shanghai")) == utc(2022, 6, 6, 16)


def test_chinese_spelling_takes_the_source_timezone() -> None:
    assert parse_date("2015年04月08日 10:05", ZoneInfo("Asia/Shanghai")) == utc(2015, 4, 8, 2, 5)


def test_slash_spelling_is_read_exactly_unlike_feedparser() -> None:
    # feedparser 6 takes the month of this from today; we must not.
    assert parse_date("2016/6/29 15:07:41", ZoneInfo("Asia/Shanghai")) == utc(2016, 6, 29, 7, 7, 41)


# --- named zones: CST ---------------------------------------------------------------------


def test_cst_is_us_central_by_default() -> None:
    assert parse_date("Tue, 07 Jun 2022 01:07:31 CST", ZoneInfo("UTC")) == utc(2022, 6, 7, 7, 7, 31)


def test_cst_is_china_standard_time_for_a_shanghai_source() -> None:
    assert parse_date("Tue, 07 Jun 2022 15:07:31 CST", ZoneInfo("Asia/Shanghai")) == utc(2022, 6, 7, 7, 7, 31)


def test_abbreviation_of_the_source_timezone_is_accepted() -> None:
    assert parse_date("2022-06-07 16:07:31 JST", ZoneInfo("Asia/Tokyo")) == utc(2022, 6, 7, 7, 7, 31)


def test_other_abbreviations_are_errors_not_guesses() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'JST'"):
        parse_date("2022-06-07 16:07:31 JST", ZoneInfo("UTC"))


# --- DST -----------------------------------------------------------------------------------


def test_wall_time_in_a_dst_gap_uses_the_offset_before_the_gap() -> None:
    # 02:30 does not exist in New York on 2022-03-13; fold=0 reads it with EST (-05:00).
    assert parse_date("2022-03-13 02:30", ZoneInfo("America/New_York")) == utc(2022, 3, 13, 7, 30)


def test_ambiguous_wall_time_is_the_first_occurrence() -> None:
    # 01:30 happens twice in New York on 2022-11-06; fold=0 is the first (EDT, -04:00).
    assert parse_date("2022-11-06 01:30", ZoneInfo("America/New_York")) == utc(2022, 11, 6, 5, 30)


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "xyz",
        "",
        "{{ page.date }}",
        "2023-01-29 18:30:22 2023 -0800",
        "2016-06-17 12:00-400",
        "2022-13-01",
        "2022-02-30",
        "2022-06-07 25:00",
        "2022-06-07 10:00 +2500",
        "2022-06/07",
        "Foo, 07 Jun 2022 07:07:31 GMT",
        "07 Foo 2022",
        "10:05",
        "yesterday",
    ],
)
def test_unparseable_strings_raise_naming_key_and_value(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(text, ZoneInfo("UTC"), key="pubDate")
    message = str(info.value)
    assert message.startswith("pubDate: ")
    assert repr(text) in message


def test_error_message_shows_examples() -> None:
    with pytest.raises(ValueError) as info:
        parse_date("xyz", ZoneInfo("UTC"))
    assert str(info.value) == (
        "date: cannot parse 'xyz' (expected e.g. 2022-06-07 15:07:31 or Tue, 07 Jun 2022 07:07:31 GMT)"
    )


def test_unknown_timezone_is_named_with_its_key() -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus") as info:
        resolve_timezone("site.timezone", "Mars/Olympus")
    assert info.value.key == "site.timezone"


def test_result_is_always_aware_utc() -> None:
    for value in ("2022-06-07", "2022-06-07T15:07:31+08:00", date(2022, 6, 7), datetime(2022, 6, 7)):
        result = parse_date(value, ZoneInfo("Europe/Berlin"))
        assert result.utcoffset() == timedelta(0)
        assert result.tzinfo is UTC


# --- date_from_path ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel_path", "expected"),
    [
        ("2022-06-07-title.md", date(2022, 6, 7)),
        ("_posts/2022-06-07-title.md", date(2022, 6, 7)),
        ("2017-2-5-i-dont-like-zeroes.md", date(2017, 2, 5)),
        ("2019-12-3-long-term-teams.md", date(2019, 12, 3)),
        ("2022-06-07.md", date(2022, 6, 7)),
        ("2022-06-07_title.md", date(2022, 6, 7)),
        ("content/2020-01-01-foo/index.md", date(2020, 1, 1)),
        ("2020/01/01/x.md", date(2020, 1, 1)),
        ("blog/2024/2/8/x.md", date(2024, 2, 8)),
        ("2025/06/26/Rust-1.88.0", date(2025, 6, 26)),
        ("posts\\2022-06-07-windows.md", date(2022, 6, 7)),
        ("title.md", None),
        ("编程/ACM/图灵奖获得者/2021.md", None),
        ("2022-13-01-bad-month.md", None),
        ("2022-02-30-bad-day.md", None),
        ("20220607-compact.md", None),
        ("2020/01/01.md", None),
        ("", None),
    ],
)
def test_date_from_path(rel_path: str, expected: date | None) -> None:
    assert date_from_path(rel_path) == expected


def test_file_name_date_wins_over_folder_date() -> None:
    assert date_from_path("2019-01-01-archive/2020-05-06-post.md") == date(2020, 5, 6)
