"""The Amazon client on Orders API v2026-01-01 (python-amazon-sp-api
underneath, unmodified) against the sandbox's Amazon emulator, over real
HTTP; and Orders API v0 once Amazon has removed it."""

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from mphub import errors
from mphub.amazon import mapping, mapping_2026
from mphub.amazon.client import AmazonClient, OrdersApiRemoved
from mphub.amazon.orders_2026 import MAX_RESTARTS
from mphub.canonical import OrderStatus
from mphub.client import Outcome, Shipment
from mphub.orders import plan_sale_order
from mphub.sandbox.amazon import LWA_CLIENT_ID, LWA_CLIENT_SECRET, SELLERS
from mphub.sandbox.amazon_orders_2026 import VARIETY_SHARES

from .test_amazon_client import FR, SELLER, amazon_box, emulator, import_all

__all__ = ["amazon_box", "emulator"]  # the fixtures, shared
DE = "A1PA6795UKMFR9"


def make_client(box, marketplaces=(FR,), **options):
    url = box.urls["amazon"]
    return AmazonClient(
        url,
        SELLERS[SELLER],
        LWA_CLIENT_ID,
        LWA_CLIENT_SECRET,
        SELLER,
        list(marketplaces),
        lwa_url=f"{url}/auth/o2/token",
        timeout=10,
        **options,
    )


def calls(emulator, operation):
    return emulator.get_stats().get(operation, {}).get("calls", 0)


def test_the_default_and_what_the_client_says_of_amazon(amazon_box):
    client = make_client(amazon_box)
    assert client.orders_version == "2026-01-01"
    assert client.import_lag == timedelta(minutes=3)
    assert client.ships_per_delivery is True
    assert client.capabilities == {
        "competitors",
        "fees",
        "ship",
        "listings",
        "push_stock",
        "push_prices",
        "push_offers",
        "push_status",
    }
    assert make_client(amazon_box, orders_version="v0").orders_version == "v0"
    with pytest.raises(errors.ConfigError, match="Orders API version"):
        make_client(amazon_box, orders_version="2024-01-01")


def test_payloads_of_both_versions_read_by_their_shape(amazon_box, emulator):
    (order_id,) = emulator.create_orders(SELLER, 1)
    v0 = make_client(amazon_box, orders_version="v0")
    (old,) = v0.get_orders([order_id])
    (new,) = make_client(amazon_box).get_orders([order_id])
    for client in (v0, make_client(amazon_box)):
        for raw in (old, new):
            assert client.external_id(raw) == order_id
            assert client.raw_state(raw) == (OrderStatus.TO_SHIP, "Unshipped")
            assert client.map_order(raw).external_id == order_id
        assert client.external_id({"orderId": ""}) is None
        assert client.raw_state({"orderId": "1"}) == (None, None)


def test_search_pages_on_every_marketplace_without_get_order(amazon_box, emulator):
    ids = emulator.create_orders(SELLER, 250, afn_share=0.1)
    ids += emulator.create_orders(SELLER, 30, marketplace_id=DE)
    client = make_client(amazon_box, marketplaces=(FR, DE))
    orders, pages = import_all(client)
    assert sorted(o["orderId"] for o in orders) == sorted(ids)
    assert pages == 3  # 100 + 100 + 80, each page repeating the query
    assert calls(emulator, "searchOrders") == 3
    assert calls(emulator, "getOrder20260101") == 0
    assert calls(emulator, "getOrders") == calls(emulator, "getOrderItems") == 0
    for raw in orders:
        order = client.map_order(raw)
        record = emulator.order_record(raw["orderId"])
        assert order.total == Decimal(record["order_total"])
        assert order.customer.shipping_address.street  # RECIPIENT included
        assert order.fulfilled_by_marketplace == (
            record["fulfillment_channel"] == "AFN"
        )


def _comparable(order):
    """What both versions must give alike: v0's getOrders has no delivery
    instructions; v2026-01-01 gives no phone nor email on FBA orders (and
    one discount tax for a promotion and a shipping discount together:
    ``_without_discount_taxes``)."""
    address = dataclasses.replace(order.customer.shipping_address, additional_info=None)
    customer = dataclasses.replace(order.customer, shipping_address=address)
    if order.fulfilled_by_marketplace:
        address = dataclasses.replace(address, phone=None, email=None)
        customer = dataclasses.replace(
            customer, shipping_address=address, email=None, external_id=None
        )
    lines = order.lines
    if order.status == OrderStatus.PENDING:
        # v0 reads gift messages with the prices, once payment is authorised
        lines = tuple(dataclasses.replace(line, gift_message=None) for line in lines)
    return dataclasses.replace(order, customer=customer, lines=lines)


def _without_discount_taxes(order):
    lines = tuple(
        dataclasses.replace(line, shipping_taxes=(), discount_taxes=())
        for line in order.lines
    )
    return dataclasses.replace(order, lines=lines)


