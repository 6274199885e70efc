"""The Octopia REST client (``CdiscountClient("rest")``) against the
sandbox's Cdiscount emulator, over real HTTP."""

import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from mphub.canonical import OrderStatus
from mphub.cdiscount.client import CdiscountClient
from mphub.client import Outcome, Shipment
from mphub.errors import (
    AuthError,
    ConfigError,
    InvalidPayload,
    RemoteError,
    ThrottledError,
    TransientError,
)
from mphub.offers import OfferRow, PriceRow, StockRow
from mphub.tokens import MemoryTokenStore

SELLER = "98979"
CLIENT_ID = "sandbox-cdiscount-client"
SECRET = "sandbox-cdiscount-secret"
TOKEN_PATH = "/auth/realms/maas/protocol/openid-connect/token"
AN_HOUR_AGO = datetime.now(timezone.utc) - timedelta(hours=1)


def make_client(url, store=None, **settings):
    values = {
        "api_url": url + "/seller/v2",
        "auth_url": url + TOKEN_PATH,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "seller_id": SELLER,
        "timeout": 5,
        "token_store": store if store is not None else MemoryTokenStore(),
        **settings,
    }
    return CdiscountClient("rest", **values)


@pytest.fixture
def client(cdiscount_url):
    client = make_client(cdiscount_url)
    yield client
    client.close()


def walk(client, since=AN_HOUR_AGO, before=None):
    """Every page of the window: (orders, pages, totals)."""
    orders, pages, totals, page = [], 0, set(), None
    while True:
        result = client.list_orders(since, page=page, updated_before=before)
        orders += result.orders
        totals.add(result.total)
        pages += 1
        page = result.next_page
        if not page:
            return orders, pages, totals


def order_ids(orders):
    return [order["orderId"] for order in orders]


def lines_of(client, order_id):
    return [line["orderLineId"] for line in client.get_orders([order_id])[0]["lines"]]


# -- orders ------------------------------------------------------------------
def test_pages_through_every_order(cdiscount, client):
    ids = cdiscount.create_orders(SELLER, 250)
    orders, pages, totals = walk(client)
    assert pages == 3 and totals == {250}
    assert sorted(order_ids(orders)) == sorted(ids)
    # the other seller's orders are not this account's
    cdiscount.create_orders("98980", 5)
    assert len(walk(client)[0]) == 250


def test_window_by_update_date(cdiscount, client):
    cdiscount.create_orders(SELLER, 3)
    future = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert walk(client, since=future)[0] == []
    assert walk(client, before=AN_HOUR_AGO - timedelta(hours=1))[0] == []
    assert len(walk(client, before=future)[0]) == 3


def test_updates_during_paging_lose_no_order(cdiscount, client):
    ids = cdiscount.create_orders(SELLER, 150)
    first = client.list_orders(AN_HOUR_AGO)
    # orders of the page read are accepted meanwhile: their update date moves
    for order_id in order_ids(first.orders)[:20]:
        cdiscount.set_order_state(order_id, "Accepted")
    rest = client.list_orders(AN_HOUR_AGO, page=first.next_page)
    seen = set(order_ids(first.orders)) | set(order_ids(rest.orders))
    assert seen == set(ids) and rest.next_page is None


def test_a_page_token_not_ours_is_refused(client):
    with pytest.raises(InvalidPayload, match="not a page token"):
        client.list_orders(AN_HOUR_AGO, page="2|yesterday|")


def test_get_orders_in_chunks(cdiscount, client):
    ids = cdiscount.create_orders(SELLER, 130)
    assert order_ids(client.get_orders(ids)) == ids
    assert client.get_orders(["2501010000NOPEX"]) == []
    assert client.get_orders([]) == []


