"""Amazon emulator: Orders API v2026-01-01 through the real
python-amazon-sp-api client (``OrdersV20260101``), refusals over plain HTTP,
the variety of its orders, and the switch that removes Orders v0."""

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests
from mphub.sandbox.amazon import (
    DE,
    FR,
    SELLERS,
    AmazonEmulator,
)
from mphub.sandbox.amazon_orders_2026 import (
    FULFILLMENT_STATUSES,
    INCLUDED_DATA,
    STATUS_2026,
    V0_REMOVED,
    VARIETY_SHARES,
)
from sp_api.api import Orders, OrdersV20260101
from sp_api.base import (
    SellingApiBadRequestException,
    SellingApiNotFoundException,
    SellingApiRequestThrottledException,
)

from .test_amazon_orders import confirm_body, drain_bucket, lwa

SELLER = "A1SANDBOXSELLER1"
SINCE = "2020-01-01T00:00:00Z"
ALL = list(INCLUDED_DATA)
SEARCH = "/orders/2026-01-01/orders"
BASIC_ORDER_KEYS = {
    "orderId",
    "orderAliases",
    "createdTime",
    "lastUpdatedTime",
    "programs",
    "associatedOrders",
    "salesChannel",
    "orderItems",
}
# dataset -> (keys it adds to an order, keys it adds to an order item)
GATED = {
    "BUYER": ({"buyer"}, set()),
    "RECIPIENT": ({"recipient"}, set()),
    "PROCEEDS": ({"proceeds"}, {"proceeds"}),
    "EXPENSE": (set(), set()),  # Amazon points: none on EU marketplaces
    "PROMOTION": (set(), {"promotion"}),
    "CANCELLATION": (set(), {"cancellation"}),
    "FULFILLMENT": ({"fulfillment"}, {"fulfillment"}),
    "PACKAGES": ({"packages"}, set()),
    "TAX": ({"tax"}, set()),
    "PAYMENT": ({"payment"}, set()),
    "FULFILLMENT_ORDERS": ({"fulfillmentOrders"}, set()),
}


def amount(money):
    return Decimal(money["amount"])


def breakdowns(proceeds):
    """type -> subtotal of a proceeds' breakdowns."""
    return {row["type"]: amount(row["subtotal"]) for row in proceeds["breakdowns"]}


def detailed(proceeds, kind):
    """subtype -> value of an item's breakdown ``kind``."""
    for row in proceeds["breakdowns"]:
        if row["type"] == kind:
            return {d["subtype"]: amount(d["value"]) for d in row["detailedBreakdowns"]}
    return {}


def conventions(proceeds):
    """The readings of an order's breakdowns its grandTotal fits: "net"
    (TAX on top) and/or "inclusive" (TAX included)."""
    rows = breakdowns(proceeds)
    total = amount(proceeds["grandTotal"])
    found = set()
    if sum(rows.values()) == total:
        found.add("net")
    if sum(v for k, v in rows.items() if k != "TAX") == total:
        found.add("inclusive")
    return found


def search_all(client, **params):
    """Every order of a search, page after page, the other parameters sent
    again with each token."""
    orders, token, pages = [], None, 0
    while True:
        extra = {"paginationToken": token} if token else {}
        answer = client.search_orders(**params, **extra)
        pages += 1
        assert "payload" not in answer.payload
        orders += answer.payload["orders"]
        token = answer.next_token
        if not token:
            return orders, pages


@pytest.fixture
def api(amazon_server):
    """Raw SP-API calls as seller 1: ``api(path, status=200, **params)``."""
    token = lwa(amazon_server.url).json()["access_token"]
    session = requests.Session()
    session.headers["x-amz-access-token"] = token

    def call(path, status=200, method="GET", **kwargs):
        response = session.request(
            method, amazon_server.url + path, timeout=10, **kwargs
        )
        if status is not None:
            assert response.status_code == status, response.text
        return response

    return call


@pytest.fixture
def client(sp_client):
    return sp_client(OrdersV20260101)


def invalid_input(response, *words):
    body = response.json()
    assert body["errors"][0]["code"] == "InvalidInput"
    assert set(body["errors"][0]) == {"code", "message", "details"}
    for word in words:
        assert word in body["errors"][0]["message"]
    assert response.headers["x-amzn-RateLimit-Limit"]


