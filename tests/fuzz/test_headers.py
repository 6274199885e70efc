"""Retry-After and x-amzn-RateLimit-Limit: parsed safely and capped."""

from datetime import datetime, timezone

import pytest
from mphub.amazon.throttle import (
    MAX_RETRY_AFTER,
    MIN_RATE,
    Throttle,
    TokenBucket,
    parse_rate_limit,
)
from mphub.errors import ThrottledError
from mphub.http import parse_retry_after

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Fri, 31 Dec 9999 23:59:59 GMT", 3600),
        ("99999999999999999999999", 3600),
        ("Thu, 01 Jan 2026 12:00:30 -0000", 31),  # naive date: UTC
        ("\u00b2", None),  # a digit for str.isdigit, not for int()
        ("-5", None),
        ("1.5", None),
        ("NaN", None),
        ("Mon, 01 Jan 0001 00:00:00 GMT", 0),
    ],
)
def test_retry_after_cases(value, seconds):
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1_000", "x", True])
def test_garbage_rates_are_ignored(value):
    bucket = TokenBucket(0.5, 30, clock=lambda: 0.0)
    bucket.set_rate(value)
    assert bucket.rate == 0.5 and parse_rate_limit(value) is None


def test_a_tiny_rate_does_not_park_a_job_for_centuries():
    now = [0.0]
    throttle = Throttle(rates={"op": (0.5, 1)}, clock=lambda: now[0])
    throttle.bucket("op").set_rate("1e-6")
    assert throttle.bucket("op").rate == MIN_RATE
    throttle.acquire("op", max_wait=5)
    with pytest.raises(ThrottledError) as err:
        throttle.acquire("op", max_wait=5)
    assert 1 <= err.value.retry_after <= MAX_RETRY_AFTER
