"""The Mirakl client against the sandbox emulator, over real HTTP."""

import logging
from datetime import datetime, timedelta, timezone

import pytest
from mphub.client import Outcome, Shipment
from mphub.errors import (
    AuthError,
    ConfigError,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)
from mphub.mirakl.client import MiraklClient

KEY = "sandbox-carrefour-key"
AN_HOUR_AGO = datetime.now(timezone.utc) - timedelta(hours=1)


@pytest.fixture
def client(mirakl_url):
    client = MiraklClient(mirakl_url, KEY, timeout=2)
    yield client
    client.close()


def decisions(client, order_id, accepted=True):
    lines = client.get_orders([order_id])[0]["order_lines"]
    return {line["order_line_id"]: accepted for line in lines}


def test_pages_through_every_order(mirakl, client):
    ids = mirakl.create_orders(2001, 250)
    seen, page, pages = [], None, 0
    while True:
        result = client.list_orders(AN_HOUR_AGO, page=page)
        assert result.total == 250
        seen += [order["order_id"] for order in result.orders]
        pages += 1
        page = result.next_page
        if not page:
            break
    assert pages == 3
    assert seen == ids


def test_window_by_update_date(mirakl, client):
    mirakl.create_orders(2001, 3)
    assert (
        client.list_orders(datetime.now(timezone.utc) + timedelta(minutes=1)).orders
        == []
    )


def test_get_orders_in_chunks(mirakl, client):
    ids = mirakl.create_orders(2001, 130)
    assert [o["order_id"] for o in client.get_orders(ids)] == ids
    assert client.get_orders(["NOPE"]) == []


def test_accept_is_idempotent(mirakl, client):
    first, second = mirakl.create_orders(2001, 2)
    wanted = decisions(client, first)
    assert client.accept_order(first, wanted) == Outcome.DONE
    assert client.accept_order(first, wanted) == Outcome.ALREADY
    refused = decisions(client, second, accepted=False)
    assert client.accept_order(second, refused) == Outcome.DONE
    assert client.accept_order(second, refused) == Outcome.ALREADY
    with pytest.raises(RemoteError, match="REFUSED") as info:
        client.accept_order(second, dict.fromkeys(refused, True))
    assert info.value.code == "ORDER_INVALID_STATE"
    with pytest.raises(NotFound):
        client.accept_order("NOPE", {"x": True})


def test_ship_is_idempotent(mirakl, client):
    waiting, cancelled = mirakl.create_orders(2001, 2)
    (ready,) = mirakl.create_orders(2001, 1, state="SHIPPING")
    shipment = Shipment(tracking_number="6A42", carrier_code="COLISSIMO")
    assert client.ship_order(ready, shipment) == Outcome.DONE
    assert client.ship_order(ready, shipment) == Outcome.ALREADY
    with pytest.raises(TransientError, match="not ready to ship") as info:
        client.ship_order(waiting, shipment)
    assert info.value.retry_after == 300
    client.transport.request("PUT", f"/api/orders/{cancelled}/cancel")
    with pytest.raises(RemoteError, match="CANCELED"):
        client.ship_order(cancelled, shipment)


def test_shipment_without_registered_carrier(mirakl, client):
    (order_id,) = mirakl.create_orders(2001, 1, state="SHIPPING")
    shipment = Shipment(
        tracking_number="L1", carrier_name="Coursier", carrier_url="https://c"
    )
    assert client.ship_order(order_id, shipment) == Outcome.DONE
    record = mirakl.order_record(order_id)
    assert record["tracking"]["carrier_name"] == "Coursier"
    assert record["state"] == "SHIPPED"


def test_error_mapping(mirakl, client, mirakl_url):
    mirakl.set_faults({"rate_429": 1.0, "retry_after": 9})
    with pytest.raises(ThrottledError) as info:
        client.test_connection()
    assert info.value.retry_after == 9
    assert info.value.status == 429
    mirakl.set_faults({"rate_429": 0, "rate_5xx": 1.0})
    with pytest.raises(TransientError) as info:
        client.test_connection()
    assert info.value.status in (500, 502, 503)
    mirakl.set_faults({"rate_5xx": 0, "rate_corrupt": 1.0})
    with pytest.raises(TransientError, match="not valid JSON"):
        client.test_connection()
    mirakl.set_faults({"rate_corrupt": 0, "rate_timeout": 1.0, "timeout_seconds": 1.0})
    slow = MiraklClient(mirakl_url, KEY, timeout=0.2)
    with pytest.raises(TransientError, match="no answer"):
        slow.test_connection()
    mirakl.set_faults({"rate_timeout": 0, "expired_credentials": True})
    with pytest.raises(AuthError):
        client.test_connection()
    mirakl.set_faults({"expired_credentials": False})
    with pytest.raises(RemoteError, match="shop") as info:
        MiraklClient(mirakl_url, KEY, shop_id=2002).test_connection()
    assert info.value.status == 400
    with pytest.raises(AuthError):
        MiraklClient(mirakl_url, "wrong").test_connection()
    assert client.test_connection()["name"] == "Carrefour sandbox shop"


def test_unreachable_and_misconfigured():
    with pytest.raises(TransientError, match="connection failed"):
        MiraklClient("http://127.0.0.1:9", KEY, timeout=1).test_connection()
    with pytest.raises(ConfigError):
        MiraklClient("", KEY)
    with pytest.raises(ConfigError):
        MiraklClient("ftp://example.invalid", KEY)


def test_the_key_is_never_logged(mirakl, client, caplog):
    mirakl.create_orders(2001, 2)
    mirakl.set_faults({"rate_5xx": 1.0})
    with caplog.at_level(logging.DEBUG, logger="mphub"):
        with pytest.raises(TransientError) as info:
            client.list_orders(AN_HOUR_AGO)
        mirakl.set_faults({"rate_5xx": 0})
        client.list_orders(AN_HOUR_AGO)
    assert caplog.records
    assert KEY not in caplog.text
    assert KEY not in str(info.value)