# ----------------------------------------------------------------------
# searchOrders and getOrder
# ----------------------------------------------------------------------
def test_search_pages_through_every_order_with_the_real_client(amazon, client):
    ids = amazon.create_orders(SELLER, 250, afn_share=0.2, pending_share=0.1)
    amazon.create_orders("A2SANDBOXSELLER2", 5)
    orders, pages = search_all(
        client, lastUpdatedAfter=SINCE, maxResultsPerPage=100, includedData=ALL
    )
    assert pages == 3
    assert [o["orderId"] for o in orders] == ids
    first = client.search_orders(lastUpdatedAfter=SINCE, maxResultsPerPage=100)
    assert first.rate_limit == "5.6"  # 0.0056 x the fixture's rate_scale
    # the library keeps ``pagination`` apart from the payload
    assert first.pagination["nextToken"] == first.next_token
    before = first.payload["lastUpdatedBefore"]
    assert "createdBefore" not in first.payload
    # a following page may change maxResultsPerPage and includedData only
    second = client.search_orders(
        lastUpdatedAfter=SINCE,
        maxResultsPerPage=7,
        includedData=["FULFILLMENT"],
        paginationToken=first.next_token,
    )
    assert [o["orderId"] for o in second.payload["orders"]] == ids[100:107]
    assert second.payload["lastUpdatedBefore"] == before
    assert "proceeds" not in second.payload["orders"][0]
    assert second.payload["orders"][0]["fulfillment"]["fulfillmentStatus"]
    statuses = Counter(o["fulfillment"]["fulfillmentStatus"] for o in orders)
    assert statuses["PENDING"] == 25
    assert statuses["SHIPPED"] + statuses["UNSHIPPED"] == 225
    by = Counter(o["fulfillment"]["fulfilledBy"] for o in orders)
    assert by == {"MERCHANT": 200, "AMAZON": 50}
    one = client.get_order(ids[3], includedData=ALL)
    assert one.rate_limit == "500"
    assert one.payload["order"] == next(o for o in orders if o["orderId"] == ids[3])
    with pytest.raises(SellingApiNotFoundException) as raised:
        client.get_order("401-0000000-0000000")
    assert raised.value.error[0]["code"] == "NotFound"


def test_an_order_is_the_same_in_both_versions(amazon, sp_client):
    ids = amazon.create_orders(SELLER, 60, **VARIETY_SHARES)
    v0 = sp_client(Orders)
    new = sp_client(OrdersV20260101)
    compared = 0
    for order_id in ids:
        record = amazon.order_record(order_id)
        old = v0.get_order(order_id, RestrictedResources=["buyerInfo"]).payload
        items = v0.get_order_items(order_id, RestrictedResources=["buyerInfo"])
        items = items.payload["OrderItems"]
        order = new.get_order(order_id, includedData=ALL).payload["order"]
        assert order["orderId"] == old["AmazonOrderId"]
        assert order["lastUpdatedTime"] == old["LastUpdateDate"]
        assert order["createdTime"] == old["PurchaseDate"]
        fulfillment = order["fulfillment"]
        assert fulfillment["fulfillmentStatus"] == STATUS_2026[old["OrderStatus"]]
        expected_by = {"MFN": "MERCHANT", "AFN": "AMAZON"}[old["FulfillmentChannel"]]
        assert fulfillment["fulfilledBy"] == expected_by
        assert fulfillment["shipByWindow"]["latestDateTime"] == old["LatestShipDate"]
        programs = set(order.get("programs", ()))
        assert ("AMAZON_BUSINESS" in programs) == old["IsBusinessOrder"]
        assert ("PRIME" in programs) == old["IsPrime"]
        assert ("PREORDER" in programs) == (old["OrderType"] == "Preorder")
        replaced = [a["orderId"] for a in order.get("associatedOrders", ())]
        assert replaced == (
            [old["ReplacedOrderId"]] if old["IsReplacementOrder"] else []
        )
        aliases = [a["aliasId"] for a in order.get("orderAliases", ())]
        assert aliases == (
            [] if old["SellerOrderId"] == order_id else [old["SellerOrderId"]]
        )
        purchase_order = old["BuyerInfo"].get("PurchaseOrderNumber")
        assert order["buyer"].get("buyerPurchaseOrderNumber") == purchase_order
        assert [i["orderItemId"] for i in order["orderItems"]] == [
            i["OrderItemId"] for i in items
        ]
        for item, line in zip(order["orderItems"], items, strict=True):
            assert item["product"]["sellerSku"] == line["SellerSKU"]
            assert item["quantityOrdered"] == line["QuantityOrdered"]
            assert item["fulfillment"]["quantityFulfilled"] == line["QuantityShipped"]
            cancel = line.get("BuyerRequestedCancel", {}).get("BuyerCancelReason")
            request = item.get("cancellation", {}).get("cancellationRequest", {})
            assert request.get("cancelReason") == cancel
        if "OrderTotal" not in old:
            assert "proceeds" not in order and record["status"] in (
                "Pending",
                "PendingAvailability",
            )
            continue
        assert amount(order["proceeds"]["grandTotal"]) == Decimal(
            old["OrderTotal"]["Amount"]
        )
        assert order["proceeds"]["grandTotal"]["amount"] == record["order_total"]
        for item, line in zip(order["orderItems"], items, strict=True):
            assert_same_amounts(item, line)
        compared += 1
    assert compared >= 40


