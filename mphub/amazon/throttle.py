"""Client-side token buckets, one per SP-API operation and selling partner.

Amazon limits each operation with a token bucket (``rate`` tokens a second,
at most ``burst``) per selling partner and application. Taking a token here
before each call keeps the connector under the limit instead of learning it
from 429 answers. The buckets live in the process, shared by every client of
the same account, so that the jobs of one worker do not compete blindly.

``RATES`` holds Amazon's documented default usage plans. When Amazon grants
an account more, its answers say so in ``x-amzn-RateLimit-Limit``: the bucket
then follows that rate.
"""

import threading
import time

from ..errors import ThrottledError

# operation -> (rate per second, burst), Amazon's default usage plans
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
}


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
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            return
        if rate <= 0 or abs(rate - self.rate) < 1e-9:
            return
        with self.lock:
            self._refill(self.clock())
            self.rate = rate
            # a plan faster than the default has a proportionally larger burst
            default = self.burst
            self.burst = max(default, int(round(rate * 2)))


class Throttle:
    """The buckets of one selling partner (one per operation).

    ``acquire(operation, max_wait)`` waits for a token when it comes within
    ``max_wait`` seconds, else raises ``ThrottledError`` with the delay, so
    that a job is retried later rather than blocking a worker.
    """

    def __init__(self, rates=None, clock=time.monotonic, sleep=time.sleep):
        self.rates = dict(RATES, **(rates or {}))
        self.clock = clock
        self.sleep = sleep
        self.buckets = {}
        self.lock = threading.Lock()

    def bucket(self, operation):
        with self.lock:
            bucket = self.buckets.get(operation)
            if bucket is None:
                rate, burst = self.rates.get(operation, (1.0, 5))
                bucket = self.buckets[operation] = TokenBucket(
                    rate, burst, clock=self.clock
                )
            return bucket

    def acquire(self, operation, max_wait=30.0):
        bucket = self.bucket(operation)
        wait = bucket.reserve()
        if wait > max_wait:
            bucket.give_back()
            raise ThrottledError(
                f"{operation}: Amazon's rate limit allows the next call in "
                f"{wait:.0f} s",
                status=429,
                retry_after=max(1, int(wait + 0.999)),
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
