"""The Amazon emulator agrees with the official SP-API models.

Real answers of the emulator, over HTTP, are validated against the Swagger
2.0 definitions of the models (``#/definitions/...``), and the listings feed
and its processing report against their JSON Schemas. The Orders API
v2026-01-01 answers are also checked to hold no key the model does not
declare.
"""

import gzip
import io
import json

import jsonschema
import pytest
import requests
from mphub.sandbox.amazon import (
    FR,
    LWA_CLIENT_ID,
    LWA_CLIENT_SECRET,
    SELLERS,
    AmazonEmulator,
)
from mphub.sandbox.amazon_orders_2026 import (
    FULFILLMENT_STATUSES,
    INCLUDED_DATA,
    V0_REMOVED,
    VARIETY_SHARES,
)
from mphub.sandbox.server import EmulatorServer

from .conftest import load_contract

SELLER = "A1SANDBOXSELLER1"
SINCE = "2020-01-01T00:00:00Z"


class Swagger2:
    """Validates payloads against the definitions of a Swagger 2.0 model."""

    def __init__(self, spec):
        self.spec = spec

    def errors(self, definition, payload):
        schema = {
            "$ref": f"#/definitions/{definition}",
            "definitions": self.spec["definitions"],
        }
        validator = jsonschema.Draft4Validator(schema)
        return sorted(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300]
            for e in validator.iter_errors(payload)
        )

    def undeclared(self, definition, payload):
        """The paths of the keys of ``payload`` that the definition does not
        declare (the models allow any, so ``errors`` cannot see them)."""
        found = []

        def walk(schema, value, path):
            while "$ref" in schema:
                schema = self.spec["definitions"][schema["$ref"].split("/")[-1]]
            if isinstance(value, dict) and "properties" in schema:
                for key, item in value.items():
                    if key in schema["properties"]:
                        walk(schema["properties"][key], item, f"{path}/{key}")
                    else:
                        found.append(f"{path}/{key}")
            elif isinstance(value, list) and "items" in schema:
                for number, item in enumerate(value):
                    walk(schema["items"], item, f"{path}/{number}")

        walk({"$ref": f"#/definitions/{definition}"}, payload, "")
        return found

    def check(self, definition, payload):
        """Validation errors and undeclared keys of a payload."""
        return self.errors(definition, payload) + self.undeclared(definition, payload)


@pytest.fixture(scope="module")
def models():
    return {
        "orders": Swagger2(load_contract("amazon/ordersV0.json")),
        "orders2026": Swagger2(load_contract("amazon/orders_2026-01-01.json")),
        "listings": Swagger2(load_contract("amazon/listingsItems_2021-08-01.json")),
        "feeds": Swagger2(load_contract("amazon/feeds_2021-06-30.json")),
        "tokens": Swagger2(load_contract("amazon/tokens_2021-03-01.json")),
        "feed": load_contract("amazon/listings-feed-schema-v2.json"),
        "report": load_contract(
            "amazon/listings-feed-processing-report-schema-v2.json"
        ),
    }


class Api:
    """Raw SP-API calls as seller 1."""

    def __init__(self, url):
        self.url = url
        token = requests.post(
            url + "/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": SELLERS[SELLER],
                "client_id": LWA_CLIENT_ID,
                "client_secret": LWA_CLIENT_SECRET,
            },
            timeout=5,
        ).json()["access_token"]
        self.session = requests.Session()
        self.session.headers["x-amz-access-token"] = token

    def call(self, method, path, status=200, **kwargs):
        response = self.session.request(method, self.url + path, timeout=10, **kwargs)
        assert response.status_code == status, response.text
        assert response.headers["x-amzn-RequestId"]
        return response.json() if response.content else None


@pytest.fixture(scope="module")
def world():
    emulator = AmazonEmulator(rate_scale=1000, feed_processing_seconds=0)
    server = EmulatorServer(emulator).start()
    emulator.create_listings(SELLER, 6, unknown_sku_share=1 / 6, quantity=10)
    ids = emulator.create_orders(
        SELLER,
        20,
        unknown_sku_share=0.1,
        afn_share=0.2,
        business_share=0.2,
        promotion_share=0.3,
        pending_share=0.2,
        gift_share=0.3,
        lines=(1, 3),
    )
    try:
        yield emulator, Api(server.url), ids
    finally:
        server.stop()


def rdt(api):
    body = {
        "restrictedResources": [
            {
                "method": "GET",
                "path": "/orders/v0/orders",
                "dataElements": ["buyerInfo", "shippingAddress"],
            }
        ]
    }
    return api.call("POST", "/tokens/2021-03-01/restrictedDataToken", json=body)