def test_every_order_of_the_emulator_maps_as_its_record_says(cdiscount, client):
    ids = cdiscount.create_orders(
        SELLER, 120, unknown_sku_share=0.1, malformed_share=0.1, state="mixed"
    )
    kinds = {"valid": 0, "malformed": 0}
    for raw in client.get_orders(ids):
        record = cdiscount.order_record(client.external_id(raw))
        if record["kind"] == "malformed":
            kinds["malformed"] += 1
            with pytest.raises(InvalidPayload):
                client.map_order(raw)
            continue
        kinds["valid"] += 1
        order = client.map_order(raw)
        status, state = client.raw_state(raw)
        assert (order.status, order.marketplace_status) == (status, state)
        if order.status not in OrderStatus.DEAD:
            assert order.total == Decimal(record["total"]), record["order_number"]
    assert kinds["valid"] and kinds["malformed"]


# -- acceptance ----------------------------------------------------------------
def test_accept_is_idempotent(cdiscount, client):
    first, second = cdiscount.create_orders(
        SELLER, 2, multi_line_share=0, fulfilment_share=0
    )
    accept = dict.fromkeys(lines_of(client, first), True)
    assert client.accept_order(first, accept) == Outcome.DONE
    assert cdiscount.order_record(first)["status"] in ("Accepted", "InPreparation")
    assert client.accept_order(first, accept) == Outcome.ALREADY
    refuse = dict.fromkeys(lines_of(client, second), False)
    assert client.accept_order(second, refuse) == Outcome.DONE
    assert cdiscount.order_record(second)["status"] == "Refused"
    assert client.accept_order(second, refuse) == Outcome.ALREADY
    with pytest.raises(RemoteError, match="Refused"):
        client.accept_order(second, dict.fromkeys(refuse, True))


def test_accepted_in_the_back_office_is_already(cdiscount, client):
    (order_id,) = cdiscount.create_orders(SELLER, 1, fulfilment_share=0)
    cdiscount.set_order_state(order_id, "Accepted")
    decisions = dict.fromkeys(lines_of(client, order_id), True)
    assert client.accept_order(order_id, decisions) == Outcome.ALREADY


def test_partial_refusal(cdiscount, client):
    (order_id,) = cdiscount.create_orders(
        SELLER, 1, multi_line_share=1, fulfilment_share=0
    )
    line_ids = lines_of(client, order_id)
    assert len(line_ids) >= 2
    decisions = {line_id: line_id != line_ids[-1] for line_id in line_ids}
    assert client.accept_order(order_id, decisions) == Outcome.DONE
    record = cdiscount.order_record(order_id)
    assert record["status"] in ("Accepted", "InPreparation")
    states = {line["line_id"]: line["state"] for line in record["lines"]}
    assert states[line_ids[-1]] == "Refused"
    assert all(states[i] != "Refused" for i in line_ids[:-1])
    # the answer was lost: asked again, nothing is asked twice
    assert client.accept_order(order_id, decisions) == Outcome.ALREADY
    order = client.map_order(client.get_orders([order_id])[0])
    assert [line.active for line in order.lines] == [
        decisions[line.external_id] for line in order.lines
    ]


def test_processing_orders_cannot_be_accepted_yet(cdiscount, client):
    (order_id,) = cdiscount.create_orders(SELLER, 1, state="Processing")
    with pytest.raises(TransientError) as caught:
        client.accept_order(order_id, dict.fromkeys(lines_of(client, order_id), True))
    assert caught.value.retry_after


# -- shipments -----------------------------------------------------------------
def shipment(**values):
    return Shipment(
        **{
            "tracking_number": "6A12345678901",
            "carrier_name": "Colissimo",
            "carrier_url": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A1",
            **values,
        }
    )


def seller_orders(cdiscount, count, **shares):
    return cdiscount.create_orders(
        SELLER, count, state="InPreparation", fulfilment_share=0, **shares
    )