def assert_same_amounts(item, line):
    """A v2026-01-01 item's breakdowns are its v0 amounts, to the cent."""

    def v0(name):
        return Decimal(line[name]["Amount"]) if name in line else Decimal(0)

    gift = line.get("BuyerInfo", {})
    rows = breakdowns(item["proceeds"])
    assert rows["ITEM"] == v0("ItemPrice")
    assert rows.get("SHIPPING", Decimal(0)) == v0("ShippingPrice")
    wrap = Decimal(gift["GiftWrapPrice"]["Amount"]) if gift else Decimal(0)
    assert rows.get("GIFT_WRAP", Decimal(0)) == wrap
    wrap_tax = Decimal(gift["GiftWrapTax"]["Amount"]) if gift else Decimal(0)
    discount = v0("PromotionDiscount") + v0("ShippingDiscount")
    assert rows.get("DISCOUNT", Decimal(0)) == -discount
    taxes = detailed(item["proceeds"], "TAX")
    assert taxes["ITEM"] == v0("ItemTax")
    assert taxes.get("SHIPPING", Decimal(0)) == v0("ShippingTax")
    assert taxes.get("GIFT_WRAP", Decimal(0)) == wrap_tax
    discount_tax = v0("PromotionDiscountTax") + v0("ShippingDiscountTax")
    assert taxes.get("DISCOUNT", Decimal(0)) == -discount_tax
    assert rows["TAX"] == sum(taxes.values())


def test_the_variety_of_the_contract_is_produced(amazon, client):
    amazon.create_orders(
        SELLER, 200, unknown_sku_share=0.05, malformed_share=0.05, **VARIETY_SHARES
    )
    orders, pages = search_all(client, createdAfter=SINCE, includedData=ALL)
    assert pages == 2 and len(orders) == 200
    records = {o["orderId"]: amazon.order_record(o["orderId"]) for o in orders}
    seen = Counter()
    for order in orders:
        record = records[order["orderId"]]
        seen.update(variety_of(order, record))
    statuses = {s for s in FULFILLMENT_STATUSES if seen[s]}
    assert statuses == set(FULFILLMENT_STATUSES)
    for kind in (
        "net",
        "inclusive",
        "quantity price",
        "gift wrap",
        "gift option",
        "promotion",
        "discount tax",
        "zero VAT",
        "business",
        "purchase order",
        "buyer VAT",
        "prime",
        "replacement",
        "seller order id",
        "cancellation request",
        "cancellation",
        "AMAZON",
        "MERCHANT",
        "package",
        "no second line",
        "second line",
        "no phone",
        "no state",
        "pending without proceeds",
        "easy ship",
    ):
        assert seen[kind] >= 2, (kind, seen)
    # each share is exact, and the same seed gives the same orders
    values = list(records.values())
    assert sum(r["net_amounts"] for r in values) == 0.4 * 200
    assert sum(r["prime"] for r in values) == 0.3 * 200
    assert sum(bool(r["seller_order_id"]) for r in values) == 0.3 * 200
    assert sum(r["status"] == "Canceled" for r in values) == 0.08 * 200
    again = AmazonEmulator(seed=42, rate_scale=0)
    ids = again.create_orders(
        SELLER, 200, unknown_sku_share=0.05, malformed_share=0.05, **VARIETY_SHARES
    )
    assert ids == [o["orderId"] for o in orders]
    for order_id in ids[:20]:
        assert undated(again.order_record(order_id)) == undated(records[order_id])