def test_orders_answers(models, world):
    emulator, api, ids = world
    spec = models["orders"]
    listed = api.call(
        "GET",
        "/orders/v0/orders",
        params={
            "MarketplaceIds": FR,
            "LastUpdatedAfter": SINCE,
            "MaxResultsPerPage": 7,
        },
    )
    assert spec.errors("GetOrdersResponse", listed) == []
    assert listed["payload"]["NextToken"]
    token = rdt(api)
    assert models["tokens"].errors("CreateRestrictedDataTokenResponse", token) == []
    pii = {"x-amz-access-token": token["restrictedDataToken"]}
    for order_id in ids:
        for headers in ({}, pii):
            base = f"/orders/v0/orders/{order_id}"
            for path, definition in (
                ("", "GetOrderResponse"),
                ("/orderItems", "GetOrderItemsResponse"),
                ("/address", "GetOrderAddressResponse"),
                ("/buyerInfo", "GetOrderBuyerInfoResponse"),
            ):
                answer = api.call("GET", base + path, headers=headers)
                assert spec.errors(definition, answer) == [], (order_id, path)
    listed = api.call(
        "GET",
        "/orders/v0/orders",
        params={"MarketplaceIds": FR, "CreatedAfter": SINCE},
        headers=pii,
    )
    assert spec.errors("GetOrdersResponse", listed) == []


def confirm_body(lines):
    """A confirmShipment body shipping ``lines`` (item id, quantity)."""
    return {
        "marketplaceId": FR,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "Colissimo",
            "shippingMethod": "Standard",
            "trackingNumber": "6A12345678901",
            "shipDate": "2025-03-01T10:00:00Z",
            "orderItems": [
                {"orderItemId": item_id, "quantity": quantity}
                for item_id, quantity in lines
            ],
        },
    }


def test_confirm_shipment_request_and_errors(models, world):
    emulator, api, ids = world
    spec = models["orders"]
    order_id = next(i for i in ids if emulator.order_record(i)["status"] == "Unshipped")
    items = api.call("GET", f"/orders/v0/orders/{order_id}/orderItems")
    body = confirm_body(
        (i["OrderItemId"], i["QuantityOrdered"]) for i in items["payload"]["OrderItems"]
    )
    assert spec.errors("ConfirmShipmentRequest", body) == []
    path = f"/orders/v0/orders/{order_id}/shipmentConfirmation"
    assert api.call("POST", path, status=204, json=body) is None
    error = api.call("POST", path, status=400, json=body)
    assert spec.errors("ConfirmShipmentErrorResponse", error) == []
    for status, answer in (
        (400, api.call("GET", "/orders/v0/orders", status=400)),
        (404, api.call("GET", "/orders/v0/orders/1-2-3", status=404)),
    ):
        assert spec.errors("GetOrdersResponse", answer) == [], status
        assert answer["errors"][0]["code"]


def test_listings_answers(models, world):
    emulator, api, _ids = world
    spec = models["listings"]
    base = f"/listings/2021-08-01/items/{SELLER}"
    included = "summaries,attributes,issues,offers,fulfillmentAvailability"
    item = api.call(
        "GET",
        base + "/MPH-0001",
        params={"marketplaceIds": FR, "includedData": included},
    )
    assert spec.errors("Item", item) == []
    found = api.call(
        "GET",
        base,
        params={"marketplaceIds": FR, "includedData": included, "pageSize": 4},
    )
    assert spec.errors("ItemSearchResults", found) == []
    assert found["pagination"]["nextToken"]
    for body in (
        {
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}],
                },
                {
                    "op": "replace",
                    "path": "/attributes/purchasable_offer",
                    "value": [
                        {
                            "marketplace_id": FR,
                            "currency": "EUR",
                            "audience": "ALL",
                            "our_price": [{"schedule": [{"value_with_tax": 9.9}]}],
                        }
                    ],
                },
            ],
        },
        {
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "merge",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": -4}],
                }
            ],
        },
    ):
        assert spec.errors("ListingsItemPatchRequest", body) == []
        for sku in ("MPH-0002", "NOPE-1"):
            answer = api.call(
                "PATCH",
                f"{base}/{sku}",
                params={"marketplaceIds": FR, "includedData": "issues,identifiers"},
                json=body,
            )
            assert spec.errors("ListingsItemSubmissionResponse", answer) == []
    missing = api.call(
        "GET", base + "/NOPE-1", status=404, params={"marketplaceIds": FR}
    )
    assert spec.errors("ErrorList", missing) == []