def test_ship_the_whole_order(cdiscount, client):
    (order_id,) = seller_orders(cdiscount, 1)
    assert client.ship_order(order_id, shipment()) == Outcome.DONE
    record = cdiscount.order_record(order_id)
    assert record["status"] == "Shipped"
    (parcel,) = cdiscount.shipments(order_id)
    assert parcel["parcel_number"] == "6A12345678901"
    assert parcel["carrier_name"] == "Colissimo"
    assert parcel["tracking_url"].startswith("https://www.laposte.fr/")
    assert sorted(parcel["line_ids"]) == sorted(lines_of(client, order_id))
    assert client.ship_order(order_id, shipment()) == Outcome.ALREADY
    assert len(cdiscount.shipments(order_id)) == 1


def test_partial_shipments_per_delivery(cdiscount, client):
    assert client.ships_per_delivery
    (order_id,) = seller_orders(cdiscount, 1, multi_line_share=1)
    raw = client.get_orders([order_id])[0]
    quantities = {line["orderLineId"]: line["quantity"] for line in raw["lines"]}
    first, *others = sorted(quantities)
    delivery = shipment(lines={first: quantities[first]}, declared={})
    assert client.ship_order(order_id, delivery) == Outcome.DONE
    assert cdiscount.order_record(order_id)["status"] == "InPreparation"
    # the answer was lost: the same delivery again ships nothing more
    assert client.ship_order(order_id, delivery) == Outcome.ALREADY
    last = shipment(
        tracking_number="6A999",
        lines={i: quantities[i] for i in others},
        declared={first: quantities[first]},
    )
    assert client.ship_order(order_id, last) == Outcome.DONE
    assert cdiscount.order_record(order_id)["status"] == "Shipped"
    parcels = cdiscount.shipments(order_id)
    assert [p["line_ids"] for p in parcels] == [[first], sorted(others)]


def test_part_of_a_line_ships_with_its_last_units(cdiscount, client):
    for order_id in seller_orders(cdiscount, 20, multi_line_share=0):
        raw = client.get_orders([order_id])[0]
        (line,) = raw["lines"]
        if line["quantity"] >= 2:
            break
    else:
        pytest.skip("no order of 2 units or more")
    line_id, quantity = line["orderLineId"], line["quantity"]
    some = shipment(lines={line_id: 1}, declared={})
    assert client.ship_order(order_id, some) == Outcome.DONE
    assert cdiscount.shipments(order_id) == []
    rest = shipment(lines={line_id: quantity - 1}, declared={line_id: 1})
    assert client.ship_order(order_id, rest) == Outcome.DONE
    assert cdiscount.order_record(order_id)["status"] == "Shipped"


def test_carrier_code_is_sent_as_the_carrier_name(cdiscount, client):
    carriers = client.list_carriers()
    assert carriers and all(c["code"] and c["label"] for c in carriers)
    carrier = carriers[0]
    (order_id,) = seller_orders(cdiscount, 1)
    coded = shipment(carrier_code=carrier["code"], carrier_name=None, carrier_url=None)
    assert client.ship_order(order_id, coded) == Outcome.DONE
    (parcel,) = cdiscount.shipments(order_id)
    assert parcel["carrier_name"] == carrier["label"]
    # the carrier's tracking link with the parcel number
    assert carrier["tracking_url"].startswith("https://")
    assert parcel["tracking_url"] == carrier["tracking_url"].replace(
        "{parcel}", "6A12345678901"
    )


def test_orders_that_cannot_ship(cdiscount, client):
    (waiting,) = cdiscount.create_orders(SELLER, 1, fulfilment_share=0)
    with pytest.raises(TransientError) as caught:
        client.ship_order(waiting, shipment())
    assert caught.value.retry_after
    (refused,) = cdiscount.create_orders(SELLER, 1, state="Refused", fulfilment_share=0)
    with pytest.raises(RemoteError, match="Refused"):
        client.ship_order(refused, shipment())
    (fulfilled,) = cdiscount.create_orders(
        SELLER, 1, state="InPreparation", fulfilment_share=1
    )
    with pytest.raises(RemoteError, match="fulfilled by Cdiscount"):
        client.ship_order(fulfilled, shipment())
    with pytest.raises(RemoteError, match="not known"):
        client.ship_order("2501010000NOPEX", shipment())


