"""Amazon emulator: Feeds 2021-06-30 and JSON_LISTINGS_FEED through
python-amazon-sp-api."""

import io
import json
import time

import pytest
import requests
from mphub.sandbox.amazon import FR
from sp_api.api import Feeds
from sp_api.base import SellingApiBadRequestException, SellingApiNotFoundException

SELLER = "A1SANDBOXSELLER1"
JSON_TYPE = "application/json; charset=UTF-8"


def availability(quantity):
    return [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]


def offer(value):
    return [
        {
            "marketplace_id": FR,
            "currency": "EUR",
            "our_price": [{"schedule": [{"value_with_tax": value}]}],
        }
    ]


def message(number, sku, operation="PATCH", **fields):
    data = {"messageId": number, "sku": sku, "operationType": operation}
    if operation != "DELETE":
        data["productType"] = "PRODUCT"
    data.update(fields)
    return data


def patches(**attributes):
    return [
        {"op": "replace", "path": f"/attributes/{name}", "value": value}
        for name, value in attributes.items()
    ]


def feed_document(*messages, seller=SELLER):
    return {
        "header": {"sellerId": seller, "version": "2.0"},
        "messages": list(messages),
    }


def submit(client, content, feed_type="JSON_LISTINGS_FEED"):
    if not isinstance(content, bytes):
        content = json.dumps(content).encode()
    document, feed = client.submit_feed(
        feed_type, io.BytesIO(content), content_type=JSON_TYPE
    )
    return document.payload, feed.payload["feedId"]


def test_json_listings_feed_with_per_sku_errors(amazon, amazon_server, sp_client):
    amazon.create_listings(SELLER, 5, quantity=1)
    client = sp_client(Feeds)
    document, feed_id = submit(
        client,
        feed_document(
            message(
                1, "MPH-0001", patches=patches(fulfillment_availability=availability(7))
            ),
            message(2, "MPH-0002", patches=patches(purchasable_offer=offer(12.5))),
            message(
                3, "NOPE-1", patches=patches(fulfillment_availability=availability(1))
            ),
            message(
                4,
                "MPH-0003",
                patches=patches(fulfillment_availability=availability(-2)),
            ),
            message(5, "MPH-0004", patches=patches(purchasable_offer=offer(0))),
            message(
                6,
                "MPH-0005",
                "PARTIAL_UPDATE",
                attributes={"fulfillment_availability": availability(3)},
            ),
            message(7, "MPH-0005", attributes={"x": [{"value": 1}]}),
            message(8, "NOPE-2", "DELETE"),
        ),
    )
    assert document["url"].startswith(amazon_server.url + "/_upload/")
    feed = client.get_feed(feed_id).payload
    assert (
        feed["processingStatus"] == "DONE" and feed["feedType"] == "JSON_LISTINGS_FEED"
    )
    report = json.loads(client.get_feed_result_document(feed["resultFeedDocumentId"]))
    assert report["header"] == {"sellerId": SELLER, "version": "2.0", "feedId": feed_id}
    assert report["summary"] == {
        "errors": 6,
        "warnings": 0,
        "messagesProcessed": 8,
        "messagesAccepted": 3,
        "messagesInvalid": 5,
    }
    by_message = {issue["messageId"]: issue for issue in report["issues"]}
    assert by_message[3]["code"] == "NOT_FOUND" and by_message[3]["sku"] == "NOPE-1"
    assert by_message[4]["attributeName"] == "fulfillment_availability"
    assert by_message[5]["attributeName"] == "purchasable_offer"
    assert by_message[7]["code"] == "INVALID_MESSAGE"
    assert by_message[8]["code"] == "NOT_FOUND"
    assert amazon.listing_record(SELLER, "MPH-0001")["quantity"] == 7
    assert amazon.listing_record(SELLER, "MPH-0002")["prices"] == {FR: "12.50"}
    assert amazon.listing_record(SELLER, "MPH-0003")["quantity"] == 1
    assert amazon.listing_record(SELLER, "MPH-0005")["quantity"] == 3
    record = amazon.feed_record(feed_id)
    assert record["messages"] == 8 and record["messages_accepted"] == 3
    doc = client.get_feed_document(feed["resultFeedDocumentId"])
    assert json.loads(doc)["summary"]["messagesInvalid"] == 5
    raw = requests.get(
        amazon_server.url
        + f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}",
        headers={"x-amz-access-token": client.auth.access_token},
        timeout=5,
    ).json()
    assert raw["compressionAlgorithm"] == "GZIP"


@pytest.mark.parametrize(
    "content, feed_type, words",
    [
        (b"<xml/>", "POST_INVENTORY_AVAILABILITY_DATA", "July 2025"),
        (b"not json", "JSON_LISTINGS_FEED", "not valid JSON"),
        ({"messages": []}, "JSON_LISTINGS_FEED", "header"),
        (feed_document(), "JSON_LISTINGS_FEED", "1 to 25000"),
        (
            feed_document(message(1, "A", "DELETE"), seller="A2SANDBOXSELLER2"),
            None,
            "seller",
        ),
        (
            feed_document(message(1, "A", "DELETE"), message(1, "B", "DELETE")),
            None,
            "not unique",
        ),
        (feed_document(message(0, "A", "DELETE")), None, "messageId"),
    ],
)
def test_fatal_feeds(sp_client, content, feed_type, words):
    client = sp_client(Feeds)
    _document, feed_id = submit(client, content, feed_type or "JSON_LISTINGS_FEED")
    feed = client.get_feed(feed_id).payload
    assert feed["processingStatus"] == "FATAL"
    report = json.loads(client.get_feed_result_document(feed["resultFeedDocumentId"]))
    assert words in report["issues"][0]["message"]
    assert report["summary"]["messagesProcessed"] == 0


@pytest.mark.amazon(feed_processing_seconds=0.6)
def test_feed_progress_cancel_and_list(amazon, sp_client):
    amazon.create_listings(SELLER, 1)
    client = sp_client(Feeds)
    body = feed_document(
        message(
            1, "MPH-0001", patches=patches(fulfillment_availability=availability(2))
        )
    )
    _doc, first = submit(client, body)
    _doc, second = submit(client, body)
    assert client.get_feed(first).payload["processingStatus"] == "IN_QUEUE"
    client.cancel_feed(second)
    assert client.get_feed(second).payload["processingStatus"] == "CANCELLED"
    time.sleep(0.35)
    assert client.get_feed(first).payload["processingStatus"] == "IN_PROGRESS"
    with pytest.raises(SellingApiBadRequestException):
        client.cancel_feed(first)
    time.sleep(0.3)
    feed = client.get_feed(first).payload
    assert feed["processingStatus"] == "DONE"
    assert feed["processingStartTime"] <= feed["processingEndTime"]
    listed = client.get_feeds(feedTypes=["JSON_LISTINGS_FEED"], pageSize=1)
    assert [f["feedId"] for f in listed.payload["feeds"]] == [second]
    following = client.get_feeds(nextToken=listed.next_token)
    assert [f["feedId"] for f in following.payload["feeds"]] == [first]
    done = client.get_feeds(
        feedTypes=["JSON_LISTINGS_FEED"], processingStatuses=["DONE"]
    )
    assert [f["feedId"] for f in done.payload["feeds"]] == [first]
    with pytest.raises(SellingApiBadRequestException):
        client.get_feeds()
    with pytest.raises(SellingApiNotFoundException):
        client.get_feed("123")
    with pytest.raises(SellingApiBadRequestException):
        client.create_feed("JSON_LISTINGS_FEED", "amzn1.tortuga.nope")
