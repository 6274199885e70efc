"""Token caching and renewal (``mphub.tokens``)."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from mphub.errors import AuthError, RemoteError
from mphub.tokens import (
    RENEW_MARGIN,
    MemoryTokenStore,
    TokenKeeper,
    expiry,
)

NOW = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


class Issuer:
    """A token endpoint: token-1, token-2... each valid ``lifetime``."""

    def __init__(self, clock, lifetime=timedelta(hours=2)):
        self.clock, self.lifetime, self.issued = clock, lifetime, []
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            token = f"token-{len(self.issued) + 1}"
            self.issued.append(token)
        return token, self.clock() + self.lifetime


def keeper(store=None, clock=None, issuer=None, key=("https://auth", "client")):
    clock = clock or Clock()
    issuer = issuer or Issuer(clock)
    return TokenKeeper(store or MemoryTokenStore(), key, issuer, now=clock), issuer


def test_a_token_is_asked_once_and_reused():
    keep, issuer = keeper()
    assert [keep.token() for _i in range(5)] == ["token-1"] * 5
    assert issuer.issued == ["token-1"]


def test_a_token_is_renewed_before_it_expires():
    clock = Clock()
    keep, issuer = keeper(clock=clock)
    assert keep.token() == "token-1"
    clock.now = NOW + timedelta(hours=2) - RENEW_MARGIN - timedelta(seconds=1)
    assert keep.token() == "token-1"
    clock.now += timedelta(seconds=1)
    assert keep.token() == "token-2"


def test_two_keepers_share_their_store():
    store, clock = MemoryTokenStore(), Clock()
    issuer = Issuer(clock)
    first, _issuer = keeper(store, clock, issuer)
    second, _issuer = keeper(store, clock, issuer)
    assert first.token() == second.token() == "token-1"
    assert issuer.issued == ["token-1"]
    # another client (other credentials) has its own token
    other, _issuer = keeper(store, clock, issuer, key=("https://auth", "other"))
    assert other.token() == "token-2"


def test_threads_needing_a_token_ask_for_one():
    clock = Clock()
    issuer = Issuer(clock)
    store = MemoryTokenStore()
    key = ("https://auth", "threads")
    tokens = []
    threads = [
        threading.Thread(
            target=lambda: tokens.append(
                TokenKeeper(store, key, issuer, now=clock).token()
            )
        )
        for _i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens == ["token-1"] * 8 and issuer.issued == ["token-1"]


def refused(err):
    return isinstance(err, AuthError) and err.status == 401


def test_a_refused_token_is_replaced_once():
    keep, issuer = keeper()
    seen = []

    def operation(token):
        seen.append(token)
        if token == "token-1":
            raise AuthError("401", status=401)
        return "answer"

    assert keep.call(operation, refused) == "answer"
    assert seen == ["token-1", "token-2"]
    assert keep.token() == "token-2"  # the new token is kept


def test_a_new_token_refused_again_is_an_auth_error_and_forgotten():
    store = MemoryTokenStore()
    keep, issuer = keeper(store)

    def operation(token):
        raise AuthError(f"HTTP 401 for {token}", status=401)

    with pytest.raises(AuthError):
        keep.call(operation, refused)
    assert issuer.issued == ["token-1", "token-2"]
    assert store.get(keep.key) is None


def test_other_errors_keep_the_token():
    keep, issuer = keeper()

    def operation(token):
        raise RemoteError("409 conflict", status=409)

    with pytest.raises(RemoteError):
        keep.call(operation, refused)
    with pytest.raises(AuthError):
        keep.call(
            lambda token: (_ for _ in ()).throw(AuthError("x", status=403)), refused
        )
    assert issuer.issued == ["token-1"]


def test_a_refusal_that_is_no_auth_error_becomes_one():
    keep, _issuer = keeper()

    class Refusal(Exception):
        pass

    def operation(token):
        raise Refusal(f"RequestTokenValidationError {token}")

    with pytest.raises(AuthError) as caught:
        keep.call(operation, lambda err: isinstance(err, Refusal))
    assert "token-" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_drop_keeps_a_newer_token():
    store = MemoryTokenStore()
    store.put("k", "new", NOW)
    store.drop("k", "old")
    assert store.get("k") == ("new", NOW)
    store.drop("k", "new")
    assert store.get("k") is None


def test_a_naive_expiry_from_a_store_is_utc():
    store, clock = MemoryTokenStore(), Clock()
    key = ("https://auth", "naive")
    store.put(key, "stored", (NOW + timedelta(hours=1)).replace(tzinfo=None))
    keep, issuer = keeper(store, clock, key=key)
    assert keep.token() == "stored" and not issuer.issued


@pytest.mark.parametrize(
    "seconds, expected",
    [
        (7200, 7200),
        ("7200", 7200),
        (None, 3600),
        ("soon", 3600),
        (-5, 3600),
        (0, 3600),
        (10**12, 3600),
    ],
)
def test_expiry(seconds, expected):
    assert expiry(seconds, now=NOW) == NOW + timedelta(seconds=expected)