def undated(record):
    return {
        key: value
        for key, value in record.items()
        if key not in ("purchase_date", "last_update_date", "history")
    }


def variety_of(order, record):
    """The kinds of variety an order (every dataset included) shows."""
    kinds = [order["fulfillment"]["fulfillmentStatus"]]
    kinds.append(order["fulfillment"]["fulfilledBy"])
    programs = order.get("programs", ())
    kinds += [
        name
        for name, present in (
            ("business", "AMAZON_BUSINESS" in programs),
            ("prime", "PRIME" in programs),
            ("easy ship", "fulfillmentOrders" in order),
            ("replacement", "associatedOrders" in order),
            ("seller order id", "orderAliases" in order),
            ("purchase order", "buyerPurchaseOrderNumber" in order["buyer"]),
            ("buyer VAT", "tax" in order),
            ("package", bool(order.get("packages"))),
        )
        if present
    ]
    if "proceeds" not in order:
        kinds.append("pending without proceeds")
        assert order["fulfillment"]["fulfillmentStatus"].startswith("PENDING")
        assert "recipient" not in order
        return kinds
    address = order["recipient"]["deliveryAddress"]
    kinds += [
        "second line" if "addressLine2" in address else "no second line",
        *(["no phone"] if "phone" not in address else []),
        *(["no state"] if "stateOrRegion" not in address else []),
    ]
    if record["kind"] == "malformed":
        return kinds
    found = conventions(order["proceeds"])
    expected = "net" if record["net_amounts"] else "inclusive"
    assert expected in found, (order["orderId"], found)
    kinds.append(expected)
    for item in order["orderItems"]:
        kinds += item_variety(item)
    return kinds


def item_variety(item):
    kinds = []
    price = item["product"].get("price")
    rows = breakdowns(item["proceeds"])
    if price and amount(price["unitPrice"]) * item["quantityOrdered"] != rows["ITEM"]:
        kinds.append("quantity price")
    if "GIFT_WRAP" in rows:
        kinds.append("gift wrap")
    if "giftOption" in item["fulfillment"].get("packing", {}):
        kinds.append("gift option")
    if rows.get("DISCOUNT", 0) < 0:
        kinds.append("promotion")
    if detailed(item["proceeds"], "TAX").get("DISCOUNT", 0) < 0:
        kinds.append("discount tax")
    if rows["ITEM"] and not detailed(item["proceeds"], "TAX")["ITEM"]:
        kinds.append("zero VAT")
    cancellation = item.get("cancellation", {})
    if "cancellationRequest" in cancellation:
        kinds.append("cancellation request")
    if "cancellationExecution" in cancellation:
        kinds.append("cancellation")
    return kinds


@pytest.mark.parametrize("dataset", INCLUDED_DATA)
def test_included_data_gates_each_dataset(amazon, client, dataset):
    cancelled, shipped = amazon.create_orders(
        SELLER,
        2,
        business_share=1,
        gift_share=1,
        promotion_share=1,
        cancel_request_share=1,
        easy_ship_share=1,
        lines=(2, 2),
    )
    amazon.set_order_status(cancelled, "Canceled")
    amazon.set_order_status(shipped, "Shipped")
    base = {"orderItemId", "quantityOrdered", "product"}
    bare = client.get_order(shipped).payload["order"]
    assert set(bare) <= BASIC_ORDER_KEYS
    assert all(set(item) == base for item in bare["orderItems"])
    order = client.get_order(shipped, includedData=[dataset]).payload["order"]
    order_keys, item_keys = GATED[dataset]
    assert set(order) - set(bare) == order_keys
    added = [set(item) - base for item in order["orderItems"]]
    assert all(keys <= item_keys for keys in added)
    assert item_keys in added  # the first item has a promotion and so on
    if dataset == "CANCELLATION":
        order = client.get_order(cancelled, includedData=[dataset]).payload["order"]
        executions = [
            i["cancellation"]["cancellationExecution"] for i in order["orderItems"]
        ]
        assert {e["cancelledBy"] for e in executions} == {"MERCHANT"}
    # the fulfillment status comes with FULFILLMENT only
    page = client.search_orders(lastUpdatedAfter=SINCE, includedData=[dataset])
    assert all(
        ("fulfillment" in o) == (dataset == "FULFILLMENT")
        for o in page.payload["orders"]
    )