# -- offers --------------------------------------------------------------------
def poll(client, package_id, kind="stock"):
    for _attempt in range(20):
        status = client.push_status(kind, package_id)
        if status.done:
            return status
    raise AssertionError(f"package {package_id} never ends")


def catalogue_skus(client, count):
    listings = []
    page = None
    while len(listings) < count:
        result = client.list_listings(page)
        listings += result.listings
        page = result.next_page
        if not page:
            break
    return [listing.sku for listing in listings[:count]]


def test_offer_package_round_trip(cdiscount, client):
    cdiscount.populate_offers(10)
    good, other = catalogue_skus(client, 2)
    rows = [
        OfferRow(good, quantity=12, price=Decimal("19.90")),
        OfferRow(other, quantity=3),
        OfferRow("NOT-IN-THE-CATALOGUE", quantity=1, price=Decimal("5.00")),
        OfferRow(good + "-CHEAP", quantity=1, price=Decimal("0")),
    ]
    package_id = client.push_offers(rows)
    assert isinstance(package_id, str) and package_id
    status = poll(client, package_id)
    assert not status.failed and status.message == "PartiallyIntegrated"
    assert set(status.errors) == {"NOT-IN-THE-CATALOGUE", good + "-CHEAP"}
    assert all(status.errors.values())
    listed = {listing.sku: listing for listing in client.list_listings().listings}
    assert listed[good].quantity == 12 and listed[good].price == Decimal("19.90")
    assert listed[other].quantity == 3


def test_stock_and_prices_alone(cdiscount, client):
    cdiscount.populate_offers(5)
    (sku,) = catalogue_skus(client, 1)
    assert poll(client, client.push_stock([StockRow(sku, 7)])).errors == {}
    assert (
        poll(client, client.push_prices([PriceRow(sku, Decimal("0.01"))])).errors == {}
    )
    listed = {listing.sku: listing for listing in client.list_listings().listings}
    assert (listed[sku].quantity, listed[sku].price) == (7, Decimal("0.01"))
    assert client.push_offers([]) is None


def test_listings_keep_invalid_records(cdiscount, client):
    cdiscount.populate_offers(250, malformed_share=0.1)
    listings, invalid, pages, page = [], [], 0, None
    while True:
        result = client.list_listings(page)
        listings += result.listings
        invalid += result.invalid
        pages += 1
        page = result.next_page
        if not page:
            break
    assert pages == 3 and len(listings) + len(invalid) == 250
    assert invalid and all(reason for _raw, reason in invalid)
    for raw, _reason in invalid:
        parts = client.listing_parts(raw)
        assert parts.raw == raw and isinstance(parts.sku, str)
    assert all(listing.sku and listing.currency == "EUR" for listing in listings)


# -- tokens and errors -----------------------------------------------------------
def token_calls(cdiscount):
    return cdiscount.stats.calls("token")


def test_a_token_serves_every_call_and_every_client_of_the_store(
    cdiscount, cdiscount_url
):
    cdiscount.create_orders(SELLER, 3)
    store = MemoryTokenStore()
    first, second = make_client(cdiscount_url, store), make_client(cdiscount_url, store)
    for _i in range(3):
        first.list_orders(AN_HOUR_AGO)
        second.test_connection()
    assert token_calls(cdiscount) == 1
    first.close()
    second.close()


def test_a_refused_token_is_renewed_once(cdiscount, cdiscount_url):
    store = MemoryTokenStore()
    client = make_client(cdiscount_url, store)
    far = datetime.now(timezone.utc) + timedelta(hours=1)
    store.put(client.api.tokens.key, "forgotten-by-the-server", far)
    assert client.test_connection()["id"] == SELLER
    assert token_calls(cdiscount) == 1
    assert store.get(client.api.tokens.key)[0] != "forgotten-by-the-server"


def test_tokens_the_server_expired_are_renewed_once(cdiscount, client):
    client.test_connection()
    cdiscount.expire_rest_tokens()
    assert client.list_orders(AN_HOUR_AGO).orders == []
    assert token_calls(cdiscount) == 2


