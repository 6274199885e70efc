"""Access tokens of the marketplace APIs, cached and renewed before expiry.

Several APIs hand out tokens that must not be asked for on every call:
Octopia's OAuth2 token endpoint gives a limited number of tokens an hour per
client (about 500, each lasting about 2 hours), the Cdiscount SOAP STS token
lasts 48 hours, a Fnac ``auth`` token lasts until its ``validity``. A client
therefore takes the token its ``TokenStore`` holds until ``RENEW_MARGIN``
before it expires. The store is shared: by default ``MemoryTokenStore`` (one
per process, thread safe); the addons give one in the database so that every
worker shares it.

``TokenKeeper`` is what the clients use: ``keeper.call(operation,
refused)`` runs ``operation(token)``; when the API refuses the token
(``refused(error)``: a 401 for REST, a ``RequestTokenValidationError`` fault
for SOAP, an error document for Fnac) the token is dropped from the store and
the call made once more with a new one; refused again, it is an
``AuthError``. Tokens never appear in messages or logs.
"""

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol

from .errors import AuthError

RENEW_MARGIN = timedelta(minutes=5)  # a token this close to expiry is renewed


class TokenStore(Protocol):
    """Where the tokens of a client are kept, by ``key``: (token URL,
    client id or login)."""

    def get(self, key):
        """``(token, expires_at)`` (an aware datetime) or None."""

    def put(self, key, token, expires_at):
        """Keep ``token`` for ``key`` until ``expires_at``."""

    def drop(self, key, token):
        """Forget ``token`` (refused by the API); a newer token of ``key``
        put meanwhile by another client is kept."""


class MemoryTokenStore:
    """A ``TokenStore`` in memory, safe between threads."""

    def __init__(self):
        self._tokens = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._tokens.get(key)

    def put(self, key, token, expires_at):
        with self._lock:
            self._tokens[key] = (token, expires_at)

    def drop(self, key, token):
        with self._lock:
            if self._tokens.get(key, (None,))[0] == token:
                del self._tokens[key]

    def clear(self):
        with self._lock:
            self._tokens.clear()


# the store of the clients given none: one per process
DEFAULT_STORE = MemoryTokenStore()
# one lock per key, so that threads needing a token ask for one, not one each
_FETCH_LOCKS = {}
_FETCH_LOCKS_GUARD = threading.Lock()


def _fetch_lock(key):
    with _FETCH_LOCKS_GUARD:
        return _FETCH_LOCKS.setdefault(key, threading.Lock())


def utc_now():
    return datetime.now(timezone.utc)


class TokenKeeper:
    """The token of one client: taken from ``store`` under ``key`` while it
    is valid for ``margin`` more, else asked for with ``fetch()`` (which
    returns ``(token, expires_at)``) and put in the store."""

    def __init__(self, store, key, fetch, *, margin=RENEW_MARGIN, now=utc_now):
        self.store = store if store is not None else DEFAULT_STORE
        self.key = key
        self.fetch = fetch
        self.margin = margin
        self.now = now

    def _valid(self, entry):
        if not entry:
            return None
        token, expires_at = entry
        if not token or expires_at is None:
            return None
        if expires_at.tzinfo is None:  # a store that lost the zone: UTC
            expires_at = expires_at.replace(tzinfo=timezone.utc)
        return token if expires_at - self.margin > self.now() else None

    def token(self):
        """A token valid for ``margin`` more at least."""
        token = self._valid(self.store.get(self.key))
        if token:
            return token
        with _fetch_lock(self.key):
            # another thread may have got one while this one waited
            token = self._valid(self.store.get(self.key))
            if token:
                return token
            token, expires_at = self.fetch()
            self.store.put(self.key, token, expires_at)
            return token

    def drop(self, token):
        """Forget a token the API refused."""
        self.store.drop(self.key, token)

    def call(self, operation, refused):
        """``operation(token)``; once more with a new token when the API
        refuses the first (``refused(error)`` says so), then ``AuthError``."""
        for attempt in (1, 2):
            token = self.token()
            try:
                return operation(token)
            except Exception as err:
                if not refused(err):
                    raise
                self.drop(token)
                if attempt == 2:
                    if isinstance(err, AuthError):
                        raise
                    raise AuthError(
                        "the API refused a new access token: check the "
                        "account's credentials and seller id"
                    ) from None


def expiry(seconds, now=None, default=3600):
    """The aware expiry of a token valid ``seconds`` from ``now``
    (``default`` when the answer gives no usable figure)."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError, OverflowError):
        seconds = default
    if seconds <= 0 or seconds > 366 * 86400:
        seconds = default
    return (now or utc_now()) + timedelta(seconds=seconds)