def test_pending_orders_have_no_amounts_until_priced(amazon, client):
    ids = amazon.create_orders(
        SELLER, 2, status_shares={"Pending": 0.5, "PENDING_AVAILABILITY": 0.5}
    )
    pending, preorder = sorted(ids, key=lambda i: amazon.order_record(i)["preorder"])
    for order_id, status in ((pending, "PENDING"), (preorder, "PENDING_AVAILABILITY")):
        order = client.get_order(order_id, includedData=ALL).payload["order"]
        assert order["fulfillment"]["fulfillmentStatus"] == status
        assert not {"proceeds", "recipient", "payment"} & set(order)
        assert all(
            "proceeds" not in i and "price" not in i["product"]
            for i in order["orderItems"]
        )
    assert "PREORDER" in client.get_order(preorder).payload["order"]["programs"]
    record = amazon.set_order_status(pending, "UNSHIPPED")
    order = client.get_order(pending, includedData=["PROCEEDS"]).payload["order"]
    assert order["proceeds"]["grandTotal"]["amount"] == record["order_total"]
    assert record["status"] == "Unshipped"


def test_filters_and_marketplaces(amazon, client, api):
    mine = amazon.create_orders(SELLER, 4)
    shipped = amazon.create_orders(SELLER, 3, afn_share=1)
    german = amazon.create_orders(SELLER, 2, marketplace_id=DE)

    def ids(**params):
        orders, _pages = search_all(client, lastUpdatedAfter=SINCE, **params)
        return [o["orderId"] for o in orders]

    # python-amazon-sp-api adds its own marketplace only
    assert ids() == mine + shipped
    assert ids(marketplaceIds=[FR, DE]) == mine + shipped + german
    assert ids(fulfilledBy=["AMAZON"]) == shipped
    assert ids(fulfillmentStatuses=["SHIPPED", "PENDING"]) == shipped
    assert ids(marketplaceIds=[DE], fulfillmentStatuses=["UNSHIPPED"]) == german
    # no marketplaceIds at all: every marketplace of the seller
    answer = api(SEARCH, params={"createdAfter": SINCE}).json()
    assert [o["orderId"] for o in answer["orders"]] == mine + shipped + german
    assert "createdBefore" in answer and "lastUpdatedBefore" not in answer
    # no order-id filter: v0's AmazonOrderIds is not a parameter here
    filtered = api(SEARCH, params={"createdAfter": SINCE, "AmazonOrderIds": mine[0]})
    assert len(filtered.json()["orders"]) == 9


def now_iso(minutes=0):
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat()


@pytest.mark.parametrize(
    "params, words",
    [
        (
            {"LastUpdatedAfter": SINCE},
            "Exactly one of createdAfter and lastUpdatedAfter",
        ),
        ({"CreatedAfter": SINCE}, "Exactly one"),
        ({"createdAfter": SINCE, "lastUpdatedAfter": SINCE}, "Exactly one"),
        ({"createdAfter": SINCE, "lastUpdatedBefore": SINCE}, "cannot be used"),
        ({"lastUpdatedAfter": SINCE, "createdBefore": SINCE}, "cannot be used"),
        ({"lastUpdatedAfter": "yesterday"}, "ISO 8601"),
        ({"lastUpdatedAfter": "-1min"}, "2 minutes"),
        ({"lastUpdatedAfter": SINCE, "lastUpdatedBefore": "-1min"}, "2 minutes"),
        ({"createdAfter": "2021-01-01T00:00:00Z", "createdBefore": SINCE}, "later"),
        ({"createdAfter": SINCE, "maxResultsPerPage": 0}, "maxResultsPerPage"),
        ({"createdAfter": SINCE, "maxResultsPerPage": 101}, "maxResultsPerPage"),
        ({"createdAfter": SINCE, "fulfillmentStatuses": ["Canceled"]}, "Canceled"),
        ({"createdAfter": SINCE, "fulfilledBy": ["AFN"]}, "fulfilledBy"),
        ({"createdAfter": SINCE, "includedData": ["ITEMS"]}, "includedData"),
        ({"createdAfter": SINCE, "marketplaceIds": ["ATVPDKIKX0DER"]}, "Marketplace"),
        ({"createdAfter": SINCE, "paginationToken": "not-a-token"}, "paginationToken"),
    ],
)
def test_search_refuses_bad_queries(client, params, words):
    for key, value in params.items():
        if value == "-1min":
            params[key] = now_iso(-1)
    with pytest.raises(SellingApiBadRequestException) as raised:
        client.search_orders(**params)
    error = raised.value.error[0]
    assert error["code"] == "InvalidInput"
    assert words in error["message"]