def test_the_same_canonical_orders_as_v0(amazon_box, emulator):
    shares = dict(VARIETY_SHARES, net_share=0)
    ids = emulator.create_orders(SELLER, 120, malformed_share=0.05, **shares)
    old = {
        o["AmazonOrderId"]: o
        for o in import_all(make_client(amazon_box, orders_version="v0"))[0]
    }
    new = {o["orderId"]: o for o in import_all(make_client(amazon_box))[0]}
    compared = 0
    for order_id in ids:
        record = emulator.order_record(order_id)
        if record["kind"] == "malformed":
            # refused by both (a pending order may not show its defect yet)
            try:
                mapping.map_order(old[order_id])
            except errors.InvalidPayload:
                with pytest.raises(errors.InvalidPayload):
                    mapping_2026.map_order(new[order_id])
                continue
        v0, v2026 = (
            mapping.map_order(old[order_id]),
            mapping_2026.map_order(new[order_id]),
        )
        both = any(
            Decimal(item["promotion_discount"]) and Decimal(item["shipping_discount"])
            for item in record["items"]
        )
        if both and v0.total is not None:
            assert v2026.total == v0.total
            assert plan_sale_order(v2026).expected_total == v0.total
            v0, v2026 = _without_discount_taxes(v0), _without_discount_taxes(v2026)
        assert _comparable(v2026) == _comparable(v0), order_id
        compared += 1
    assert compared >= 114


def test_net_amounts_and_quantity_prices_to_amazon_s_cent(amazon_box, emulator):
    ids = emulator.create_orders(
        SELLER,
        60,
        net_share=1.0,
        quantity_price_share=0.5,
        zero_vat_share=0.3,
        promotion_share=0.5,
        gift_share=0.3,
    )
    orders = {o["orderId"]: o for o in import_all(make_client(amazon_box))[0]}
    for order_id in ids:
        record = emulator.order_record(order_id)
        order = mapping_2026.map_order(orders[order_id])
        assert order.tax_included
        assert order.total == Decimal(record["order_total"]), order_id
        assert plan_sale_order(order).expected_total == order.total
        for line, item in zip(order.lines, record["items"], strict=True):
            assert line.quantity == item["quantity"]


class _LaterClock:
    """The sandbox's clock, ``shift`` later."""

    def __init__(self, clock, shift):
        self.clock, self.shift = clock, shift

    def now(self):
        return self.clock.now() + self.shift


def test_an_expired_page_token_reads_the_window_again(amazon_box, emulator):
    ids = emulator.create_orders(SELLER, 250)
    client = make_client(amazon_box)
    since = datetime.now(timezone.utc) - timedelta(days=1)
    first = client.list_orders(since)
    assert len(first.orders) == 100 and first.next_page
    # the job of the next page runs a day later: Amazon refuses the token
    emulator.clock = _LaterClock(emulator.clock, timedelta(hours=25))
    orders, page = list(first.orders), first.next_page
    while page:
        result = client.list_orders(since, page=page)
        orders.extend(result.orders)
        page = result.next_page
    # nothing lost: the window was read again from its start
    assert {o["orderId"] for o in orders} == set(ids)
    assert emulator.get_stats()["searchOrders"]["calls"] == 1 + 1 + 3


def test_a_token_always_refused_ends_in_the_error(amazon_box, emulator):
    emulator.create_orders(SELLER, 150)
    client = make_client(amazon_box)
    since = datetime.now(timezone.utc) - timedelta(days=1)
    page = client.list_orders(since).next_page
    for _restart in range(MAX_RESTARTS):
        state = json.loads(page)
        state["token"] = state["token"][:-4] + "AAAA"  # altered
        page = client.list_orders(since, page=json.dumps(state)).next_page
    state = json.loads(page)
    state["token"] = state["token"][:-4] + "AAAA"
    with pytest.raises(errors.RemoteError) as err:
        client.list_orders(since, page=json.dumps(state))
    assert err.value.status == 400


def test_a_page_token_the_server_repeats_ends_the_walk():
    from ..fuzz.test_paging import _Server

    def answer(path):
        if path.startswith("/auth/o2/token"):
            return {"access_token": "Atza|x", "token_type": "bearer", "expires_in": 60}
        # the same nextToken forever
        return {"orders": [], "pagination": {"nextToken": "SAME"}}

    server = _Server(answer)
    try:
        client = AmazonClient(
            server.url,
            "Atzr|repeat",
            "amzn1.application-oa2-client.x",
            "secret",
            "A1SELLER",
            [FR],
            lwa_url=server.url + "/auth/o2/token",
        )
        since = datetime.now(timezone.utc) - timedelta(days=1)
        page = client.list_orders(since).next_page
        assert json.loads(page)["token"] == "SAME"
        with pytest.raises(errors.InvalidPayload, match="repeats an earlier"):
            client.list_orders(since, page=page)
        assert server.calls <= 3  # token, first page, the repeat
    finally:
        server.close()


