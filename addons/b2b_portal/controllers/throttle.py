"""Rate limits for the b2b portal's forms and JSON routes.

``check_rate(action, limit, period)`` counts one call of ``action`` for the
current caller (the signed-in user, or the remote address for the public
user) and returns a translated error message once ``limit`` calls were made
in the last ``period`` seconds; ``too_many_requests(message)`` turns that
message into an HTTP 429 response.

The counters live in memory, per worker process: with several workers a
caller may get up to ``limit`` calls per worker, and a restart resets them.
Enough to stop a script hammering a form; a shared bucket (as
``mp_rate_bucket``) would be the next step. One ``RateLimiter`` is shared per
``(limit, period)`` in the process, its keys carrying the database, the
action and the caller.
"""

import logging
import threading
import time
from collections import deque

from odoo.http import Response, request

_logger = logging.getLogger(__name__)


class RateLimiter:
    """At most ``limit`` calls per ``period`` seconds per key (in memory)."""

    def __init__(self, limit, period):
        self.limit = limit
        self.period = period
        self._calls = {}
        self._lock = threading.Lock()

    def allow(self, key):
        """Count a call for ``key`` and say whether it is allowed."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - self.period:
                calls.popleft()
            if len(calls) >= self.limit:
                return False
            calls.append(now)
            return True

    def clear(self):
        with self._lock:
            self._calls.clear()


_limiters = {}
_limiters_lock = threading.Lock()


def get_limiter(limit, period=60.0):
    """The process-wide ``RateLimiter`` for ``(limit, period)``."""
    key = (int(limit), float(period))
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = RateLimiter(*key)
        return limiter


def clear_rate_limits():
    """Forget every counter of the process (for tests)."""
    with _limiters_lock:
        limiters = list(_limiters.values())
    for limiter in limiters:
        limiter.clear()


def _caller_key():
    """The signed-in user's id, or the remote address for the public user."""
    env = request.env
    user = env.user
    if user and not user._is_public():
        return ("uid", user.id)
    return ("addr", request.httprequest.remote_addr or "")


def check_rate(action, limit, period=60.0):
    """Count one call of ``action``; None when allowed, else an error message.

    The key is (database, action, user id) for signed-in users and
    (database, action, remote address) for the public user.
    """
    key = (request.env.cr.dbname, action, *_caller_key())
    if get_limiter(limit, period).allow(key):
        return None
    # Log the action and the user id only: never the posted values.
    _logger.warning(
        "b2b_portal: rate limit reached for %s (%s per %ss), user id %s",
        action,
        limit,
        period,
        request.env.uid,
    )
    return request.env._("Too many requests, please wait a minute and try again.")


def too_many_requests(message):
    """An HTTP 429 response showing ``message``.

    A small website page for frontend (``website=True``) routes, plain text
    otherwise.
    """
    if getattr(request, "is_frontend", False):
        return request.render(
            "http_routing.http_error",
            {"status_code": 429, "status_message": message},
            status=429,
        )
    return Response(message, status=429, content_type="text/plain; charset=utf-8")