def test_feeds_answers_and_report(models, world):
    emulator, api, _ids = world
    spec = models["feeds"]
    document = api.call(
        "POST",
        "/feeds/2021-06-30/documents",
        status=201,
        json={"contentType": "application/json; charset=UTF-8"},
    )
    assert spec.errors("CreateFeedDocumentResponse", document) == []
    feed_body = {
        "header": {"sellerId": SELLER, "version": "2.0", "issueLocale": "fr_FR"},
        "messages": [
            {
                "messageId": 1,
                "sku": "MPH-0003",
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [
                            {"fulfillment_channel_code": "DEFAULT", "quantity": 2}
                        ],
                    }
                ],
            },
            {
                "messageId": 2,
                "sku": "NOPE-9",
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [
                            {"fulfillment_channel_code": "DEFAULT", "quantity": 2}
                        ],
                    }
                ],
            },
            {
                "messageId": 3,
                "sku": "MPH-0004",
                "operationType": "PARTIAL_UPDATE",
                "productType": "PRODUCT",
                "attributes": {
                    "fulfillment_availability": [
                        {"fulfillment_channel_code": "DEFAULT", "quantity": 2.5}
                    ]
                },
            },
        ],
    }
    assert list(jsonschema.Draft7Validator(models["feed"]).iter_errors(feed_body)) == []
    upload = requests.put(
        document["url"], data=io.BytesIO(json.dumps(feed_body).encode()), timeout=5
    )
    assert upload.status_code == 200
    create = {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": [FR],
        "inputFeedDocumentId": document["feedDocumentId"],
    }
    assert spec.errors("CreateFeedSpecification", create) == []
    created = api.call("POST", "/feeds/2021-06-30/feeds", status=202, json=create)
    assert spec.errors("CreateFeedResponse", created) == []
    feed = api.call("GET", f"/feeds/2021-06-30/feeds/{created['feedId']}")
    assert spec.errors("Feed", feed) == []
    listed = api.call(
        "GET", "/feeds/2021-06-30/feeds", params={"feedTypes": "JSON_LISTINGS_FEED"}
    )
    assert spec.errors("GetFeedsResponse", listed) == []
    result = api.call(
        "GET", f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}"
    )
    assert spec.errors("FeedDocument", result) == []

    report = json.loads(gzip.decompress(requests.get(result["url"], timeout=5).content))
    validator = jsonschema.Draft7Validator(models["report"])
    assert list(validator.iter_errors(report)) == []
    assert report["summary"]["messagesInvalid"] == 2
    error = api.call("GET", "/feeds/2021-06-30/feeds/42", status=404)
    assert spec.errors("ErrorList", error) == []


def test_throttled_and_unauthorized_answers(models, world):
    emulator, api, _ids = world
    spec = models["orders"]
    denied = requests.get(
        api.url + "/orders/v0/orders/x", headers={"x-amz-access-token": "x"}, timeout=5
    )
    assert denied.status_code == 403
    assert spec.errors("GetOrderResponse", denied.json()) == []
    emulator.set_faults({"rate_429": 1})
    try:
        throttled = api.call("GET", "/orders/v0/orders/x", status=429)
    finally:
        emulator.set_faults({"rate_429": 0})
    assert spec.errors("GetOrderResponse", throttled) == []
    assert throttled["errors"][0]["code"] == "QuotaExceeded"


# ----------------------------------------------------------------------
# Orders API v2026-01-01, and Orders v0 on the same varied orders
# ----------------------------------------------------------------------
SEARCH = "/orders/2026-01-01/orders"


@pytest.fixture(scope="module")
def varied():
    """An emulator whose orders show the whole variety of the contract."""
    emulator = AmazonEmulator(rate_scale=1000, feed_processing_seconds=0)
    server = EmulatorServer(emulator).start()
    ids = emulator.create_orders(SELLER, 120, unknown_sku_share=0.05, **VARIETY_SHARES)
    api = Api(server.url)
    for order_id in ids[:6]:  # confirmed shipments give packages of their own
        record = emulator.order_record(order_id)
        if record["status"] == "Unshipped" and record["fulfillment_channel"] == "MFN":
            body = confirm_body([(record["items"][0]["order_item_id"], 1)])
            path = f"/orders/v0/orders/{order_id}/shipmentConfirmation"
            api.call("POST", path, status=204, json=body)
    try:
        yield emulator, api, ids
    finally:
        server.stop()


def search_pages(api, **params):
    pages, token = [], None
    while True:
        query = {**params, **({"paginationToken": token} if token else {})}
        pages.append(api.call("GET", SEARCH, params=query))
        token = (pages[-1].get("pagination") or {}).get("nextToken")
        if not token:
            return pages


@pytest.mark.parametrize("included", [(), *((name,) for name in INCLUDED_DATA)])
def test_orders_2026_search_pages_for_each_dataset(models, varied, included):
    _emulator, api, ids = varied
    spec = models["orders2026"]
    params = {"createdAfter": SINCE, "maxResultsPerPage": 50}
    if included:
        params["includedData"] = ",".join(included)
    pages = search_pages(api, **params)
    assert len(pages) == 3
    for page in pages:
        assert spec.check("SearchOrdersResponse", page) == []
    orders = [order for page in pages for order in page["orders"]]
    assert [order["orderId"] for order in orders] == ids


