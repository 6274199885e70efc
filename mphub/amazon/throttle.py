"""Client-side token buckets, one per SP-API operation and selling partner.

Amazon limits each operation with a token bucket (``rate`` tokens a second,
at most ``burst``) per selling partner and application. Taking a token here
before each call keeps the connector under the limit instead of learning it
from 429 answers. The buckets live in the process, shared by every client of
the same account, so that the jobs of one worker do not compete blindly.

``RATES`` holds Amazon's documented default usage plans. When Amazon grants
an account more, its answers say so in ``x-amzn-RateLimit-Limit``: the bucket
then follows that rate.

Several processes (Odoo workers, several hosts) calling for the same account
share Amazon's quota: ``SharedBucket`` keeps a bucket in a PostgreSQL table
(``BUCKET_TABLE``) and changes it in one atomic statement per call, timed by
the database's clock, so every process takes from the same tokens.
"""

import math
import re
import threading
import time

from ..errors import ThrottledError

# operation -> (rate per second, burst), Amazon's default usage plans;
# getOrder is the same plan in Orders v0 and v2026-01-01 (an account reads
# with one of them), searchOrders is v2026-01-01's search
RATES = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "createRestrictedDataToken": (1.0, 10),
    "getListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "searchListingsItems": (5.0, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    "searchOrders": (0.0056, 20),
    "getItemOffersBatch": (0.1, 1),
    "getListingOffersBatch": (0.5, 1),
    "getCompetitiveSummary": (0.033, 1),
    "getMyFeesEstimateForSKU": (1.0, 2),
    "getMyFeesEstimates": (0.5, 1),
}


# bounds of an announced rate (calls a second): below one call an hour a
# job would be parked for good, above a thousand it is not a usage plan
MIN_RATE = 1 / 3600
MAX_RATE = 1000.0
MAX_RETRY_AFTER = 3600  # seconds: the longest delay a throttled job is given
_RATE = re.compile(r"[0-9]{1,10}(?:\.[0-9]{0,12})?(?:[eE][-+]?[0-9]{1,3})?")


def parse_rate_limit(announced):
    """The rate of an ``x-amzn-RateLimit-Limit`` header as a float within
    ``MIN_RATE`` and ``MAX_RATE``, or None when it is not a positive finite
    number (garbage, NaN, infinity, zero, negative)."""
    if isinstance(announced, bool):
        return None
    if isinstance(announced, int) and abs(announced) > 10**9:
        return None
    if isinstance(announced, int | float):
        rate = float(announced)
    elif isinstance(announced, str) and _RATE.fullmatch(announced.strip()):
        rate = float(announced.strip())
    else:
        return None
    if not math.isfinite(rate) or rate <= 0:
        return None
    return min(MAX_RATE, max(MIN_RATE, rate))


def retry_delay(wait):
    """Whole seconds from 1 to ``MAX_RETRY_AFTER`` for a wait in seconds
    (infinite or NaN: the maximum)."""
    if not isinstance(wait, int | float) or math.isnan(wait) or wait > MAX_RETRY_AFTER:
        return MAX_RETRY_AFTER
    return max(1, math.ceil(wait))


def _new_rate(announced, current):
    """The announced rate, bounded, when it is valid and differs from
    ``current``, else None."""
    rate = parse_rate_limit(announced)
    if rate is None or abs(rate - current) < 1e-9:
        return None
    return rate


class TokenBucket:
    """A token bucket; ``clock`` is injectable for tests."""

    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = max(1, int(burst))
        self.clock = clock
        self.tokens = float(self.burst)
        self.updated = clock()
        self.lock = threading.Lock()

    def _refill(self, now):
        if now > self.updated:
            refill = (now - self.updated) * self.rate
            self.tokens = min(self.burst, self.tokens + refill)
        self.updated = now

    def reserve(self):
        """Take a token; return the seconds to wait before using it (0 when
        one was there). The token is owed even when waiting."""
        with self.lock:
            now = self.clock()
            self._refill(now)
            self.tokens -= 1
            if self.tokens >= 0:
                return 0.0
            return -self.tokens / self.rate if self.rate > 0 else float("inf")

    def give_back(self):
        """Return a reserved token that will not be used."""
        with self.lock:
            self.tokens = min(self.burst, self.tokens + 1)

    def wait_time(self):
        """Seconds until a token is free, without taking it."""
        with self.lock:
            self._refill(self.clock())
            if self.tokens >= 1:
                return 0.0
            return (1 - self.tokens) / self.rate if self.rate > 0 else float("inf")

    def drain(self):
        """The server said 429: our count was optimistic, start from empty."""
        with self.lock:
            self._refill(self.clock())
            self.tokens = min(self.tokens, 0.0)

    def set_rate(self, rate):
        """Follow the rate the server announced (``x-amzn-RateLimit-Limit``)."""
        rate = _new_rate(rate, self.rate)
        if rate is None:
            return
        with self.lock:
            self._refill(self.clock())
            self.rate = rate
            # a plan faster than the default has a proportionally larger burst
            default = self.burst
            self.burst = max(default, int(round(rate * 2)))


BUCKET_TABLE = "mp_rate_bucket"

