"""Retry delays for failed remote calls.

The addons hand these to queue_job (``RetryableJobError(seconds=...)``):
a delay the remote asked for (``Retry-After``) wins; otherwise the delay
grows exponentially from ``base`` up to ``cap``, with jitter so that jobs
throttled together do not all come back at the same second.
"""

import random


def backoff_seconds(attempt, retry_after=None, base=10, cap=900, jitter=0.2, rng=None):
    """Seconds to wait before attempt number ``attempt + 1`` (``attempt`` >= 1)."""
    if retry_after is not None and retry_after >= 0:
        return max(1, int(retry_after))
    attempt = max(1, int(attempt))
    delay = min(cap, base * 2 ** (attempt - 1))
    spread = delay * jitter
    delay += (rng or random).uniform(-spread, spread)
    return max(1, round(delay))