def test_orders_2026_every_dataset_and_rare_state(models, varied):
    _emulator, api, ids = varied
    spec = models["orders2026"]
    included = ",".join(INCLUDED_DATA)
    seen_keys, statuses = set(), set()
    for order_id in ids:
        answer = api.call(
            "GET", f"{SEARCH}/{order_id}", params={"includedData": included}
        )
        assert spec.check("GetOrderResponse", answer) == [], order_id
        order = answer["order"]
        seen_keys |= set(order)
        for item in order["orderItems"]:
            seen_keys |= {f"item.{key}" for key in item}
        statuses.add(order["fulfillment"]["fulfillmentStatus"])
    assert statuses == set(FULFILLMENT_STATUSES)
    assert seen_keys >= {
        "orderAliases",
        "programs",
        "associatedOrders",
        "buyer",
        "recipient",
        "proceeds",
        "payment",
        "tax",
        "fulfillment",
        "packages",
        "fulfillmentOrders",
        "item.proceeds",
        "item.promotion",
        "item.cancellation",
        "item.fulfillment",
    }


def test_orders_2026_errors(models, varied):
    emulator, api, ids = varied
    spec = models["orders2026"]
    first = api.call(
        "GET", SEARCH, params={"createdAfter": SINCE, "maxResultsPerPage": 5}
    )
    token = first["pagination"]["nextToken"]
    answers = [
        api.call("GET", SEARCH, status=400),
        api.call("GET", SEARCH, status=400, params={"paginationToken": token}),
        api.call(
            "GET",
            SEARCH,
            status=400,
            params={"createdAfter": SINCE, "includedData": "EVERYTHING"},
        ),
        api.call("GET", f"{SEARCH}/1-2-3", status=404),
    ]
    denied = requests.get(
        api.url + SEARCH, headers={"x-amz-access-token": "x"}, timeout=5
    )
    assert denied.status_code == 403
    answers.append(denied.json())
    emulator.set_faults({"rate_429": 1})
    try:
        answers.append(api.call("GET", f"{SEARCH}/{ids[0]}", status=429))
    finally:
        emulator.set_faults({"rate_429": 0})
    for answer in answers:
        assert spec.check("ErrorList", answer) == [], answer
        assert answer["errors"][0]["code"]


def test_orders_v0_answers_of_the_varied_orders(models, varied):
    emulator, api, ids = varied
    spec = models["orders"]
    token = rdt(api)["restrictedDataToken"]
    for order_id in ids:
        base = f"/orders/v0/orders/{order_id}"
        for headers in ({}, {"x-amz-access-token": token}):
            for path, definition in (
                ("", "GetOrderResponse"),
                ("/orderItems", "GetOrderItemsResponse"),
                ("/orderItems/buyerInfo", "GetOrderItemsBuyerInfoResponse"),
                ("/address", "GetOrderAddressResponse"),
            ):
                answer = api.call("GET", base + path, headers=headers)
                assert spec.errors(definition, answer) == [], (order_id, path)
    body = {"marketplaceId": FR, "shipmentStatus": "ReadyForPickup"}
    assert spec.errors("UpdateShipmentStatusRequest", body) == []
    path = f"/orders/v0/orders/{ids[0]}/shipment"
    assert api.call("POST", path, status=204, json=body) is None
    error = api.call("POST", path, status=400, json={"marketplaceId": FR})
    assert spec.errors("UpdateShipmentStatusErrorResponse", error) == []


def test_removed_orders_v0_answers(models):
    emulator = AmazonEmulator(rate_scale=1000, orders_v0_removed=True)
    server = EmulatorServer(emulator).start()
    try:
        (order_id,) = emulator.create_orders(SELLER, 1)
        api = Api(server.url)
        spec = models["orders"]
        base = f"/orders/v0/orders/{order_id}"
        paths = {
            "getOrders": ("/orders/v0/orders", "GetOrdersResponse"),
            "getOrder": (base, "GetOrderResponse"),
            "getOrderItems": (base + "/orderItems", "GetOrderItemsResponse"),
            "getOrderAddress": (base + "/address", "GetOrderAddressResponse"),
            "getOrderBuyerInfo": (base + "/buyerInfo", "GetOrderBuyerInfoResponse"),
            "getOrderItemsBuyerInfo": (
                base + "/orderItems/buyerInfo",
                "GetOrderItemsBuyerInfoResponse",
            ),
        }
        assert set(paths) == set(V0_REMOVED)
        for path, definition in paths.values():
            answer = api.call("GET", path, status=404)
            assert spec.errors(definition, answer) == [], path
            assert answer["errors"][0]["code"] == "NotFound"
        assert rdt(api)["restrictedDataToken"]  # the Tokens API stays
    finally:
        server.stop()
