"""Mirakl emulator: every fault switch, over HTTP, and the stats."""

import pytest
import requests
from mphub.sandbox import Sandbox

from .conftest import KEY, MiraklShop


def set_faults(shop, **values):
    return shop.admin("POST", "faults", values)


def test_429_with_retry_after(mirakl, shop):
    set_faults(shop, rate_429=1.0, retry_after=7)
    for path in ("/api/orders", "/api/account", "/api/orders/X/ship"):
        answer = shop.call("PUT" if path.endswith("ship") else "GET", path)
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "7"
        assert answer.json() == {"status": 429, "message": "Too Many Requests"}
    assert mirakl.get_stats()["OR24"]["429"] == 1


def test_server_errors(mirakl, shop):
    set_faults(shop, rate_5xx=1.0)
    statuses = {shop.call("GET", "/api/orders").status_code for _ in range(20)}
    assert statuses <= {500, 502, 503} and len(statuses) > 1
    answer = shop.call("GET", "/api/orders")
    assert answer.json()["status"] == answer.status_code
    assert mirakl.get_stats()["OR11"] == {
        "calls": 21,
        "429": 0,
        "5xx": 21,
        "timeout": 0,
        "corrupt": 0,
        "401": 0,
    }


def test_shares_are_about_right(mirakl, shop):
    set_faults(shop, rate_429=0.2, rate_5xx=0.1)
    statuses = [shop.call("GET", "/api/version").status_code for _ in range(300)]
    assert 40 <= statuses.count(429) <= 80
    assert 15 <= sum(s >= 500 for s in statuses) <= 45
    stats = mirakl.get_stats()["V01"]
    assert stats["calls"] == 300
    assert stats["429"] == statuses.count(429)


def test_timeout(mirakl, shop):
    set_faults(shop, rate_timeout=1.0, timeout_seconds=0.5)
    with pytest.raises(requests.Timeout):
        requests.get(
            shop.url + "/api/version", headers={"Authorization": KEY}, timeout=0.2
        )
    assert mirakl.get_stats()["V01"]["timeout"] == 1
    set_faults(shop, timeout_seconds=0.05)
    assert shop.call("GET", "/api/version").ok  # a patient client gets its answer


def test_corrupt_json(mirakl, shop):
    mirakl.create_orders(2001, 3)
    set_faults(shop, rate_corrupt=1.0)
    answer = shop.call("GET", "/api/orders")
    assert answer.status_code == 200
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    with pytest.raises(ValueError):
        answer.json()
    # only 200 JSON answers are cut
    assert shop.put("NOPE", "ship").json()["status"] == 404
    (order_id,) = mirakl.create_orders(2001, 1)
    assert shop.put(order_id, "cancel").status_code == 204
    assert mirakl.get_stats()["OR11"]["corrupt"] == 1


def test_expired_credentials(mirakl, shop):
    set_faults(shop, expired_credentials=True)
    answer = shop.call("GET", "/api/account")
    assert answer.status_code == 401
    assert answer.json()["status"] == 401
    assert mirakl.get_stats()["A01"]["401"] == 1
    set_faults(shop, expired_credentials=False)
    assert shop.call("GET", "/api/account").ok


def test_call_frequency(shop, mirakl_url):
    set_faults(shop, call_frequency={"OR11": 30})
    assert shop.call("GET", "/api/orders").ok
    second = shop.call("GET", "/api/orders")
    assert second.status_code == 429
    assert 29 <= int(second.headers["Retry-After"]) <= 30
    assert MiraklShop(mirakl_url, "sandbox-boulanger-key").call("GET", "/api/orders").ok
    assert shop.call("GET", "/api/account").ok  # other operations are free
    assert shop.admin("GET", "faults")["call_frequency"] == {"OR11": 30.0}


def test_faults_are_applied_in_order(mirakl, shop):
    """Expired credentials first, then call frequency, timeout, 429, 5xx."""
    set_faults(shop, expired_credentials=True, rate_429=1.0, rate_5xx=1.0)
    assert shop.call("GET", "/api/orders").status_code == 401
    set_faults(shop, expired_credentials=False, call_frequency={"OR11": 60})
    assert shop.call("GET", "/api/orders").status_code == 429  # drawn 429
    answer = shop.call("GET", "/api/orders")
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 1  # from the call frequency
    set_faults(shop, call_frequency={}, rate_429=0)
    assert shop.call("GET", "/api/orders").status_code >= 500
    stats = mirakl.get_stats()["OR11"]
    assert (stats["401"], stats["429"], stats["5xx"]) == (1, 2, 1)


def test_admin_routes_never_meet_faults(shop):
    set_faults(shop, expired_credentials=True, rate_429=1.0, rate_corrupt=1.0)
    assert shop.admin("GET", "stats") is not None
    assert shop.admin("POST", "orders", {"count": 1})["order_ids"]


def test_faults_given_at_start():
    with Sandbox(faults={"mirakl": {"rate_429": 1.0, "retry_after": 3}}) as box:
        answer = MiraklShop(box.urls["mirakl"]).call("GET", "/api/version")
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "3"
    with pytest.raises(ValueError):
        Sandbox(faults={"mirakl": {"rate_4xx": 1}}).start()
