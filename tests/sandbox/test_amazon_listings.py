"""Amazon emulator: Listings Items 2021-08-01 through python-amazon-sp-api."""

import pytest
from mphub.sandbox import catalog
from mphub.sandbox.amazon import FR
from sp_api.api import ListingsItems, Orders
from sp_api.base import (
    SellingApiBadRequestException,
    SellingApiForbiddenException,
    SellingApiNotFoundException,
)

SELLER = "A1SANDBOXSELLER1"
ALL = ["summaries", "attributes", "issues", "offers", "fulfillmentAvailability"]


def patch(client, sku, *patches, **params):
    body = {"productType": "PRODUCT", "patches": list(patches)}
    return client.patch_listings_item(
        SELLER, sku, marketplaceIds=[FR], body=body, **params
    ).payload


def quantity(value, op="replace"):
    return {
        "op": op,
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": value}],
    }


def price(value, op="replace", audience="ALL"):
    return {
        "op": op,
        "path": "/attributes/purchasable_offer",
        "value": [
            {
                "marketplace_id": FR,
                "currency": "EUR",
                "audience": audience,
                "our_price": [{"schedule": [{"value_with_tax": value}]}],
            }
        ],
    }


def test_get_listings_item(amazon, sp_client):
    skus = amazon.create_listings(SELLER, 3, unknown_sku_share=1 / 3, quantity=5)
    client = sp_client(ListingsItems)
    product = catalog.product(42, 0)
    item = client.get_listings_item(SELLER, "MPH-0001", includedData=ALL).payload
    assert item["sku"] == "MPH-0001"
    (summary,) = item["summaries"]
    assert summary["marketplaceId"] == FR and summary["asin"].startswith("B0")
    assert summary["status"] == ["BUYABLE", "DISCOVERABLE"]
    assert item["attributes"]["externally_assigned_product_identifier"][0] == {
        "type": "ean",
        "value": product["ean"],
        "marketplace_id": FR,
    }
    assert item["offers"][0]["price"] == {
        "currencyCode": "EUR",
        "amount": product["price"],
    }
    assert item["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 5}
    ]
    assert sum(sku.startswith("UNKNOWN-") for sku in skus) == 1
    default = client.get_listings_item(SELLER, "MPH-0001").payload
    assert set(default) == {"sku", "summaries"}
    with pytest.raises(SellingApiNotFoundException) as raised:
        client.get_listings_item(SELLER, "NOPE-1")
    assert raised.value.error[0]["code"] == "NOT_FOUND"
    with pytest.raises(SellingApiForbiddenException):
        client.get_listings_item("A2SANDBOXSELLER2", "MPH-0001")


def test_patch_quantity_and_price(amazon, sp_client):
    amazon.create_listings(SELLER, 2, quantity=3)
    client = sp_client(ListingsItems)
    answer = patch(client, "MPH-0001", quantity(12), price(19.9))
    assert answer["status"] == "ACCEPTED" and answer["issues"] == []
    assert answer["sku"] == "MPH-0001" and answer["submissionId"]
    record = amazon.listing_record(SELLER, "MPH-0001")
    assert record["quantity"] == 12 and record["prices"] == {FR: "19.90"}
    assert record["history_count"] == 1
    # merge keeps the other keys and offers; replace replaces the whole array
    patch(client, "MPH-0001", price(30, op="merge", audience="B2B"))
    patch(client, "MPH-0001", quantity(4, op="merge"))
    record = amazon.listing_record(SELLER, "MPH-0001")
    assert record["prices"] == {FR: "19.90", f"{FR}:B2B": "30.00"}
    assert record["quantity"] == 4
    patch(client, "MPH-0001", price(21))
    assert amazon.listing_record(SELLER, "MPH-0001")["prices"] == {FR: "21.00"}
    item = client.get_listings_item(SELLER, "MPH-0001", includedData=["offers"])
    assert item.payload["offers"][0]["price"]["amount"] == "21.00"
    # other attributes are stored as given, and can be deleted
    extra = {"op": "add", "path": "/attributes/color", "value": [{"value": "red"}]}
    patch(client, "MPH-0001", extra)
    assert amazon.listing_record(SELLER, "MPH-0001")["attributes"]["color"]
    patch(client, "MPH-0001", {"op": "delete", "path": "/attributes/color"})
    assert "color" not in amazon.listing_record(SELLER, "MPH-0001")["attributes"]
    # an order takes its quantity off the DEFAULT stock
    (order_id,) = amazon.create_orders(SELLER, 1)
    items = sp_client(Orders).get_order_items(order_id).payload["OrderItems"]
    taken = sum(i["QuantityOrdered"] for i in items if i["SellerSKU"] == "MPH-0001")
    assert amazon.listing_record(SELLER, "MPH-0001")["quantity"] == max(0, 4 - taken)


