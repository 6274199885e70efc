from datetime import datetime, timezone

from mphub.http import mask_secrets, parse_retry_after
from mphub.retry import backoff_seconds


def test_mask_secrets():
    assert mask_secrets("key=abcd1234 and abcd1234", ["abcd1234"]) == "key=*** and ***"
    assert mask_secrets("short ab", ["ab", None, ""]) == "short ab"


def test_parse_retry_after():
    assert parse_retry_after("12") == 12
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 31


def test_backoff():
    assert backoff_seconds(3, retry_after=7) == 7
    assert backoff_seconds(1, retry_after=0) == 1
    delays = [backoff_seconds(n, base=10, cap=300, jitter=0) for n in range(1, 8)]
    assert delays == [10, 20, 40, 80, 160, 300, 300]
    assert 8 <= backoff_seconds(1, base=10, jitter=0.2) <= 12