def test_the_token_limit_is_throttling(cdiscount, cdiscount_url):
    cdiscount.update_settings({"token_limit": 1})
    make_client(cdiscount_url).test_connection()
    # another process, without the first one's store, asks again
    with pytest.raises(ThrottledError) as caught:
        make_client(cdiscount_url).test_connection()
    assert caught.value.retry_after


@pytest.mark.parametrize("pasted", [f" {SECRET}\n", f"{SECRET}\t"])
def test_credentials_pasted_with_whitespace_work(cdiscount_url, pasted):
    client = make_client(
        cdiscount_url,
        client_secret=pasted,
        client_id=f"{CLIENT_ID} ",
        seller_id=" 98979",
    )
    assert client.test_connection()["id"] == SELLER


def test_expired_credentials_are_an_auth_error(cdiscount, client):
    client.test_connection()
    cdiscount.set_faults({"expired_credentials": True})
    with pytest.raises(AuthError):
        client.list_orders(AN_HOUR_AGO)


def test_wrong_secret_and_wrong_seller(cdiscount_url):
    with pytest.raises(AuthError) as caught:
        make_client(cdiscount_url, client_secret="wrong-secret").test_connection()
    assert caught.value.status == 401
    with pytest.raises(AuthError) as caught:
        make_client(cdiscount_url, seller_id="98980").test_connection()
    assert caught.value.status == 403


def test_missing_settings_are_config_errors(cdiscount_url):
    with pytest.raises(ConfigError, match="seller id"):
        make_client(cdiscount_url, seller_id=" ")
    with pytest.raises(ConfigError, match="client secret"):
        make_client(cdiscount_url, client_secret="")
    with pytest.raises(ConfigError, match="endpoint URL"):
        make_client(cdiscount_url, api_url="")


def test_faults_map_to_the_error_taxonomy(cdiscount, client):
    cdiscount.create_orders(SELLER, 2)
    client.test_connection()
    cdiscount.set_faults({"rate_429": 1.0, "retry_after": 9})
    with pytest.raises(ThrottledError) as caught:
        client.list_orders(AN_HOUR_AGO)
    assert caught.value.retry_after == 9
    cdiscount.set_faults({"rate_429": 0, "rate_5xx": 1.0})
    with pytest.raises(TransientError) as caught:
        client.list_orders(AN_HOUR_AGO)
    assert caught.value.status in (500, 502, 503)
    cdiscount.set_faults({"rate_5xx": 0, "rate_corrupt": 1.0})
    with pytest.raises(TransientError):
        client.list_orders(AN_HOUR_AGO)


def test_a_throttled_token_endpoint_is_throttling(cdiscount, cdiscount_url):
    cdiscount.set_faults({"rate_429": 1.0, "retry_after": 30})
    with pytest.raises(ThrottledError) as caught:
        make_client(cdiscount_url).test_connection()
    assert caught.value.retry_after == 30


def test_secrets_never_in_messages_or_logs(cdiscount, cdiscount_url, caplog):
    store = MemoryTokenStore()
    client = make_client(cdiscount_url, store)
    messages = []
    with caplog.at_level(logging.DEBUG, logger="mphub"):
        client.test_connection()
        token = store.get(client.api.tokens.key)[0]
        cdiscount.set_faults({"rate_5xx": 1.0})
        with pytest.raises(TransientError) as caught:
            client.list_orders(AN_HOUR_AGO)
        messages.append(str(caught.value))
        cdiscount.set_faults({"rate_5xx": 0, "expired_credentials": True})
        with pytest.raises(AuthError) as caught:
            client.list_orders(AN_HOUR_AGO)
        messages.append(str(caught.value))
        cdiscount.set_faults({"expired_credentials": False})
        with pytest.raises(AuthError) as caught:
            make_client(cdiscount_url, client_secret=SECRET + "x").test_connection()
        messages.append(str(caught.value))
    assert caplog.records
    for text in (*messages, caplog.text):
        assert SECRET not in text and token not in text