def test_page_tokens_need_the_same_parameters_and_expire(amazon, api, monkeypatch):
    amazon.create_orders(SELLER, 5)
    query = {"lastUpdatedAfter": SINCE, "maxResultsPerPage": 2, "marketplaceIds": FR}
    token = api(SEARCH, params=query).json()["pagination"]["nextToken"]
    # a token alone, or with other values, is refused
    invalid_input(api(SEARCH, 400, params={"paginationToken": token}), "changed")
    for changed, name in (
        ({"lastUpdatedAfter": "2021-01-01T00:00:00Z"}, "lastUpdatedAfter"),
        ({"marketplaceIds": f"{FR},{DE}"}, "marketplaceIds"),
        ({"fulfillmentStatuses": "UNSHIPPED"}, "fulfillmentStatuses"),
        ({"lastUpdatedBefore": now_iso(-5)}, "lastUpdatedBefore"),
    ):
        params = {**query, **changed, "paginationToken": token}
        invalid_input(api(SEARCH, 400, params=params), name)
    # the same instant written otherwise, another page size, other datasets
    same = {
        **query,
        "lastUpdatedAfter": "2020-01-01T01:00:00+01:00",
        "maxResultsPerPage": 3,
        "includedData": "BUYER,PROCEEDS",
        "paginationToken": token,
    }
    page = api(SEARCH, params=same).json()
    assert len(page["orders"]) == 3 and "buyer" in page["orders"][0]
    # altered, or another seller's
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    invalid_input(api(SEARCH, 400, params={**query, "paginationToken": forged}))
    other = lwa(amazon.test_url, refresh_token=SELLERS["A2SANDBOXSELLER2"])
    other = other.json()["access_token"]
    denied = requests.get(
        amazon.test_url + SEARCH,
        params={**query, "paginationToken": token},
        headers={"x-amz-access-token": other},
        timeout=5,
    )
    assert denied.status_code == 400
    invalid_input(denied, "Invalid paginationToken")
    # 24 hours later on the sandbox clock, the token has expired
    real_now = amazon.clock.now
    monkeypatch.setattr(
        amazon.clock, "now", lambda: real_now() + timedelta(hours=24, seconds=1)
    )
    invalid_input(
        api(SEARCH, 400, params={**query, "paginationToken": token}), "expired"
    )
    monkeypatch.setattr(
        amazon.clock, "now", lambda: real_now() + timedelta(hours=23, minutes=59)
    )
    assert api(SEARCH, params={**query, "paginationToken": token}).json()["orders"]


@pytest.mark.amazon(rate_scale=1)
def test_rate_limits_of_the_contract(amazon, client):
    search = client.search_orders
    drain_bucket(amazon, lambda: search(lastUpdatedAfter=SINCE), "searchOrders", 20)
    (order_id,) = amazon.create_orders(SELLER, 1)
    assert client.get_order(order_id).rate_limit == "0.5"
    # a tenth of the plan: 0.05 a second, a burst of 3
    amazon.set_rate_scale(0.1)
    for _ in range(3):
        assert client.get_order(order_id).rate_limit == "0.05"
    with pytest.raises(SellingApiRequestThrottledException):
        client.get_order(order_id)
    amazon.set_rate_scale(0)
    for _ in range(50):
        client.search_orders(lastUpdatedAfter=SINCE)


