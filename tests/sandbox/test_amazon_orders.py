"""Amazon emulator: LWA, tokens, Orders v0 (and 2026-01-01) through the real
python-amazon-sp-api client, rate limits and faults."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests
from mphub.sandbox import EMULATORS, customers
from mphub.sandbox.amazon import (
    DEFECTS,
    FR,
    LWA_CLIENT_ID,
    LWA_CLIENT_SECRET,
    RATE_LIMITS,
    SELLERS,
    AmazonEmulator,
)
from mphub.sandbox.server import parse_timestamp
from sp_api.api import Orders
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base import (
    SellingApiBadRequestException,
    SellingApiForbiddenException,
    SellingApiRequestThrottledException,
    SellingApiServerException,
)

SELLER = "A1SANDBOXSELLER1"
SINCE = "2020-01-01T00:00:00Z"
PII = ["buyerInfo", "shippingAddress"]


def lwa(url, **form):
    data = {
        "grant_type": "refresh_token",
        "refresh_token": SELLERS[SELLER],
        "client_id": LWA_CLIENT_ID,
        "client_secret": LWA_CLIENT_SECRET,
        **form,
    }
    return requests.post(url + "/auth/o2/token", data=data, timeout=5)


def test_registered_and_lwa(amazon_server, sp_client):
    assert EMULATORS["amazon"] is AmazonEmulator
    url = amazon_server.url
    answer = lwa(url)
    assert answer.status_code == 200
    token = answer.json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600
    assert token["access_token"].startswith("Atza|")
    assert "x-amzn-RequestId" in answer.headers
    bad = lwa(url, refresh_token="Atzr|nope")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    bad = lwa(url, client_secret="wrong")
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    with pytest.raises(AuthorizationError):
        sp_client(Orders, refresh_token="Atzr|unknown").get_orders(
            LastUpdatedAfter=SINCE
        )
    # the access token works on the API, a wrong one is refused with 403
    headers = {"x-amz-access-token": token["access_token"], "host": "27.0.0.1"}
    ok = requests.get(
        url + "/orders/v0/orders",
        params={"MarketplaceIds": FR, "LastUpdatedAfter": SINCE},
        headers=headers,
        timeout=5,
    )
    assert ok.status_code == 200 and ok.json()["payload"]["Orders"] == []
    for value in ("Atza|nope", ""):
        denied = requests.get(
            url + "/orders/v0/orders",
            params={"MarketplaceIds": FR, "LastUpdatedAfter": SINCE},
            headers={"x-amz-access-token": value},
            timeout=5,
        )
        assert denied.status_code == 403
        assert denied.json() == {
            "errors": [
                {
                    "code": "Unauthorized",
                    "message": "Access to requested resource is denied.",
                    "details": "",
                }
            ]
        }
        assert denied.headers["x-amzn-RequestId"]
    with pytest.raises(SellingApiForbiddenException):
        sp_client(Orders, restricted_data_token="Atz.sprdt|forged").get_orders(
            LastUpdatedAfter=SINCE
        )


def test_get_orders_pages_through_1000_orders(amazon, sp_client):
    ids = amazon.create_orders(SELLER, 1000)
    amazon.create_orders("A2SANDBOXSELLER2", 5)
    orders = sp_client(Orders)
    seen, token, pages = [], None, 0
    while True:
        params = {"LastUpdatedAfter": SINCE, "MaxResultsPerPage": 100}
        if token:
            params = (
                {"NextToken": token} if pages % 2 else {**params, "NextToken": token}
            )
        answer = orders.get_orders(**params)
        pages += 1
        assert answer.rate_limit
        assert "LastUpdatedBefore" in answer.payload
        seen += answer.payload["Orders"]
        token = answer.next_token
        if not token:
            break
    assert pages == 10
    assert [o["AmazonOrderId"] for o in seen] == ids
    keys = [(o["LastUpdateDate"], o["AmazonOrderId"]) for o in seen]
    assert keys == sorted(keys)
    assert all(o["AmazonOrderId"].count("-") == 2 for o in seen)
    assert sp_client(Orders, seller=2).get_orders(
        CreatedAfter=SINCE
    ).payload.keys() >= {"Orders", "CreatedBefore"}


def test_exact_shares_and_amounts(amazon, sp_client):
    ids = amazon.create_orders(
        SELLER,
        40,
        unknown_sku_share=0.1,
        malformed_share=0.25,
        afn_share=0.2,
        business_share=0.1,
        promotion_share=0.3,
        pending_share=0.15,
    )
    records = [amazon.order_record(i) for i in ids]
    kinds = [r["kind"] for r in records]
    assert kinds.count("unknown_sku") == 4 and kinds.count("malformed") == 10
    assert sorted(r["defect"] for r in records if r["defect"]) == sorted(DEFECTS * 2)
    assert sum(r["is_business"] for r in records) == 4
    assert sum(r["status"] == "Pending" for r in records) == 6
    assert sum(r["fulfillment_channel"] == "AFN" for r in records) == 8
    promoted = [
        r for r in records if any(Decimal(i["promotion_discount"]) for i in r["items"])
    ]
    assert len(promoted) == 12
    # deterministic: the same seed gives the same orders
    again = AmazonEmulator(seed=42).create_orders(
        SELLER,
        40,
        unknown_sku_share=0.1,
        malformed_share=0.25,
        afn_share=0.2,
        business_share=0.1,
        promotion_share=0.3,
        pending_share=0.15,
    )
    assert again == ids
    client = sp_client(Orders)
    for record in records:
        if record["kind"] == "malformed":
            continue
        order = client.get_order(record["order_id"]).payload
        items = client.get_order_items(record["order_id"]).payload["OrderItems"]
        if record["status"] == "Pending":
            assert "OrderTotal" not in order
            assert all("ItemPrice" not in i and "ItemTax" not in i for i in items)
            continue
        total = sum(
            Decimal(i["ItemPrice"]["Amount"])
            + Decimal(i["ShippingPrice"]["Amount"])
            - Decimal(i["PromotionDiscount"]["Amount"])
            - Decimal(i["ShippingDiscount"]["Amount"])
            for i in items
        )
        assert order["OrderTotal"] == {"CurrencyCode": "EUR", "Amount": f"{total:.2f}"}
        assert order["OrderTotal"]["Amount"] == record["order_total"]
        if record["fulfillment_channel"] == "AFN":
            assert order["OrderStatus"] == "Shipped"
            assert all(i["QuantityShipped"] == i["QuantityOrdered"] for i in items)
        if record["is_business"]:
            assert order["IsBusinessOrder"] is True
            vat = order["BuyerTaxInformation"]["BuyerTaxRegistrationId"]
            assert vat == record["vat_number"]
            if vat.startswith("FR"):
                assert customers.french_vat_number(int(vat[4:])) == vat
        if record["kind"] == "unknown_sku":
            assert any(i["SellerSKU"].startswith("UNKNOWN-") for i in items)
        for item in items:
            assert len(item["OrderItemId"]) == 14 and item["ASIN"].startswith("B0")


def test_malformed_orders_have_their_defect_every_time(amazon, sp_client):
    ids = amazon.create_orders(SELLER, len(DEFECTS), malformed_share=1)
    client = sp_client(Orders)
    for order_id in ids:
        defect = amazon.order_record(order_id)["defect"]
        answers = [
            (
                client.get_order(order_id).payload,
                client.get_order_items(order_id).payload,
            )
            for _ in range(2)
        ]
        assert answers[0] == answers[1]
        order, items = answers[0]
        first = items["OrderItems"][0]
        if defect == "quantity_text":
            assert first["QuantityOrdered"] == "two"
        elif defect == "price_not_number":
            with pytest.raises(ArithmeticError):
                Decimal(first["ItemPrice"]["Amount"])
        elif defect == "no_seller_sku":
            assert "SellerSKU" not in first
        elif defect == "total_mismatch":
            total = sum(
                Decimal(i["ItemPrice"]["Amount"])
                + Decimal(i["ShippingPrice"]["Amount"])
                - Decimal(i["PromotionDiscount"]["Amount"])
                - Decimal(i["ShippingDiscount"]["Amount"])
                for i in items["OrderItems"]
            )
            assert Decimal(order["OrderTotal"]["Amount"]) != total
        else:
            assert defect == "no_purchase_date" and "PurchaseDate" not in order


def test_restricted_data_token_unlocks_pii(amazon, sp_client):
    (order_id,) = amazon.create_orders(SELLER, 1, business_share=1)
    client = sp_client(Orders)
    plain = client.get_order(order_id).payload
    assert set(plain["ShippingAddress"]) == {
        "City",
        "StateOrRegion",
        "PostalCode",
        "CountryCode",
    }
    assert "BuyerInfo" not in plain
    assert client.get_order_buyer_info(order_id).payload == {"AmazonOrderId": order_id}
    assert "Name" not in client.get_order_address(order_id).payload["ShippingAddress"]
    full = client.get_order(order_id, RestrictedResources=PII).payload
    assert {"Name", "AddressLine1", "Phone"} <= set(full["ShippingAddress"])
    info = full["BuyerInfo"]
    assert info["BuyerEmail"].endswith("@marketplace.amazon.fr")
    tax = info["BuyerTaxInfo"]["TaxClassifications"][0]
    assert (
        tax["Name"] == "VATNumber"
        and tax["Value"] == amazon.order_record(order_id)["vat_number"]
    )
    listed = client.get_orders(LastUpdatedAfter=SINCE, RestrictedResources=PII)
    assert "Name" in listed.payload["Orders"][0]["ShippingAddress"]
    items = client.get_order_items(order_id, RestrictedResources=PII).payload
    assert items["AmazonOrderId"] == order_id
    assert amazon.get_stats()["createRestrictedDataToken"]["calls"] == 3


def test_gift_wrapping_is_restricted_buyer_info(amazon, sp_client):
    (order_id,) = amazon.create_orders(SELLER, 1, gift_share=1, lines=(2, 2))
    client = sp_client(Orders)
    plain = client.get_order_items(order_id).payload["OrderItems"]
    assert [item["IsGift"] for item in plain] == ["true", "false"]
    assert all("BuyerInfo" not in item for item in plain)
    items = client.get_order_items(order_id, RestrictedResources=["buyerInfo"])
    gift = items.payload["OrderItems"][0]["BuyerInfo"]
    assert gift["GiftWrapPrice"] == {"CurrencyCode": "EUR", "Amount": "3.50"}
    assert gift["GiftWrapTax"] == {"CurrencyCode": "EUR", "Amount": "0.58"}
    assert gift["GiftMessageText"] and gift["GiftWrapLevel"] == "Classic"
    total = client.get_order(order_id).payload["OrderTotal"]["Amount"]
    assert Decimal(total) == Decimal(amazon.order_record(order_id)["order_total"])


@pytest.mark.parametrize(
    "params, words",
    [
        ({}, "Exactly one"),
        ({"CreatedAfter": SINCE, "LastUpdatedAfter": SINCE}, "Exactly one"),
        ({"CreatedAfter": SINCE, "LastUpdatedBefore": SINCE}, "cannot be used"),
        ({"LastUpdatedAfter": SINCE, "CreatedBefore": SINCE}, "cannot be used"),
        ({"LastUpdatedAfter": "yesterday"}, "ISO 8601"),
        ({"LastUpdatedAfter": "+1min"}, "2 minutes"),
        ({"LastUpdatedAfter": SINCE, "LastUpdatedBefore": "-1min"}, "2 minutes"),
        (
            {"LastUpdatedAfter": "2021-01-01T00:00:00Z", "LastUpdatedBefore": SINCE},
            "later than",
        ),
        ({"LastUpdatedAfter": SINCE, "MaxResultsPerPage": 0}, "MaxResultsPerPage"),
        ({"LastUpdatedAfter": SINCE, "MaxResultsPerPage": 101}, "MaxResultsPerPage"),
        (
            {"LastUpdatedAfter": SINCE, "MarketplaceIds": ["ATVPDKIKX0DER"]},
            "Marketplace",
        ),
        ({"LastUpdatedAfter": SINCE, "OrderStatuses": ["Lost"]}, "OrderStatuses"),
        ({"LastUpdatedAfter": SINCE, "FulfillmentChannels": ["XYZ"]}, "Fulfillment"),
        ({"NextToken": "not-a-token"}, "NextToken"),
    ],
)
def test_get_orders_validation(sp_client, params, words):
    now = datetime.now(timezone.utc)
    for key, value in params.items():
        if value in ("+1min", "-1min"):
            delta = timedelta(minutes=1)
            moment = now + delta if value == "+1min" else now - delta
            params[key] = moment.isoformat()
    with pytest.raises(SellingApiBadRequestException) as raised:
        sp_client(Orders).get_orders(**params)
    error = raised.value.error[0]
    assert error["code"] == "InvalidInput"
    assert words in error["message"]


def test_filters(amazon, sp_client):
    amazon.create_orders(SELLER, 4)
    amazon.create_orders(SELLER, 3, afn_share=1)
    pending = amazon.create_orders(SELLER, 2, pending_share=1)
    client = sp_client(Orders)

    def ids(**params):
        orders = client.get_orders(LastUpdatedAfter=SINCE, **params).payload["Orders"]
        return [o["AmazonOrderId"] for o in orders]

    assert len(ids()) == 9
    assert len(ids(FulfillmentChannels=["AFN"])) == 3
    assert ids(OrderStatuses=["Pending"]) == pending
    assert len(ids(OrderStatuses=["Unshipped", "PartiallyShipped"])) == 4
    assert ids(AmazonOrderIds=pending[1:]) == pending[1:]
    assert ids(MarketplaceIds=["A1PA6795UKMFR9"]) == []
    # a marketplace-side transition: the Pending order gets its prices
    record = requests.post(
        f"{amazon_url(amazon)}/_sandbox/orders/{pending[0]}/status",
        json={"status": "Unshipped"},
        timeout=5,
    ).json()
    assert record["status"] == "Unshipped"
    order = client.get_order(pending[0]).payload
    assert order["OrderTotal"]["Amount"] == record["order_total"]
    assert parse_timestamp(order["LastUpdateDate"]) > parse_timestamp(
        order["PurchaseDate"]
    )
    # not visible yet: updated less than 2 minutes ago
    assert pending[0] not in ids()


def amazon_url(amazon):
    return amazon.test_url


@pytest.fixture(autouse=True)
def _url(amazon_server):
    amazon_server.emulator.test_url = amazon_server.url


def confirm_body(items, carrier="Colissimo", **extra):
    return {
        "marketplaceId": FR,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": carrier,
            "trackingNumber": "6A12345678901",
            "shipDate": "2025-03-01T10:00:00Z",
            "orderItems": [{"orderItemId": i, "quantity": q} for i, q in items],
            **extra,
        },
    }


def test_confirm_shipment_partial_then_full(amazon, sp_client):
    (order_id,) = amazon.create_orders(SELLER, 1, lines=(2, 2))
    client = sp_client(Orders)
    items = client.get_order_items(order_id).payload["OrderItems"]
    (first, quantity_1), (second, quantity_2) = [
        (i["OrderItemId"], i["QuantityOrdered"]) for i in items
    ]
    for body in (
        confirm_body([("99999999999999", 1)]),
        confirm_body([(first, quantity_1 + 1)]),
        confirm_body([(first, 0)]),
        confirm_body([(first, 1)], carrier="Other"),
        {"marketplaceId": FR},
    ):
        with pytest.raises(SellingApiBadRequestException):
            client.confirm_shipment(order_id, **body)
    client.confirm_shipment(order_id, **confirm_body([(first, quantity_1)]))
    order = client.get_order(order_id).payload
    assert order["OrderStatus"] == "PartiallyShipped"
    assert order["NumberOfItemsShipped"] == quantity_1
    assert order["NumberOfItemsUnshipped"] == quantity_2
    client.confirm_shipment(
        order_id,
        **confirm_body([(second, quantity_2)], carrier="Other", carrierName="Mondial"),
    )
    order = client.get_order(order_id).payload
    assert order["OrderStatus"] == "Shipped" and order["NumberOfItemsUnshipped"] == 0
    items = client.get_order_items(order_id).payload["OrderItems"]
    assert [i["QuantityShipped"] for i in items] == [quantity_1, quantity_2]
    with pytest.raises(SellingApiBadRequestException) as raised:
        client.confirm_shipment(order_id, **confirm_body([(first, 1)]))
    assert "Shipped" in raised.value.error[0]["message"]
    shipments = amazon.order_record(order_id)["shipments"]
    assert len(shipments) == 2
    assert shipments[1]["packageDetail"]["carrierName"] == "Mondial"


def drain_bucket(amazon, call, operation, burst):
    """``call`` answers ``burst`` times announcing the operation's default
    rate, then 429 QuotaExceeded without Retry-After."""
    assert call().rate_limit == f"{RATE_LIMITS[operation][0]:g}"
    for _ in range(burst - 1):
        call()
    with pytest.raises(SellingApiRequestThrottledException) as raised:
        call()
    assert raised.value.error[0]["code"] == "QuotaExceeded"
    assert "Retry-After" not in raised.value.headers
    assert amazon.get_stats()[operation]["429"] == 1


@pytest.mark.amazon(rate_scale=1)
def test_empty_bucket_answers_429(amazon, amazon_server, sp_client):
    client = sp_client(Orders)
    drain_bucket(
        amazon, lambda: client.get_orders(LastUpdatedAfter=SINCE), "getOrders", 20
    )
    # other sellers and operations have their own buckets
    sp_client(Orders, seller=2).get_orders(LastUpdatedAfter=SINCE)
    # a larger usage plan refills the buckets
    plan = requests.post(
        amazon_server.url + "/_sandbox/usage_plan", json={"rate_scale": 10}, timeout=5
    )
    assert plan.json() == {"rate_scale": 10.0}
    assert client.get_orders(LastUpdatedAfter=SINCE).rate_limit == "0.167"
    amazon.set_rate_scale(0)
    for _ in range(250):
        client.get_orders(LastUpdatedAfter=SINCE, MaxResultsPerPage=1)


def test_injected_faults_answer_like_amazon(amazon, sp_client):
    client = sp_client(Orders)
    client.get_orders(LastUpdatedAfter=SINCE)  # LWA token cached
    amazon.set_faults({"rate_429": 1})
    with pytest.raises(SellingApiRequestThrottledException) as raised:
        client.get_orders(LastUpdatedAfter=SINCE)
    assert raised.value.error[0]["code"] == "QuotaExceeded"
    assert "Retry-After" not in raised.value.headers
    amazon.set_faults({"rate_429": 0, "expired_credentials": True})
    with pytest.raises(SellingApiForbiddenException) as raised:
        client.get_orders(LastUpdatedAfter=SINCE)
    assert raised.value.error[0]["code"] == "Unauthorized"
    amazon.set_faults({"expired_credentials": False, "rate_5xx": 1})
    statuses = set()
    for _ in range(6):
        try:
            client.get_orders(LastUpdatedAfter=SINCE)
        except SellingApiServerException as err:
            statuses.add(err.code)
            assert err.error[0]["code"] == "InternalFailure"
        except Exception as err:  # 502/503 map to other subclasses
            assert err.error[0]["code"] == "InternalFailure"
            statuses.add(err.code)
    assert statuses
    amazon.set_faults({"rate_5xx": 0})
    assert client.get_orders(LastUpdatedAfter=SINCE).payload["Orders"] == []


def test_admin_routes(amazon_server):
    url = amazon_server.url + "/_sandbox"
    sellers = requests.get(url + "/sellers", timeout=5).json()
    assert [s["refresh_token"] for s in sellers["sellers"]] == list(SELLERS.values())
    assert sellers["lwa"] == {
        "client_id": LWA_CLIENT_ID,
        "client_secret": LWA_CLIENT_SECRET,
    }
    assert sellers["marketplaces"]["A1F83G8C2ARO7P"]["currency"] == "GBP"
    created = requests.post(
        url + "/orders",
        json={"seller_id": "A2SANDBOXSELLER2", "count": 3, "status": "Canceled"},
        timeout=5,
    ).json()
    assert len(created["order_ids"]) == 3
    assert all(i.startswith("402-") for i in created["order_ids"])
    record = requests.get(url + f"/orders/{created['order_ids'][0]}", timeout=5).json()
    assert record["status"] == "Canceled" and record["kind"] == "valid"
    bad = requests.post(url + "/orders", json={"count": 1, "status": "Nope"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["errors"]


def test_orders_2026_search(amazon, sp_client):
    ids = amazon.create_orders(SELLER, 12, pending_share=0.25)
    client = sp_client(Orders, version="2026-01-01")
    seen, token = [], None
    while True:
        params = {
            "lastUpdatedAfter": SINCE,
            "maxResultsPerPage": 5,
            "includedData": ["FULFILLMENT"],  # the status comes with it only
        }
        if token:
            params["paginationToken"] = token
        answer = client.search_orders(**params)
        seen += answer.payload["orders"]
        token = answer.next_token
        if not token:
            break
    assert [o["orderId"] for o in seen] == ids
    statuses = [o["fulfillment"]["fulfillmentStatus"] for o in seen]
    assert statuses.count("PENDING") == 3
    one = client.get_order(ids[0]).payload["order"]
    assert one["orderId"] == ids[0]
    assert one["orderItems"][0]["product"]["sellerSku"].startswith("MPH-")
