"""The Amazon client (python-amazon-sp-api underneath, unmodified) against
the sandbox's Amazon emulator, over real HTTP."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from mphub import errors
from mphub.amazon.client import AmazonClient
from mphub.amazon.mapping import map_order
from mphub.client import Outcome, Shipment
from mphub.offers import OfferRow, PriceRow, PushStatus, StockRow
from mphub.sandbox import Sandbox
from mphub.sandbox.amazon import LWA_CLIENT_ID, LWA_CLIENT_SECRET, SELLERS

SELLER = "A1SANDBOXSELLER1"
FR = "A13V1IB3VIYZZH"


@pytest.fixture
def amazon_box():
    with Sandbox(
        seed=7,
        options={"amazon": {"rate_scale": 1000, "feed_processing_seconds": 0}},
    ) as box:
        yield box


@pytest.fixture
def emulator(amazon_box):
    return amazon_box.emulators["amazon"]


def make_client(box, seller=SELLER, **options):
    """A client of the sandbox's seller; these tests are Orders API v0's
    (``test_amazon_orders_2026`` has v2026-01-01's)."""
    url = box.urls["amazon"]
    options.setdefault("orders_version", "v0")
    return AmazonClient(
        url,
        SELLERS[seller],
        LWA_CLIENT_ID,
        LWA_CLIENT_SECRET,
        seller,
        [FR],
        lwa_url=f"{url}/auth/o2/token",
        timeout=10,
        **options,
    )


def import_all(client, since=None):
    since = since or datetime.now(timezone.utc) - timedelta(days=1)
    orders, page, calls = [], None, 0
    while True:
        result = client.list_orders(since, page=page)
        orders.extend(result.orders)
        calls += 1
        page = result.next_page
        if not page:
            return orders, calls


def test_pages_through_orders_with_items_and_buyer(amazon_box, emulator):
    ids = emulator.create_orders(SELLER, 250, business_share=0.1)
    client = make_client(amazon_box)
    orders, _calls = import_all(client)
    assert sorted(o["AmazonOrderId"] for o in orders) == sorted(ids)
    for raw in orders:
        assert raw["OrderItems"], raw["AmazonOrderId"]
        # the restricted data token gave the buyer's name and street
        assert raw["ShippingAddress"].get("AddressLine1")
        order = map_order(raw)
        assert order.total == Decimal(raw["OrderTotal"]["Amount"])
    business = [map_order(o) for o in orders if o.get("IsBusinessOrder")]
    assert len(business) == 25
    assert all(order.customer.vat for order in business)
    stats = emulator.get_stats()
    assert stats["getOrders"]["calls"] == 3  # 100 + 100 + 50
    assert stats["getOrderItems"]["calls"] == 250


def test_a_page_is_split_over_calls_without_asking_twice(amazon_box, emulator):
    ids = emulator.create_orders(SELLER, 30)
    client = make_client(amazon_box, page_budget=0)
    orders, calls = import_all(client)
    assert sorted(o["AmazonOrderId"] for o in orders) == sorted(ids)
    assert calls == 30  # one order's items per call with no time budget
    stats = emulator.get_stats()
    assert stats["getOrders"]["calls"] == 1
    assert stats["getOrderItems"]["calls"] == 30


def test_import_window_ends_two_minutes_before_now(amazon_box, emulator):
    client = make_client(amazon_box)
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    too_late = datetime.now(timezone.utc) - timedelta(seconds=30)
    with pytest.raises(errors.RemoteError) as err:
        client.list_orders(since, updated_before=too_late)
    assert err.value.status == 400


def test_malformed_and_unknown_orders(amazon_box, emulator):
    ids = emulator.create_orders(SELLER, 40, unknown_sku_share=0.1, malformed_share=0.1)
    client = make_client(amazon_box)
    orders, _calls = import_all(client)
    kinds = {i: emulator.order_record(i)["kind"] for i in ids}
    refused = set()
    for raw in orders:
        try:
            map_order(raw)
        except errors.InvalidPayload:
            refused.add(raw["AmazonOrderId"])
    assert refused == {i for i, kind in kinds.items() if kind == "malformed"}


def test_pending_and_fba_orders(amazon_box, emulator):
    emulator.create_orders(SELLER, 20, afn_share=0.25, pending_share=0.25)
    client = make_client(amazon_box)
    orders = [map_order(raw) for raw in import_all(client)[0]]
    statuses = sorted(o.marketplace_status for o in orders)
    assert statuses.count("Pending") + statuses.count("AFN:Pending") == 5
    assert sum(1 for o in orders if o.fulfilled_by_marketplace) == 5


def test_promotions_match_the_total_to_the_cent(amazon_box, emulator):
    from mphub.orders import plan_sale_order

    emulator.create_orders(SELLER, 30, promotion_share=1.0)
    client = make_client(amazon_box)
    for raw in import_all(client)[0]:
        order = map_order(raw)
        plan = plan_sale_order(order)
        assert plan.expected_total == Decimal(raw["OrderTotal"]["Amount"])
        assert any(line.discount for line in order.lines)
        assert plan.discount_lines


def test_gift_wrapping_is_read_and_matches_the_total(amazon_box, emulator):
    from mphub.orders import plan_sale_order

    emulator.create_orders(SELLER, 10, gift_share=0.3)
    client = make_client(amazon_box)
    raws = import_all(client)[0]
    gifts = 0
    for raw in raws:
        order = map_order(raw)
        plan = plan_sale_order(order)
        assert plan.expected_total == Decimal(raw["OrderTotal"]["Amount"])
        if plan.gift_wrap_lines:
            gifts += 1
            (line,) = plan.gift_wrap_lines
            assert line.price_unit == Decimal("3.50")
            assert sum(c.tax_amount for c in line.charges) == Decimal("0.58")
            assert [ol.gift_message for ol in order.lines][0]
    assert gifts == 3
    # items read again with a restricted data token for the gifts only
    stats = emulator.get_stats()
    assert stats["getOrderItems"]["calls"] == 13


def test_gift_wrapping_missing_from_the_items_is_a_clear_error(amazon_box, emulator):
    (order_id,) = emulator.create_orders(SELLER, 1, gift_share=1)
    client = make_client(amazon_box)
    (raw,) = import_all(client)[0]
    for item in raw["OrderItems"]:
        item.pop("BuyerInfo", None)
    with pytest.raises(errors.InvalidPayload) as err:
        map_order(raw)
    assert "gift wrapping" in str(err.value)


def test_client_bucket_turns_into_a_delayed_retry(amazon_box, emulator):
    emulator.set_rate_scale(1)  # Amazon's default plan: getOrderItems 0.5/s
    emulator.create_orders(SELLER, 40)
    client = make_client(amazon_box, max_wait=0.1, page_budget=60)
    result = client.list_orders(datetime.now(timezone.utc) - timedelta(days=1))
    # the burst of 30 went through, then the bucket said to come back later
    assert len(result.orders) == 30
    assert result.next_page
    stats = emulator.get_stats()
    assert stats["getOrderItems"]["429"] == 0
    with pytest.raises(errors.ThrottledError) as err:
        client.list_orders(None, page=result.next_page)
    assert err.value.retry_after >= 1


def test_server_throttling_and_errors_are_mapped(amazon_box, emulator):
    client = make_client(amazon_box)
    emulator.set_faults({"rate_429": 1.0})
    with pytest.raises(errors.ThrottledError):
        client.test_connection()
    emulator.set_faults({"rate_429": 0, "rate_5xx": 1.0})
    with pytest.raises(errors.TransientError):
        client.test_connection()
    emulator.set_faults({"rate_5xx": 0, "expired_credentials": True})
    with pytest.raises(errors.AuthError):
        client.test_connection()
    emulator.set_faults({"expired_credentials": False})
    assert client.test_connection()["name"].startswith(SELLER)


def test_a_failed_restricted_call_leaves_no_token_behind(amazon_box, emulator):
    """python-amazon-sp-api keeps the restricted data token of a restricted
    call that fails; sent with the next calls, it unlocks what they should
    not see, and Amazon refuses it for the next token request (not
    restricted to it): the account would read as refused credentials."""
    from sp_api.api import Orders

    (order_id,) = emulator.create_orders(SELLER, 1)
    client = make_client(amazon_box)

    def lost():
        raise RuntimeError("the database of the shared buckets went away")

    # Amazon throttles the second getOrders, once its token is issued, and
    # what handles the 429 fails in turn (the shared buckets' database)
    client.throttle.bucket("getOrders").drain = lost
    emulator.set_faults({"call_frequency": {"getOrders": 3600}})
    assert client.get_orders([order_id])
    with pytest.raises(RuntimeError):
        client.get_orders([order_id])
    emulator.set_faults({"call_frequency": {}})
    # getOrder without a restricted data token: no buyer's personal data
    order = client.call("getOrder", client.api(Orders).get_order, order_id)
    assert order.payload["AmazonOrderId"] == order_id
    assert "BuyerInfo" not in order.payload
    # the next restricted call gets a token of its own
    (raw,) = client.get_orders([order_id])
    assert raw["BuyerInfo"]["BuyerName"]


def test_wrong_credentials(amazon_box):
    url = amazon_box.urls["amazon"]
    client = AmazonClient(
        url,
        "Atzr|unknown",
        LWA_CLIENT_ID,
        LWA_CLIENT_SECRET,
        SELLER,
        [FR],
        lwa_url=f"{url}/auth/o2/token",
    )
    with pytest.raises(errors.AuthError) as err:
        client.test_connection()
    assert "Atzr|unknown" not in str(err.value)


# confirmShipment stays Orders v0's; what it reads first comes from the
# account's version of the Orders API
VERSIONS = pytest.mark.parametrize("version", ["v0", "2026-01-01"])


@VERSIONS
def test_partial_then_full_shipment(amazon_box, emulator, version):
    (order_id,) = emulator.create_orders(SELLER, 1, lines=(2, 2))
    client = make_client(amazon_box, orders_version=version)
    raw = client.get_orders([order_id])[0]
    first, second = client.map_order(raw).lines
    outcome = client.ship_order(
        order_id,
        Shipment(
            tracking_number="6A001",
            carrier_code="Colissimo",
            lines={first.external_id: first.quantity},
        ),
    )
    assert outcome == Outcome.DONE
    assert emulator.order_record(order_id)["status"] == "PartiallyShipped"
    client.ship_order(
        order_id,
        Shipment(
            tracking_number="6A002",
            carrier_name="Coursier Lyon",
            lines={second.external_id: second.quantity},
        ),
    )
    record = emulator.order_record(order_id)
    assert record["status"] == "Shipped"
    packages = [s["packageDetail"] for s in record["shipments"]]
    assert [p["trackingNumber"] for p in packages] == ["6A001", "6A002"]
    assert packages[1]["carrierCode"] == "Other"
    assert packages[1]["carrierName"] == "Coursier Lyon"
    # sent again (a retry after a lost answer): nothing left to ship
    again = client.ship_order(
        order_id,
        Shipment(lines={second.external_id: second.quantity}),
    )
    assert again == Outcome.ALREADY
    assert len(emulator.order_record(order_id)["shipments"]) == 2
    if version == "2026-01-01":
        # what confirmShipment read came from v2026-01-01, nothing from v0
        stats = emulator.get_stats()
        assert stats["getOrder20260101"]["calls"] == 4
        assert "getOrder" not in stats and "getOrderItems" not in stats


def test_few_offers_are_patched(amazon_box, emulator):
    skus = emulator.create_listings(SELLER, 5, quantity=3)
    client = make_client(amazon_box)
    status = client.push_stock(
        [StockRow(skus[0], 12), StockRow(skus[1], 0), StockRow("NOPE-1", 4)]
    )
    assert isinstance(status, PushStatus) and status.done
    assert set(status.errors) == {"NOPE-1"}
    assert emulator.listing_record(SELLER, skus[0])["quantity"] == 12
    assert emulator.listing_record(SELLER, skus[1])["quantity"] == 0
    status = client.push_prices([PriceRow(skus[2], Decimal("19.90"))])
    assert not status.errors
    record = emulator.listing_record(SELLER, skus[2])
    assert Decimal(str(record["prices"][FR])) == Decimal("19.90")


def test_many_offers_go_in_one_feed(amazon_box, emulator):
    skus = emulator.create_listings(SELLER, 60, quantity=1)
    client = make_client(amazon_box)
    rows = [StockRow(sku, n) for n, sku in enumerate(skus)]
    rows.append(StockRow("NOPE-2", 5))
    rows.append(StockRow(skus[0], -3))  # refused by Amazon
    feed_id = client.push_stock(rows)
    assert isinstance(feed_id, str)
    status = client.push_status("stock", feed_id, skus=[r.sku for r in rows])
    assert status.done and not status.failed
    assert "NOPE-2" in status.errors
    assert emulator.listing_record(SELLER, skus[5])["quantity"] == 5
    stats = emulator.get_stats()
    assert stats["createFeed"]["calls"] == 1
    assert stats.get("patchListingsItem", {}).get("calls", 0) == 0


def test_quantities_and_prices_go_in_the_same_messages(amazon_box, emulator):
    skus = emulator.create_listings(SELLER, 30, quantity=1)
    client = make_client(amazon_box)
    before = {sku: emulator.listing_record(SELLER, sku)["prices"][FR] for sku in skus}
    rows = [OfferRow(sku, quantity=4, price=Decimal("30.00")) for sku in skus[:20]]
    rows += [OfferRow(sku, quantity=6) for sku in skus[20:25]]
    rows += [OfferRow(sku, price=Decimal("12.50")) for sku in skus[25:]]
    rows.append(OfferRow(skus[0], quantity=-1, price=Decimal("99.00")))  # refused
    feed_id = client.push_offers(rows)
    assert emulator.get_stats()["createFeed"]["calls"] == 1
    status = client.push_status("stock", feed_id, skus=[row.sku for row in rows])
    assert status.done and not status.failed
    assert set(status.errors) == {skus[0]}
    record = emulator.listing_record
    # the refused message changed nothing: quantity nor price
    assert record(SELLER, skus[0])["quantity"] == 4
    assert Decimal(str(record(SELLER, skus[0])["prices"][FR])) == Decimal("30.00")
    assert record(SELLER, skus[1])["history"][-1][2] == 2  # both patches
    assert record(SELLER, skus[22])["quantity"] == 6
    assert record(SELLER, skus[22])["prices"][FR] == before[skus[22]]
    assert record(SELLER, skus[27])["quantity"] == 1
    assert Decimal(str(record(SELLER, skus[27])["prices"][FR])) == Decimal("12.50")
    # a few offers: one patch request each, with both patches
    status = client.push_offers(
        [OfferRow(skus[2], quantity=9, price=Decimal("8.00")), OfferRow("NOPE", 1)]
    )
    assert status.done and set(status.errors) == {"NOPE"}
    assert emulator.get_stats()["patchListingsItem"]["calls"] == 2
    assert record(SELLER, skus[2])["quantity"] == 9
    assert Decimal(str(record(SELLER, skus[2])["prices"][FR])) == Decimal("8.00")
    with pytest.raises(ValueError):
        client.push_offers([OfferRow(skus[3])])


def test_listings_are_read_page_by_page(amazon_box, emulator):
    skus = emulator.create_listings(SELLER, 45, unknown_sku_share=0.2)
    client = make_client(amazon_box)
    listings, page = [], None
    while True:
        result = client.list_listings(page)
        listings.extend(result.listings)
        page = result.next_page
        if not page:
            break
    assert sorted(listing.sku for listing in listings) == sorted(skus)
    assert all(listing.eans for listing in listings)
    assert all(listing.quantity is not None for listing in listings)
    assert all(listing.price for listing in listings)


def test_price_push_keeps_the_business_offer(amazon_box, emulator):
    from sp_api.api import ListingsItems

    (sku,) = emulator.create_listings(SELLER, 1)
    client = make_client(amazon_box)
    b2b = {
        "marketplace_id": FR,
        "currency": "EUR",
        "audience": "B2B",
        "our_price": [{"schedule": [{"value_with_tax": 15.0}]}],
    }
    client.call(
        "patchListingsItem",
        client.api(ListingsItems).patch_listings_item,
        SELLER,
        sku,
        marketplaceIds=[FR],
        body={
            "productType": "PRODUCT",
            "patches": [
                {"op": "merge", "path": "/attributes/purchasable_offer", "value": [b2b]}
            ],
        },
    )
    status = client.push_prices([PriceRow(sku, Decimal("21.50"))])
    assert not status.errors
    offers = emulator.listing_record(SELLER, sku)["attributes"]["purchasable_offer"]
    by_audience = {offer["audience"]: offer for offer in offers}
    assert by_audience["B2B"]["our_price"][0]["schedule"][0]["value_with_tax"] == 15.0
    assert by_audience["ALL"]["our_price"][0]["schedule"][0]["value_with_tax"] == 21.5


def test_several_marketplaces(amazon_box, emulator):
    skus = emulator.create_listings(SELLER, 2)
    client = make_client(amazon_box)
    client.marketplace_ids = [FR, "A1PA6795UKMFR9"]
    client.price_marketplace_ids = list(client.marketplace_ids)
    status = client.push_prices([PriceRow(skus[0], Decimal("12.00"))])
    assert not status.errors
    prices = emulator.listing_record(SELLER, skus[0])["prices"]
    assert Decimal(str(prices[FR])) == Decimal(str(prices["A1PA6795UKMFR9"])) == 12


@VERSIONS
def test_a_retried_delivery_is_not_declared_twice(amazon_box, emulator, version):
    ids = emulator.create_orders(SELLER, 10, lines=(1, 1))
    client = make_client(amazon_box, orders_version=version)
    order_id, item = next(
        (order.external_id, order.lines[0])
        for order in map(client.map_order, client.get_orders(ids))
        if order.lines[0].quantity > 1
    )
    item_id, ordered = item.external_id, item.quantity
    first = Shipment(
        tracking_number="D1", carrier_code="DPD", lines={item_id: 1}, declared={}
    )
    assert client.ship_order(order_id, first) == Outcome.DONE
    # the answer was lost: the same delivery is sent again, nothing more
    assert client.ship_order(order_id, first) == Outcome.ALREADY
    assert len(emulator.order_record(order_id)["shipments"]) == 1
    assert emulator.order_record(order_id)["status"] == "PartiallyShipped"
    # the next delivery ships the rest
    rest = Shipment(
        tracking_number="D2",
        carrier_code="DPD",
        lines={item_id: ordered - 1},
        declared={item_id: 1},
    )
    assert client.ship_order(order_id, rest) == Outcome.DONE
    assert emulator.order_record(order_id)["status"] == "Shipped"