@pytest.mark.parametrize(
    "bad, attribute",
    [
        (quantity(-1), "fulfillment_availability"),
        (quantity(2.5), "fulfillment_availability"),
        (quantity("7"), "fulfillment_availability"),
        (price(0), "purchasable_offer"),
        (price("abc"), "purchasable_offer"),
        (price(-3.5), "purchasable_offer"),
    ],
)
def test_bad_values_are_invalid(amazon, sp_client, bad, attribute):
    amazon.create_listings(SELLER, 1, quantity=3)
    before = amazon.listing_record(SELLER, "MPH-0001")
    answer = patch(sp_client(ListingsItems), "MPH-0001", quantity(9), bad)
    assert answer["status"] == "INVALID"
    (issue,) = answer["issues"]
    assert issue["severity"] == "ERROR" and issue["attributeNames"] == [attribute]
    assert amazon.listing_record(SELLER, "MPH-0001") == before


def test_unknown_sku_preview_and_bad_requests(amazon, sp_client):
    amazon.create_listings(SELLER, 1, quantity=3)
    client = sp_client(ListingsItems)
    answer = patch(client, "NOPE-1", quantity(1))
    assert answer["status"] == "INVALID"
    assert answer["issues"][0]["code"] == "NOT_FOUND"
    preview = patch(client, "MPH-0001", quantity(8), mode="VALIDATION_PREVIEW")
    assert preview["status"] == "VALID"
    assert amazon.listing_record(SELLER, "MPH-0001")["quantity"] == 3
    for wrong in (
        {"op": "move", "path": "/attributes/x", "value": []},
        {"op": "replace", "path": "/summaries/x", "value": []},
        {"op": "replace", "path": "/attributes/x/y", "value": []},
        {"op": "replace", "path": "/attributes/x", "value": {"a": 1}},
    ):
        with pytest.raises(SellingApiBadRequestException) as raised:
            patch(client, "MPH-0001", wrong)
        assert raised.value.error[0]["code"] == "InvalidInput"
    with pytest.raises(SellingApiBadRequestException):
        client.patch_listings_item(
            SELLER, "MPH-0001", marketplaceIds=[FR], body={"patches": []}
        )


def test_search_listings_items(amazon, sp_client):
    amazon.create_listings(SELLER, 25, unknown_sku_share=0.2, ean_only_share=0.2)
    amazon.create_listings("A2SANDBOXSELLER2", 3)
    client = sp_client(ListingsItems)
    seen, token = [], None
    while True:
        params = {"marketplaceIds": [FR], "includedData": ["summaries", "attributes"]}
        if token:
            params["pageToken"] = token
        answer = client.search_listings_items(SELLER, **params)
        assert answer.payload["numberOfResults"] == 25
        assert len(answer.payload["items"]) <= 10
        seen += answer.payload["items"]
        token = answer.next_token
        if not token:
            break
    skus = [item["sku"] for item in seen]
    assert skus == sorted(skus) and len(set(skus)) == 25
    assert sum(sku.startswith("UNKNOWN-") for sku in skus) == 10
    ean = catalog.product(42, 3)["ean"]
    found = client.search_listings_items(
        SELLER, marketplaceIds=[FR], identifiers=[ean], identifiersType="EAN"
    ).payload
    assert found["numberOfResults"] >= 1
    assert found["items"][0]["summaries"][0]["asin"].startswith("B0")
    with pytest.raises(SellingApiBadRequestException):
        client.search_listings_items(SELLER, marketplaceIds=[FR], pageSize=21)