def test_a_run_begun_on_v0_goes_on_on_2026(amazon_box, emulator):
    ids = emulator.create_orders(SELLER, 150)
    since = datetime.now(timezone.utc) - timedelta(days=1)
    first = make_client(amazon_box, orders_version="v0").list_orders(since)
    assert first.next_page
    # the account is switched between two pages: the window starts again
    orders, page = [], first.next_page
    client = make_client(amazon_box)
    while page:
        result = client.list_orders(since, page=page)
        orders.extend(result.orders)
        page = result.next_page
    assert {o["orderId"] for o in orders} == set(ids)
    with pytest.raises(errors.InvalidPayload):
        client.list_orders(since, page="not ours")


def test_known_orders_one_get_order_each_missing_left_out(amazon_box, emulator):
    ids = emulator.create_orders(SELLER, 5, gift_share=0.4)
    client = make_client(amazon_box)
    raws = client.get_orders([*ids[:3], "402-0000000-0000000", ids[4]])
    assert [raw["orderId"] for raw in raws] == [*ids[:3], ids[4]]
    assert calls(emulator, "getOrder20260101") == 5
    for raw in raws:
        order = client.map_order(raw)
        assert order.total == Decimal(
            emulator.order_record(order.external_id)["order_total"]
        )


def test_a_cancelled_order_is_not_shipped(amazon_box, emulator):
    (order_id,) = emulator.create_orders(SELLER, 1, lines=(1, 1))
    client = make_client(amazon_box)
    emulator.set_order_status(order_id, "Canceled")
    (raw,) = client.get_orders([order_id])
    assert client.raw_state(raw) == (OrderStatus.CANCELLED, "Canceled")
    with pytest.raises(errors.RemoteError, match="is Canceled on Amazon"):
        client.ship_order(order_id, Shipment(tracking_number="X1", carrier_code="DPD"))
    assert calls(emulator, "confirmShipment") == 0


def test_orders_v0_removed_is_an_error_to_act_on(amazon_box, emulator):
    (order_id,) = emulator.create_orders(SELLER, 1, lines=(1, 1))
    v0 = make_client(amazon_box, orders_version="v0")
    emulator.set_orders_v0_removed(True)
    since = datetime.now(timezone.utc) - timedelta(days=1)
    shipment = Shipment(tracking_number="X1", carrier_code="DPD")
    for call in (
        lambda: v0.list_orders(since),
        lambda: v0.get_orders([order_id]),
        lambda: v0.ship_order(order_id, shipment),
    ):
        with pytest.raises(OrdersApiRemoved) as err:
            call()
        assert isinstance(err.value, errors.ConfigError)
        assert "Switch the account to Orders API 2026-01-01" in str(err.value)
    # a 2026-01-01 account reads and ships as before (confirmShipment stays)
    client = make_client(amazon_box)
    orders, _pages = import_all(client)
    assert [o["orderId"] for o in orders] == [order_id]
    assert client.ship_order(order_id, shipment) == Outcome.DONE


def test_an_order_missing_on_v0_is_still_a_missing_order(amazon_box, emulator):
    v0 = make_client(amazon_box, orders_version="v0")
    with pytest.raises(errors.NotFound):
        v0.ship_order("402-0000000-0000000", Shipment(tracking_number="X1"))


def test_search_orders_has_its_own_rate_limit(amazon_box, emulator):
    emulator.set_rate_scale(1)  # Amazon's default plan: 0.0056/s, burst 20
    emulator.create_orders(SELLER, 1)
    client = make_client(amazon_box, max_wait=0.1)
    since = datetime.now(timezone.utc) - timedelta(days=1)
    for _call in range(20):
        client.list_orders(since)
    with pytest.raises(errors.ThrottledError) as err:
        client.list_orders(since)
    assert err.value.retry_after >= 170  # one call every 3 minutes
    assert emulator.get_stats()["searchOrders"]["429"] == 0
    # the other operations keep their own buckets
    assert client.get_orders(["402-0000000-0000000"]) == []


def test_malformed_orders_are_refused_with_their_reasons(amazon_box, emulator):
    ids = emulator.create_orders(SELLER, 40, unknown_sku_share=0.1, malformed_share=0.1)
    client = make_client(amazon_box)
    refused = set()
    for raw in import_all(client)[0]:
        try:
            client.map_order(raw)
        except errors.InvalidPayload as err:
            assert err.reasons
            refused.add(raw["orderId"])
    malformed = {i for i in ids if emulator.order_record(i)["kind"] == "malformed"}
    assert refused == malformed
