"""The Cdiscount emulator's Octopia REST API, over real HTTP."""

import json
import subprocess
import sys
from decimal import Decimal

import pytest
import requests
from mphub.sandbox.__main__ import STANDARD_PORTS
from mphub.sandbox.cdiscount_rest import TOKEN_PATH

SELLER = 98979
CLIENT = ("sandbox-cdiscount-client", "sandbox-cdiscount-secret")


def token(url, client=CLIENT, grant="client_credentials"):
    form = {"grant_type": grant, "client_id": client[0], "client_secret": client[1]}
    return requests.post(url + TOKEN_PATH, data=form, timeout=5)


class Octopia:
    """Raw calls to the REST API as one seller."""

    def __init__(self, url, seller=SELLER, client=CLIENT):
        self.url = url
        answer = token(url, client)
        assert answer.status_code == 200, answer.text
        self.session = requests.Session()
        self.session.headers["Authorization"] = (
            "Bearer " + answer.json()["access_token"]
        )
        self.session.headers["SellerId"] = str(seller)

    def call(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, f"{self.url}/seller/v2{path}", **kwargs)

    def orders(self, **params):
        answer = self.call("GET", "/orders", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def order(self, number):
        answer = self.call("GET", f"/orders/{number}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def approve(self, number, status, line_ids=None):
        body = {"approvalStatus": status}
        if line_ids is not None:
            body["orderLineIds"] = line_ids
        return self.call("POST", f"/orders/{number}/approval-status", json=body)

    def ship(self, number, *parcels):
        body = [
            {
                "parcelNumber": f"6A{n}",
                "carrierName": "Colissimo",
                "trackingUrl": f"https://track.example/6A{n}",
                "orderLineIds": line_ids,
            }
            for n, line_ids in enumerate(parcels)
        ]
        return self.call("POST", f"/orders/{number}/shipments", json=body)


def admin(url, method, path, body=None):
    answer = requests.request(method, f"{url}/_sandbox/{path}", json=body, timeout=5)
    assert answer.ok, answer.text
    return answer.json()


@pytest.fixture
def api(cdiscount_url):
    return Octopia(cdiscount_url)


def valid_waiting(cdiscount, count=30, lines=2, **options):
    """Numbers of valid seller orders waiting, with ``lines`` goods lines."""
    numbers = cdiscount.create_orders(SELLER, count, multi_line_share=1.0, **options)
    wanted = []
    for number in numbers:
        record = cdiscount.order_record(number)
        if (
            record["kind"] == "valid"
            and record["status"] == "WaitingAcceptance"
            and not record["fees"]
            and len(record["lines"]) >= lines
        ):
            wanted.append(number)
    return wanted


# ----------------------------------------------------------------------
# tokens and access
# ----------------------------------------------------------------------
def test_token_endpoint_issues_bearer_tokens_and_refuses_bad_clients(cdiscount_url):
    answer = token(cdiscount_url)
    assert answer.status_code == 200
    data = answer.json()
    assert data["token_type"] == "Bearer" and data["expires_in"] == 7200
    assert len(data["access_token"]) > 20
    refused = token(cdiscount_url, (CLIENT[0], "wrong"))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert "wrong" not in refused.text
    grant = token(cdiscount_url, grant="password")
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"


def test_token_limit_answers_429_with_retry_after(cdiscount, cdiscount_url):
    cdiscount.update_settings({"token_limit": 3})
    assert [token(cdiscount_url).status_code for _n in range(3)] == [200] * 3
    limited = token(cdiscount_url)
    assert limited.status_code == 429
    assert 3000 < int(limited.headers["Retry-After"]) <= 3601
    # per client: the other seller's client still gets one
    other = token(
        cdiscount_url, ("sandbox-cdiscount2-client", "sandbox-cdiscount2-secret")
    )
    assert other.status_code == 200


def test_401_without_a_valid_token_and_403_without_the_right_seller(api, cdiscount_url):
    bare = requests.get(cdiscount_url + "/seller/v2/orders", timeout=5)
    assert bare.status_code == 401
    body = bare.json()
    assert body["status"] == 401 and body["detail"] and body["title"] == "Unauthorized"
    unknown = requests.get(
        cdiscount_url + "/seller/v2/orders",
        headers={"Authorization": "Bearer nope", "SellerId": str(SELLER)},
        timeout=5,
    )
    assert unknown.status_code == 401
    del api.session.headers["SellerId"]
    assert api.call("GET", "/orders").status_code == 403
    api.session.headers["SellerId"] = "98980"
    forbidden = api.call("GET", "/orders")
    assert forbidden.status_code == 403 and "98980" in forbidden.json()["detail"]
    api.session.headers["SellerId"] = str(SELLER)
    assert api.call("GET", "/orders").status_code == 200
    admin(cdiscount_url, "POST", "tokens/expire")
    expired = api.call("GET", "/orders")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


# ----------------------------------------------------------------------
# orders
# ----------------------------------------------------------------------
def test_pages_cover_every_order_once_with_the_total_count(cdiscount, api):
    numbers = cdiscount.create_orders(SELLER, 230, unknown_sku_share=0.1)
    cdiscount.create_orders(98980, 5)  # the other seller's
    seen = []
    for index in (1, 2, 3):
        page = api.orders(pageIndex=index, pageSize=100, sort="createdAt")
        assert page["totalCount"] == 230
        assert (page["pageIndex"], page["pageSize"]) == (index, 100)
        seen += [order["orderId"] for order in page["items"]]
    assert seen == numbers  # created in that order
    assert api.orders(pageIndex=4)["items"] == []
    assert api.call("GET", "/orders/count").json() == {"count": 230}
    for bad in ({"pageSize": 101}, {"pageIndex": 0}, {"pageSize": "x"}, {"sort": "x"}):
        assert api.call("GET", "/orders", params=bad).status_code == 400


def test_filters_status_supply_mode_references_dates_and_channel(cdiscount, api):
    numbers = cdiscount.create_orders(SELLER, 60, state="mixed", fulfilment_share=0.3)
    records = [cdiscount.order_record(n) for n in numbers]
    shipped = {r["order_number"] for r in records if r["status"] == "Shipped"}
    got = {o["orderId"] for o in api.orders(status="Shipped")["items"]}
    assert got == shipped and shipped
    both = api.orders(status="Shipped,Refused")["totalCount"]
    assert both == sum(r["status"] in ("Shipped", "Refused") for r in records)
    fulfilled = {
        r["order_number"] for r in records if r["supply_mode"] == "Fulfillment"
    }
    got = {o["orderId"] for o in api.orders(supplyMode="Fulfillment")["items"]}
    assert got == fulfilled and fulfilled
    picked = numbers[3:6]
    assert [
        o["orderId"] for o in api.orders(orderIds=",".join(picked))["items"]
    ] == picked
    got = api.orders(reference=[picked[0], picked[2]])["items"]
    assert {o["orderId"] for o in got} == {picked[0], picked[2]}
    middle = cdiscount.order_record(numbers[30])["updated"]
    later = api.orders(updatedAtMin=middle, pageSize=100)["items"]
    assert all(o["updatedAt"] >= middle for o in later) and numbers[30] in [
        o["orderId"] for o in later
    ]
    earlier = api.orders(updatedAtMax=middle, pageSize=100)["items"]
    assert len(earlier) + len(later) == 61  # the bounds are inclusive
    newest = api.orders(sort="updatedAt", desc="true", pageSize=1)["items"][0]
    assert newest["updatedAt"] == max(r["updated"] for r in records)
    assert api.orders(salesChannelId="CDISES")["totalCount"] == 0
    for bad in ({"status": "Nope"}, {"supplyMode": "Drone"}, {"updatedAtMin": "x"}):
        assert api.call("GET", "/orders", params=bad).status_code == 400


def test_an_order_renders_the_store_with_every_amount(cdiscount, api):
    numbers = cdiscount.create_orders(SELLER, 40, relay_share=0.5, company_share=0.5)
    for number in numbers:
        record, order = cdiscount.order_record(number), api.order(number)
        assert order["orderId"] == order["reference"] == number
        assert order["currency"] == "EUR" and order["salesChannelId"] == "CDISFR"
        assert Decimal(str(order["totalPrice"])) == Decimal(record["marketplace_total"])
        assert Decimal(str(order["totalShippingPrice"])) == Decimal(
            record["shipping_total"]
        )
        assert ("commission" in order) is (record["commission"] is not None)
        assert [line["orderLineId"] for line in order["lines"]] == [
            line["line_id"] for line in record["lines"]
        ]
        if record["relay"]:
            address = order["shippingAddress"]
            assert address["relayId"] == order["shipping"]["relayId"]
            assert address["relayName"]
    missing = api.call("GET", "/orders/2501010000NOPEA")
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]


def test_rest_shape_defects(cdiscount, api):
    numbers = cdiscount.create_orders(SELLER, 9, malformed_share=1.0)
    orders = {cdiscount.order_record(n)["defect"]: api.order(n) for n in numbers}
    assert orders["amount_text"]["totalPrice"] == "abc"
    assert orders["quantity_text"]["lines"][0]["quantity"] == "two"
    assert "lines" not in orders["no_lines"]
    assert orders["empty_sku"]["lines"][0]["sellerProductId"] == ""
    assert orders["empty_address"]["shippingAddress"]["postalCode"] == ""
    assert orders["future_date"]["createdAt"].startswith("2099-")


# ----------------------------------------------------------------------
# approval and shipments
# ----------------------------------------------------------------------
def test_accepting_an_order_and_the_conflict_of_a_second_accept(cdiscount, api):
    number = valid_waiting(cdiscount)[0]
    assert api.approve(number, "Accepted").status_code == 204
    order = api.order(number)
    assert order["status"] == "InPreparation"  # paid at once by default
    assert {line["status"] for line in order["lines"]} == {"Accepted"}
    again = api.approve(number, "Accepted")
    assert again.status_code == 409
    assert "order status is InPreparation" in again.json()["detail"]
    assert api.approve(number, "Maybe").status_code == 400


def test_refusing_some_lines_then_accepting_the_others(cdiscount, api):
    number = valid_waiting(cdiscount)[0]
    lines = [line["orderLineId"] for line in api.order(number)["lines"]]
    assert api.approve(number, "Refused", [lines[0]]).status_code == 204
    order = api.order(number)
    assert order["status"] == "WaitingAcceptance"
    assert order["lines"][0]["status"] == "Refused"
    assert api.approve(number, "Refused", [lines[0]]).status_code == 409
    assert api.approve(number, "Accepted").status_code == 204
    order, record = api.order(number), cdiscount.order_record(number)
    assert order["status"] == "InPreparation"
    assert [line["status"] for line in order["lines"]] == ["Refused"] + ["Accepted"] * (
        len(lines) - 1
    )
    assert record["decision"] == {lines[0]: False, **dict.fromkeys(lines[1:], True)}
    assert Decimal(str(order["totalPrice"])) == Decimal(record["total"])


def test_accepting_named_lines_refuses_the_others_and_refusal_of_all(cdiscount, api):
    first, second = valid_waiting(cdiscount)[:2]
    lines = [line["orderLineId"] for line in api.order(first)["lines"]]
    assert api.approve(first, "Accepted", [lines[-1]]).status_code == 204
    statuses = [line["status"] for line in api.order(first)["lines"]]
    assert statuses == ["Refused"] * (len(lines) - 1) + ["Accepted"]
    assert api.approve(second, "Refused").status_code == 204
    assert api.order(second)["status"] == "Refused"
    bad = api.approve(valid_waiting(cdiscount)[0], "Accepted", ["99"])
    assert bad.status_code == 400


def test_partial_shipments_then_shipped(cdiscount, api):
    number = valid_waiting(cdiscount, lines=3)[0]
    lines = [line["orderLineId"] for line in api.order(number)["lines"]]
    early = api.ship(number, lines[:1])
    assert early.status_code == 409 and "WaitingAcceptance" in early.json()["detail"]
    api.approve(number, "Accepted")
    answer = api.ship(number, lines[:1], lines[1:2])
    assert answer.status_code == 201
    assert len(answer.json()["shipmentIds"]) == 2
    order = api.order(number)
    assert order["status"] == "InPreparation"
    assert [line["status"] for line in order["lines"]][:2] == ["Shipped", "Shipped"]
    assert api.ship(number, lines[:1]).status_code == 409  # already shipped
    assert api.ship(number, lines[2:]).status_code == 201
    assert api.order(number)["status"] == "Shipped"
    shipments = admin(api.url, "GET", f"shipments/{number}")
    assert [s["line_ids"] for s in shipments] == [lines[:1], lines[1:2], lines[2:]]
    assert shipments[0]["parcel_number"] == "6A0"
    assert shipments[0]["carrier_name"] == "Colissimo"


def test_shipment_errors(cdiscount, api):
    number = valid_waiting(cdiscount)[0]
    api.approve(number, "Accepted")
    for body in ([], {}, [{"parcelNumber": "P"}], [{"orderLineIds": ["1"]}]):
        answer = api.call("POST", f"/orders/{number}/shipments", json=body)
        assert answer.status_code == 400, body
    assert api.ship(number, ["99"]).status_code == 400
    fulfilled = cdiscount.create_orders(
        SELLER, 3, fulfilment_share=1.0, state="InPreparation"
    )[0]
    refused = api.ship(fulfilled, ["1"])
    assert refused.status_code == 409 and "fulfilment" in refused.json()["detail"]


def test_a_payment_delay_keeps_the_order_accepted(cdiscount, api):
    cdiscount.update_settings({"payment_delay_seconds": 3600})
    number = valid_waiting(cdiscount)[0]
    api.approve(number, "Accepted")
    assert api.order(number)["status"] == "Accepted"
    answer = api.ship(number, ["1"])
    assert answer.status_code == 409 and "Accepted" in answer.json()["detail"]


def test_carriers(api):
    carriers = api.call("GET", "/carriers").json()["items"]
    assert {"code": "COL", "name": "Colissimo"}.items() <= carriers[0].items()
    assert all(carrier["trackingUrl"].startswith("https://") for carrier in carriers)


# ----------------------------------------------------------------------
# offers
# ----------------------------------------------------------------------
def package(api, offers, kind="Update"):
    body = {"salesChannelId": "CDISFR", "type": kind, "offers": offers}
    return api.call("POST", "/offer-packages", json=body)


def test_offer_package_states_and_per_offer_errors(cdiscount, api):
    cdiscount.update_settings({"package_polls": 2})
    answer = package(
        api,
        [
            {
                "sellerProductId": "MPH-0001",
                "ean": "3760420000000",
                "price": 9.9,
                "stock": 7,
            },
            {"sellerProductId": "NOT-MINE", "price": 5, "stock": 1},
            {"sellerProductId": "MPH-0002", "price": 100001, "stock": 1},
            {"sellerProductId": "MPH-0003", "stock": -2},
            {"sellerProductId": "MPH-0004", "price": "abc"},
        ],
    )
    assert answer.status_code == 201
    created = answer.json()
    assert created["status"] == "WaitingForCompletion"
    path = f"/offer-packages/{created['packageId']}"
    polls = [api.call("GET", path).json() for _poll in range(3)]
    assert [p["status"] for p in polls] == [
        "Ready",
        "IntegrationPending",
        "PartiallyIntegrated",
    ]
    assert "offers" not in polls[0]
    done = polls[-1]
    assert (done["offerCount"], done["errorCount"]) == (5, 4)
    errors = {
        o["sellerProductId"]: [e["code"] for e in o["errors"]] for o in done["offers"]
    }
    assert errors == {
        "MPH-0001": [],
        "NOT-MINE": ["UnknownProduct"],
        "MPH-0002": ["InvalidPrice"],
        "MPH-0003": ["InvalidStock"],
        "MPH-0004": ["InvalidPrice"],
    }
    offers = api.call("GET", "/offers", params={"salesChannelId": "CDISFR"}).json()
    assert [
        (o["sellerProductId"], o["price"], o["stock"]) for o in offers["items"]
    ] == [("MPH-0001", 9.9, 7)]
    record = admin(api.url, "GET", f"packages/{created['packageId']}")
    assert record["status"] == "PartiallyIntegrated" and record["generation"] == "rest"


def test_offer_package_requests_refused_and_other_sellers(
    cdiscount, cdiscount_url, api
):
    assert package(api, []).status_code == 400
    assert (
        package(api, [{"sellerProductId": "MPH-0001"}], kind="Purge").status_code == 400
    )
    created = package(api, [{"sellerProductId": "MPH-0001", "stock": 1}]).json()
    other = Octopia(
        cdiscount_url, 98980, ("sandbox-cdiscount2-client", "sandbox-cdiscount2-secret")
    )
    path = f"/offer-packages/{created['packageId']}"
    assert other.call("GET", path).status_code == 404
    assert api.call("GET", "/offer-packages/nope").status_code == 404


def test_offers_list_pages_and_malformed_records(cdiscount, api):
    cdiscount.create_offers(SELLER, 25, malformed_share=0.2, unknown_sku_share=0.2)
    first = api.call("GET", "/offers", params={"pageSize": 10}).json()
    assert (first["totalCount"], len(first["items"])) == (25, 10)
    items = (
        first["items"]
        + api.call("GET", "/offers", params={"pageSize": 10, "pageIndex": 2}).json()[
            "items"
        ]
        + api.call("GET", "/offers", params={"pageSize": 10, "pageIndex": 3}).json()[
            "items"
        ]
    )
    assert len(items) == 25
    assert sum("sellerProductId" not in item for item in items) == 3
    assert sum(item["price"] == "abc" for item in items) == 2
    assert (
        sum(item.get("sellerProductId", "").startswith("UNKNOWN-") for item in items)
        == 5
    )


# ----------------------------------------------------------------------
# faults, admin, index, command line
# ----------------------------------------------------------------------
def test_framework_faults_apply_to_the_rest_api(cdiscount, api):
    cdiscount.create_orders(SELLER, 3)
    cdiscount.set_faults({"rate_429": 1.0, "retry_after": 4})
    throttled = api.call("GET", "/orders")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "4"
    cdiscount.set_faults({"rate_429": 0.0, "rate_5xx": 1.0})
    assert api.call("GET", "/orders").status_code in (500, 502, 503)
    cdiscount.set_faults({"rate_5xx": 0.0, "rate_corrupt": 1.0})
    cut = api.call("GET", "/orders")
    with pytest.raises(ValueError):
        json.loads(cut.text)
    cdiscount.set_faults({"rate_corrupt": 0.0, "expired_credentials": True})
    assert api.call("GET", "/orders").status_code == 401
    assert token(api.url).status_code == 401
    cdiscount.set_faults(
        {"expired_credentials": False, "call_frequency": {"getOrders": 60}}
    )
    assert api.call("GET", "/orders").status_code == 200
    limited = api.call("GET", "/orders")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 50
    assert api.call("GET", "/orders/count").status_code == 200  # another operation
    stats = cdiscount.get_stats()
    assert stats["getOrders"]["429"] == 2 and stats["getOrders"]["5xx"] == 1
    callers = cdiscount.stats.by_caller()
    assert CLIENT[0] in callers  # callers keyed by client id, never by token


def test_admin_routes_create_orders_force_states_and_reset(cdiscount_url):
    created = admin(
        cdiscount_url,
        "POST",
        "orders",
        {"seller": 98980, "count": 3, "relay_share": 1.0, "state": "InPreparation"},
    )
    number = created["order_numbers"][0]
    record = admin(cdiscount_url, "GET", f"orders/{number}")
    assert (record["seller_id"], record["status"], record["relay"]) == (
        98980,
        "InPreparation",
        True,
    )
    moved = admin(
        cdiscount_url, "POST", f"orders/{number}/state", {"state": "Delivered"}
    )
    assert (moved["status"], moved["soap_state"]) == ("Delivered", "PickedUp")
    bad = requests.post(
        f"{cdiscount_url}/_sandbox/orders/{number}/state",
        json={"state": "Lost"},
        timeout=5,
    )
    assert bad.status_code == 400
    unknown = requests.get(
        f"{cdiscount_url}/_sandbox/orders/2501010000NOPEA", timeout=5
    )
    assert unknown.status_code == 404
    assert (
        requests.post(
            f"{cdiscount_url}/_sandbox/orders", json={"count": 1, "nope": 1}, timeout=5
        ).status_code
        == 400
    )
    assert (
        admin(cdiscount_url, "POST", "settings", {"package_polls": 0})["package_polls"]
        == 0
    )
    sellers = admin(cdiscount_url, "GET", "sellers")
    assert [s["orders"] for s in sellers] == [0, 3]
    admin(cdiscount_url, "POST", "reset")
    assert [s["orders"] for s in admin(cdiscount_url, "GET", "sellers")] == [0, 0]


def test_index_lists_the_sellers_and_their_credentials(sandbox, cdiscount_url):
    data = requests.get(
        cdiscount_url + "/", headers={"Accept": "application/json"}, timeout=5
    ).json()
    entry = {e["name"]: e for e in data["emulators"]}["cdiscount"]
    assert entry["title"] == "Cdiscount (Octopia)"
    assert [a["seller_id"] for a in entry["accounts"]] == [98979, 98980]
    assert entry["accounts"][0]["client_id"] == CLIENT[0]
    assert entry["accounts"][0]["soap_login"] == "sandbox-cdiscount-api"
    assert STANDARD_PORTS["cdiscount"] == 8903


def test_command_line_serves_cdiscount_with_orders():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mphub.sandbox",
            "--orders",
            "4",
            "--fault",
            "cdiscount.retry_after=2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        urls = json.loads(process.stdout.readline())
        api = Octopia(urls["cdiscount"])
        assert api.orders()["totalCount"] == 4
        faults = requests.get(urls["cdiscount"] + "/_sandbox/faults", timeout=5).json()
        assert faults["retry_after"] == 2
    finally:
        process.terminate()
        process.wait(timeout=10)