# the database's clock, in seconds
_NOW = "EXTRACT(EPOCH FROM clock_timestamp())::float8"
# the tokens of row ``b`` refilled up to now
_REFILLED = f"LEAST(b.burst, b.tokens + GREATEST(0, {_NOW} - b.stamp) * b.rate)"


class SharedBucket:
    """A token bucket kept in a row of ``BUCKET_TABLE`` (columns ``key``,
    ``operation``, ``rate``, ``burst``, ``tokens``, ``stamp``; ``key`` and
    ``operation`` unique), with ``TokenBucket``'s methods.

    ``execute(query, params)`` runs one statement in a transaction of its own
    (committed at once, so that no lock outlives the statement) and returns
    its first row or None. The row is created at the first call, full; a
    rate learned from Amazon's answers is kept in it for every process.
    """

    def __init__(self, execute, key, operation, rate, burst):
        self.execute = execute
        self.params = {
            "key": key,
            "operation": operation,
            "rate": float(rate),
            "burst": max(1, int(burst)),
        }
        self.rate = float(rate)

    def _wait(self, row, need=0.0):
        if not row:
            return 0.0
        tokens, rate = float(row[0]), float(row[1])
        self.rate = rate
        if tokens >= need:
            return 0.0
        return (need - tokens) / rate if rate > 0 else float("inf")

    def reserve(self):
        row = self.execute(
            f"""
            INSERT INTO {BUCKET_TABLE} AS b
                   (key, operation, rate, burst, tokens, stamp)
            VALUES (%(key)s, %(operation)s, %(rate)s, %(burst)s,
                    %(burst)s - 1, {_NOW})
            ON CONFLICT (key, operation) DO UPDATE
               SET tokens = {_REFILLED} - 1, stamp = {_NOW}
            RETURNING b.tokens, b.rate
            """,
            self.params,
        )
        return self._wait(row)

    def give_back(self):
        self.execute(
            f"""
            UPDATE {BUCKET_TABLE} b SET tokens = LEAST(b.burst, b.tokens + 1)
             WHERE b.key = %(key)s AND b.operation = %(operation)s
            """,
            self.params,
        )

    def wait_time(self):
        row = self.execute(
            f"""
            SELECT {_REFILLED}, b.rate FROM {BUCKET_TABLE} b
             WHERE b.key = %(key)s AND b.operation = %(operation)s
            """,
            self.params,
        )
        return self._wait(row, need=1.0)

    def drain(self):
        self.execute(
            f"""
            UPDATE {BUCKET_TABLE} b SET tokens = LEAST({_REFILLED}, 0),
                   stamp = {_NOW}
             WHERE b.key = %(key)s AND b.operation = %(operation)s
            """,
            self.params,
        )

    def set_rate(self, rate):
        rate = _new_rate(rate, self.rate)
        if rate is None:
            return
        self.execute(
            f"""
            UPDATE {BUCKET_TABLE} b SET tokens = {_REFILLED}, stamp = {_NOW},
                   rate = %(new_rate)s,
                   burst = GREATEST(b.burst, ROUND(%(new_rate)s * 2))
             WHERE b.key = %(key)s AND b.operation = %(operation)s
            """,
            dict(self.params, new_rate=rate),
        )
        self.rate = rate


class Throttle:
    """The buckets of one selling partner (one per operation).

    ``acquire(operation, max_wait)`` waits for a token when it comes within
    ``max_wait`` seconds, else raises ``ThrottledError`` with the delay, so
    that a job is retried later rather than blocking a worker.
    ``shared``: ``(execute, key)`` to keep the buckets in the database
    (``SharedBucket``) rather than in this process.
    """

    def __init__(self, rates=None, clock=time.monotonic, sleep=time.sleep, shared=None):
        self.rates = dict(RATES, **(rates or {}))
        self.clock = clock
        self.sleep = sleep
        self.shared = shared
        self.buckets = {}
        self.lock = threading.Lock()

    def bucket(self, operation):
        with self.lock:
            bucket = self.buckets.get(operation)
            if bucket is None:
                rate, burst = self.rates.get(operation, (1.0, 5))
                if self.shared:
                    execute, key = self.shared
                    bucket = SharedBucket(execute, key, operation, rate, burst)
                else:
                    bucket = TokenBucket(rate, burst, clock=self.clock)
                self.buckets[operation] = bucket
            return bucket

    def acquire(self, operation, max_wait=30.0):
        bucket = self.bucket(operation)
        wait = bucket.reserve()
        if wait > max_wait:
            bucket.give_back()
            raise ThrottledError(
                f"{operation}: Amazon's rate limit allows the next call in "
                f"{min(wait, 10**9):.0f} s",
                status=429,
                retry_after=retry_delay(wait),
            )
        if wait > 0:
            self.sleep(wait)


_REGISTRY = {}
_REGISTRY_LOCK = threading.Lock()


def shared_throttle(key):
    """The process-wide ``Throttle`` of an account (``key``: endpoint and
    selling partner)."""
    with _REGISTRY_LOCK:
        throttle = _REGISTRY.get(key)
        if throttle is None:
            throttle = _REGISTRY[key] = Throttle()
        return throttle