def test_faults_apply_to_the_2026_routes(amazon, api):
    (order_id,) = amazon.create_orders(SELLER, 1)
    paths = (SEARCH, f"{SEARCH}/{order_id}")
    params = {"lastUpdatedAfter": SINCE}
    amazon.set_faults({"rate_429": 1})
    for path in paths:
        answer = api(path, 429, params=params)
        assert answer.json()["errors"][0]["code"] == "QuotaExceeded"
    amazon.set_faults({"rate_429": 0, "rate_5xx": 1})
    for path in paths:
        answer = api(path, None, params=params)
        assert answer.status_code in (500, 502, 503)
        assert answer.json()["errors"][0]["code"] == "InternalFailure"
    amazon.set_faults({"rate_5xx": 0, "rate_corrupt": 1})
    for path in paths:
        with pytest.raises(ValueError):
            json.loads(api(path, params=params).content)
    amazon.set_faults({"rate_corrupt": 0, "rate_timeout": 1, "timeout_seconds": 0})
    api(SEARCH, params=params)
    stats = amazon.get_stats()
    assert stats["searchOrders"]["429"] == 1 and stats["searchOrders"]["5xx"] == 1
    assert stats["searchOrders"]["corrupt"] == 1
    assert stats["searchOrders"]["timeout"] == 1
    assert stats["getOrder20260101"]["corrupt"] == 1


