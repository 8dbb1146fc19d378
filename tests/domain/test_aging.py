"""Aging rules: days past due grouped into not_due, one bucket per limit, and an open-ended last bucket."""

from __future__ import annotations

from datetime import date

import pytest

from reskontro.domain.aging import Bucket, Buckets, days_past_due
from reskontro.domain.errors import ValidationFailed


def test_default_limits_are_30_60_90() -> None:
    assert Buckets().limits == (30, 60, 90)


def test_bucket_names_for_30_60_90() -> None:
    assert Buckets((30, 60, 90)).names() == ("not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90")


def test_buckets_carry_their_bounds() -> None:
    assert Buckets((30, 60)).buckets() == (
        Bucket("not_due", None, 0),
        Bucket("days_1_30", 1, 30),
        Bucket("days_31_60", 31, 60),
        Bucket("days_over_60", 61, None),
    )


def test_a_single_limit_gives_three_buckets() -> None:
    assert Buckets((14,)).names() == ("not_due", "days_1_14", "days_over_14")


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-10, "not_due"),
        (0, "not_due"),
        (1, "days_1_30"),
        (30, "days_1_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "days_over_90"),
        (10_000, "days_over_90"),
    ],
)
def test_bucket_for_boundaries(days: int, bucket: str) -> None:
    assert Buckets((30, 60, 90)).bucket_for(days) == bucket


def test_every_day_count_falls_in_the_bucket_whose_bounds_hold_it() -> None:
    b = Buckets((7, 30, 45))
    by_name = {x.name: x for x in b.buckets()}
    for days in range(-5, 60):
        found = by_name[b.bucket_for(days)]
        assert found.low is None or found.low <= days
        assert found.high is None or days <= found.high


def test_limits_must_not_be_empty() -> None:
    with pytest.raises(ValidationFailed) as info:
        Buckets(())
    assert info.value.field == "buckets"


@pytest.mark.parametrize("limits", [(0, 30), (-1, 30), (60, 30), (30, 30, 60), (30, 90, 60)])
def test_limits_must_be_positive_and_strictly_increasing(limits: tuple[int, ...]) -> None:
    with pytest.raises(ValidationFailed) as info:
        Buckets(limits)
    assert info.value.field == "buckets"


def test_parse_reads_comma_separated_limits() -> None:
    assert Buckets.parse("30,60,90") == Buckets((30, 60, 90))
    assert Buckets.parse(" 15 , 45 ,") == Buckets((15, 45))


@pytest.mark.parametrize("text", ["30,sixty", "30.5", "30;60"])
def test_parse_refuses_non_integers(text: str) -> None:
    with pytest.raises(ValidationFailed, match="whole numbers") as info:
        Buckets.parse(text)
    assert info.value.field == "buckets"


def test_parse_refuses_an_empty_list() -> None:
    with pytest.raises(ValidationFailed):
        Buckets.parse("")


def test_parse_refuses_decreasing_limits() -> None:
    with pytest.raises(ValidationFailed, match="increasing"):
        Buckets.parse("60,30")


def test_days_past_due_counts_calendar_days_after_the_due_date() -> None:
    assert days_past_due(date(2024, 1, 31), date(2024, 3, 1)) == 30
    assert days_past_due(date(2024, 1, 31), date(2024, 1, 31)) == 0
    assert days_past_due(date(2024, 1, 31), date(2024, 1, 21)) == -10


def test_an_item_due_today_is_not_due_and_one_due_yesterday_is_in_the_first_bucket() -> None:
    b = Buckets()
    as_of = date(2024, 6, 15)
    assert b.bucket_for(days_past_due(date(2024, 6, 15), as_of)) == "not_due"
    assert b.bucket_for(days_past_due(date(2024, 6, 14), as_of)) == "days_1_30"