def test_shipments_show_as_packages_and_statuses(amazon, client, sp_client):
    (order_id,) = amazon.create_orders(SELLER, 1, lines=(2, 2))
    (afn,) = amazon.create_orders(SELLER, 1, afn_share=1)
    (marketplace,) = amazon.create_orders(SELLER, 1, status="SHIPPED")
    order = client.get_order(order_id, includedData=ALL).payload["order"]
    assert "packages" not in order
    first, second = order["orderItems"]
    v0 = sp_client(Orders)
    body = confirm_body(
        [(first["orderItemId"], first["quantityOrdered"])],
        carrier="Other",
        carrierName="Mondial Relay",
        shippingMethod="Point relais",
        packageReferenceId="P-1",
        trackingNumber="MR123",
        shipDate="2025-03-01T10:00:00+01:00",
    )
    v0.confirm_shipment(order_id, **body)
    order = client.get_order(order_id, includedData=ALL).payload["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    (package,) = order["packages"]
    assert package["packageReferenceId"] == "P-1"
    assert package["carrier"] == "Mondial Relay"
    assert package["shippingService"] == "Point relais"
    assert package["trackingNumber"] == "MR123"
    assert package["shipTime"] == "2025-03-01T09:00:00.000Z"
    assert package["packageItems"] == [
        {"orderItemId": first["orderItemId"], "quantity": first["quantityOrdered"]}
    ]
    items = {i["orderItemId"]: i["fulfillment"] for i in order["orderItems"]}
    assert items[second["orderItemId"]]["quantityFulfilled"] == 0
    # shipped by the marketplace: one package; by Amazon: none
    shipped = client.get_order(marketplace, includedData=["PACKAGES"]).payload
    (package,) = shipped["order"]["packages"]
    assert package["packageStatus"]["status"] == "DELIVERED"
    assert client.get_order(afn, includedData=["PACKAGES"]).payload["order"].keys() == (
        client.get_order(afn).payload["order"].keys()
    )


def test_update_shipment_status_and_items_buyer_info(amazon, api, sp_client):
    (order_id,) = amazon.create_orders(SELLER, 1, gift_share=1, lines=(2, 2))
    path = f"/orders/v0/orders/{order_id}/shipment"
    for body, word in (
        ({"shipmentStatus": "PickedUp"}, "marketplaceId"),
        ({"marketplaceId": FR, "shipmentStatus": "Lost"}, "shipmentStatus"),
        ({"marketplaceId": DE, "shipmentStatus": "PickedUp"}, "marketplace"),
        (
            {
                "marketplaceId": FR,
                "shipmentStatus": "PickedUp",
                "orderItems": [{"orderItemId": "nope"}],
            },
            "order item",
        ),
    ):
        invalid_input(api(path, 400, method="POST", json=body), word)
    body = {"marketplaceId": FR, "shipmentStatus": "ReadyForPickup"}
    assert api(path, 204, method="POST", json=body).content == b""
    assert amazon.order_record(order_id)["shipment_statuses"] == ["ReadyForPickup"]
    plain = sp_client(Orders).get_order_items_buyer_info(order_id).payload
    assert [set(i) for i in plain["OrderItems"]] == [{"OrderItemId"}] * 2
    resources = [
        {
            "method": "GET",
            "path": f"/orders/v0/orders/{order_id}/orderItems/buyerInfo",
            "dataElements": ["buyerInfo"],
        }
    ]
    rdt = api(
        "/tokens/2021-03-01/restrictedDataToken",
        method="POST",
        json={"restrictedResources": resources},
    ).json()["restrictedDataToken"]
    client = sp_client(Orders, restricted_data_token=rdt)
    full = client.get_order_items_buyer_info(order_id).payload["OrderItems"]
    assert full[0]["GiftWrapPrice"] == {"CurrencyCode": "EUR", "Amount": "3.50"}
    assert full[0]["GiftMessageText"] and "GiftWrapPrice" not in full[1]


# ----------------------------------------------------------------------
# the removal of Orders v0
# ----------------------------------------------------------------------
def test_removing_orders_v0(amazon, amazon_server, api, sp_client, client):
    (order_id,) = amazon.create_orders(SELLER, 1, lines=(1, 1))
    admin = amazon_server.url + "/_sandbox/orders_v0"
    assert requests.get(admin, timeout=5).json()["removed"] is False
    answer = requests.post(admin, json={"removed": True}, timeout=5).json()
    assert answer == {
        "removed": True,
        "removal_date": "2027-03-27",
        "operations": list(V0_REMOVED),
    }
    assert requests.post(admin, json={"removed": "yes"}, timeout=5).status_code == 400
    base = f"/orders/v0/orders/{order_id}"
    amazon.set_faults({"rate_429": 1})  # no fault on what is no more
    for path, params in (
        ("/orders/v0/orders", {"MarketplaceIds": FR, "LastUpdatedAfter": SINCE}),
        (base, {}),
        (base + "/orderItems", {}),
        (base + "/address", {}),
        (base + "/buyerInfo", {}),
        (base + "/orderItems/buyerInfo", {}),
    ):
        gone = api(path, 404, params=params)
        error = gone.json()["errors"][0]
        assert error["code"] == "NotFound" and "2026-01-01" in error["message"]
        assert "x-amzn-RateLimit-Limit" not in gone.headers
    amazon.set_faults({"rate_429": 0})
    v0 = sp_client(Orders)
    with pytest.raises(SellingApiNotFoundException):
        v0.get_orders(LastUpdatedAfter=SINCE)
    with pytest.raises(SellingApiNotFoundException):
        v0.get_order_items(order_id, RestrictedResources=["buyerInfo"])
    # v2026-01-01 serves the orders, confirmShipment and updateShipmentStatus stay
    order = client.get_order(order_id, includedData=["FULFILLMENT"]).payload["order"]
    (item,) = order["orderItems"]
    v0.confirm_shipment(
        order_id, **confirm_body([(item["orderItemId"], item["quantityOrdered"])])
    )
    v0.update_shipment_status(order_id, marketplaceId=FR, shipmentStatus="PickedUp")
    order = client.get_order(order_id, includedData=["FULFILLMENT"]).payload["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    stats = amazon.get_stats()
    assert stats["getOrders"]["calls"] == 2 and stats["getOrders"]["429"] == 0
    assert stats["confirmShipment"]["calls"] == 1
    index = requests.get(
        amazon_server.url + "/", headers={"Accept": "application/json"}, timeout=5
    ).json()
    (entry,) = [e for e in index["emulators"] if e["name"] == "amazon"]
    assert entry["settings"]["orders_v0_removed"] is True
    paths = {(e["method"], e["path"]) for e in entry["control_endpoints"]}
    assert {("GET", "/_sandbox/orders_v0"), ("POST", "/_sandbox/orders_v0")} <= paths
    # and back
    amazon.set_orders_v0_removed(False)
    assert v0.get_order(order_id).payload["OrderStatus"] == "Shipped"


def test_removed_from_the_start_and_on_the_command_line():
    emulator = AmazonEmulator(orders_v0_removed=True)
    assert emulator.is_removed("getOrders") and not emulator.is_removed(
        "confirmShipment"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "mphub.sandbox", "--amazon-orders-v0-removed"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        urls = json.loads(process.stdout.readline())
        state = requests.get(urls["amazon"] + "/_sandbox/orders_v0", timeout=5)
        assert state.json()["removed"] is True
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


@pytest.fixture(autouse=True)
def _url(amazon_server):
    amazon_server.emulator.test_url = amazon_server.url
