"""The Cdiscount SOAP client (zeep) against the sandbox emulator, over real
HTTP: every verb, the token, the error mapping, paging, secrets."""

import logging
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mphub.cdiscount.soap import CdiscountSoap
from mphub.client import Outcome, Shipment
from mphub.errors import (
    AuthError,
    ConfigError,
    InvalidPayload,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)
from mphub.offers import OfferRow
from mphub.tokens import MemoryTokenStore

SELLER, OTHER = 98979, 98980
LOGIN, PASSWORD = "sandbox-cdiscount-api", "sandbox-cdiscount-password"
AN_HOUR_AGO = datetime.now(timezone.utc) - timedelta(hours=1)


def make_client(url, **settings):
    settings = {
        "soap_url": url + "/MarketplaceAPIService.svc",
        "sts_url": url + "/users/httpIssue.svc/",
        "login": LOGIN,
        "password": PASSWORD,
        "timeout": 3,
        "token_store": MemoryTokenStore(),
        **settings,
    }
    return CdiscountSoap(**settings)


@pytest.fixture
def client(cdiscount_url):
    client = make_client(cdiscount_url)
    yield client
    client.close()


def calls(emulator, operation):
    return emulator.stats.calls(operation)


def walk(client, since=AN_HOUR_AGO):
    orders, page, pages = [], None, 0
    while True:
        result = client.list_orders(since, page=page)
        orders += result.orders
        pages += 1
        page = result.next_page
        if not page:
            return orders, pages


def row_ids(client, number):
    (raw,) = client.get_orders([number])
    return [str(line["RowId"]) for line in raw["OrderLineList"]["OrderLine"]]


def waiting(cdiscount, count=1, **shares):
    shares = {"fulfilment_share": 0, "fee_line_share": 0, **shares}
    return cdiscount.create_orders(SELLER, count, **shares)


# -- connection, token ---------------------------------------------------------
def test_test_connection_names_the_seller(client):
    info = client.test_connection()
    assert info["name"] and info["login"] == LOGIN


def test_one_token_serves_every_call(cdiscount, client):
    for _ in range(3):
        client.test_connection()
    client.list_carriers()
    assert calls(cdiscount, "sts") == 1


def test_clients_sharing_a_store_share_the_token(cdiscount, cdiscount_url):
    store = MemoryTokenStore()
    first = make_client(cdiscount_url, token_store=store)
    second = make_client(cdiscount_url, token_store=store)
    first.test_connection()
    second.test_connection()
    assert calls(cdiscount, "sts") == 1


def test_a_token_the_service_forgot_is_renewed_once(cdiscount, client):
    client.test_connection()
    cdiscount.forget_soap_tokens()
    assert client.test_connection()["name"]
    assert calls(cdiscount, "sts") == 2


def test_expired_credentials_end_in_an_auth_error(cdiscount, client):
    client.test_connection()
    cdiscount.set_faults({"expired_credentials": True})
    with pytest.raises(AuthError):
        client.test_connection()


def test_a_wrong_password_is_an_auth_error(cdiscount_url):
    client = make_client(cdiscount_url, password="not-the-password")
    with pytest.raises(AuthError) as info:
        client.test_connection()
    assert LOGIN in str(info.value) and "not-the-password" not in str(info.value)


def test_the_wsdl_is_read_once_per_process(cdiscount, cdiscount_url):
    make_client(cdiscount_url).test_connection()
    read = calls(cdiscount, "wsdl")
    make_client(cdiscount_url).test_connection()
    assert read and calls(cdiscount, "wsdl") == read


def test_missing_credentials_are_a_config_error(cdiscount_url):
    with pytest.raises(ConfigError):
        make_client(cdiscount_url, password=" ")


# -- faults --------------------------------------------------------------------
def test_quota_faults_are_throttling(cdiscount, client):
    client.test_connection()
    cdiscount.set_faults({"rate_quota": 1})
    with pytest.raises(ThrottledError, match="Quota"):
        client.test_connection()


def test_a_front_end_error_page_is_transient(cdiscount, client):
    client.test_connection()
    cdiscount.set_faults({"rate_5xx": 1})
    with pytest.raises(TransientError) as info:
        client.list_carriers()
    assert not isinstance(info.value, ThrottledError)
    cdiscount.set_faults({"rate_5xx": 0, "rate_429": 1, "retry_after": 7})
    with pytest.raises(ThrottledError) as info:
        client.list_carriers()
    assert info.value.retry_after == 7


def test_a_cut_answer_is_transient_not_a_shorter_list(cdiscount, client):
    waiting(cdiscount, 5)
    client.test_connection()
    cdiscount.set_faults({"rate_corrupt": 1})
    with pytest.raises(TransientError):
        client.list_orders(AN_HOUR_AGO)


def test_a_closed_soap_service_says_to_switch_to_rest(cdiscount, client):
    cdiscount.set_soap_closed(True)
    with pytest.raises(ConfigError, match="switch it to Octopia REST"):
        client.test_connection()


def test_a_service_without_the_wsdl_is_a_config_error(cdiscount_url):
    client = make_client(cdiscount_url, soap_url=cdiscount_url + "/nowhere.svc")
    with pytest.raises(ConfigError):
        client.test_connection()


# -- orders --------------------------------------------------------------------
def test_pages_through_every_order_once(cdiscount, cdiscount_url):
    numbers = cdiscount.create_orders(SELLER, 250)
    cdiscount.create_orders(OTHER, 3)  # another seller's
    client = make_client(cdiscount_url, page_size=100)
    first = client.list_orders(AN_HOUR_AGO)
    assert first.total == 250 and len(first.orders) == 100
    orders, pages = walk(client)
    assert pages == 3
    seen = [order["OrderNumber"] for order in orders]
    assert sorted(seen) == sorted(numbers) and len(set(seen)) == 250
    # the pages hold the whole orders, lines included
    assert all(order["OrderLineList"]["OrderLine"] for order in orders)


def test_an_order_changed_during_the_walk_skips_no_other(cdiscount, cdiscount_url):
    numbers = cdiscount.create_orders(SELLER, 30, fulfilment_share=0)
    client = make_client(cdiscount_url, page_size=10)
    first = client.list_orders(AN_HOUR_AGO)
    # an order of the first page changes: it moves to the end of the window
    cdiscount.set_order_state(first.orders[0]["OrderNumber"], "Accepted")
    seen = [order["OrderNumber"] for order in first.orders]
    page = first.next_page
    while page:
        result = client.list_orders(AN_HOUR_AGO, page=page)
        seen += [order["OrderNumber"] for order in result.orders]
        page = result.next_page
    assert set(seen) == set(numbers)


def test_an_older_order_changed_in_the_window_is_listed(cdiscount, client):
    """The creation and modification bounds always go in pairs: an order
    created before the window and changed within it is still listed."""
    old = datetime.now(timezone.utc) - timedelta(days=3)
    (number,) = cdiscount.create_orders(SELLER, 1, created=old, fulfilment_share=0)
    cdiscount.set_order_state(number, "Accepted")
    found = [order["OrderNumber"] for order in walk(client)[0]]
    assert found == [number]


def test_a_window_with_an_upper_bound(cdiscount, client):
    cdiscount.create_orders(SELLER, 3)
    before = AN_HOUR_AGO + timedelta(minutes=1)
    assert client.list_orders(AN_HOUR_AGO, updated_before=before).orders == []
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert client.list_orders(later).orders == []


def test_a_page_token_of_another_kind_is_refused(client):
    with pytest.raises(InvalidPayload, match="page"):
        client.list_orders(AN_HOUR_AGO, page="100")


def test_get_orders_leaves_the_missing_ones_out(cdiscount, client):
    numbers = cdiscount.create_orders(SELLER, 120)
    found = client.get_orders([numbers[5], "2501010000NOPEX", *numbers[10:115]])
    assert [order["OrderNumber"] for order in found] == [numbers[5], *numbers[10:115]]
    assert client.get_orders([]) == []


def test_every_valid_order_maps_to_its_total(cdiscount, client):
    numbers = cdiscount.create_orders(
        SELLER, 120, unknown_sku_share=0.1, malformed_share=0.1, state="mixed"
    )
    for raw in client.get_orders(numbers):
        number = client.external_id(raw)
        record = cdiscount.order_record(number)
        status, _state = client.raw_state(raw)
        if status in ("refused", "cancelled"):
            continue  # skipped by the import: their figures no longer matter
        if record["kind"] == "malformed":
            with pytest.raises(InvalidPayload):
                client.map_order(raw)
            continue
        order = client.map_order(raw)
        assert order.status == status
        assert order.total == Decimal(record["total"]), number


# -- acceptance ----------------------------------------------------------------
def test_accept_then_accept_again(cdiscount, client):
    (number,) = waiting(cdiscount)
    decisions = dict.fromkeys(row_ids(client, number), True)
    assert client.accept_order(number, decisions) == Outcome.DONE
    assert cdiscount.order_record(number)["status"] in ("Accepted", "InPreparation")
    assert client.accept_order(number, decisions) == Outcome.ALREADY


def test_accept_from_the_stored_payload_is_one_call(cdiscount, client):
    """With the order's stored payload the lines are addressed from it: one
    ValidateOrderList and no GetOrderList; accepting again (the payload
    still says waiting) is ALREADY once the service's state error made the
    client read the order."""
    (number,) = waiting(cdiscount, multi_line_share=1, same_sku_share=0)
    (raw,) = client.get_orders([number])
    decisions = dict.fromkeys(row_ids(client, number), True)
    reads = calls(cdiscount, "GetOrderList")
    validations = calls(cdiscount, "ValidateOrderList")
    assert client.accept_order(number, decisions, raw=raw) == Outcome.DONE
    assert calls(cdiscount, "GetOrderList") == reads
    assert calls(cdiscount, "ValidateOrderList") == validations + 1
    assert cdiscount.order_record(number)["status"] in ("Accepted", "InPreparation")
    assert client.accept_order(number, decisions, raw=raw) == Outcome.ALREADY
    assert calls(cdiscount, "GetOrderList") == reads + 1


def test_a_payload_without_the_lines_makes_the_client_read_the_order(cdiscount, client):
    (number, other) = waiting(cdiscount, 2)
    decisions = dict.fromkeys(row_ids(client, number), True)
    (raw_other,) = client.get_orders([other])
    for stale in ({"OrderNumber": number}, raw_other, "not an order", None):
        reads = calls(cdiscount, "GetOrderList")
        assert client.accept_order(number, decisions, raw=stale) in (
            Outcome.DONE,
            Outcome.ALREADY,
        )
        assert calls(cdiscount, "GetOrderList") == reads + 1


def test_refuse_every_line(cdiscount, client):
    (number,) = waiting(cdiscount)
    decisions = dict.fromkeys(row_ids(client, number), False)
    assert client.accept_order(number, decisions) == Outcome.DONE
    assert cdiscount.order_record(number)["status"] == "Refused"
    assert client.accept_order(number, decisions) == Outcome.ALREADY
    with pytest.raises(RemoteError, match="Refused"):
        client.accept_order(number, dict.fromkeys(decisions, True))


def test_refuse_some_lines(cdiscount, client):
    (number,) = waiting(cdiscount, multi_line_share=1, same_sku_share=0)
    ids = row_ids(client, number)
    assert len(ids) > 1
    decisions = {line_id: line_id != ids[-1] for line_id in ids}
    assert client.accept_order(number, decisions) == Outcome.DONE
    record = cdiscount.order_record(number)
    assert record["status"] in ("Accepted", "InPreparation")
    by_row = {str(line["row_id"]): line["soap_state"] for line in record["lines"]}
    assert [by_row[line_id] for line_id in ids] == [
        *["AcceptedBySeller"] * (len(ids) - 1),
        "RefusedBySeller",
    ]
    order = client.map_order(client.get_orders([number])[0])
    assert [line.active for line in order.lines][-1] is False
    assert order.total == Decimal(cdiscount.order_record(number)["total"])


def test_two_lines_of_one_sku_cannot_be_decided_apart(cdiscount, client):
    (number,) = waiting(cdiscount, multi_line_share=1, same_sku_share=1)
    (raw,) = client.get_orders([number])
    lines = raw["OrderLineList"]["OrderLine"]
    skus = [line["SellerProductId"] for line in lines]
    twins = [
        str(line["RowId"]) for line in lines if skus.count(line["SellerProductId"]) > 1
    ]
    assert len(twins) >= 2
    decisions = dict.fromkeys((str(line["RowId"]) for line in lines), True)
    decisions[twins[0]] = False
    with pytest.raises(RemoteError, match="SKU"):
        client.accept_order(number, decisions)
    assert cdiscount.order_record(number)["status"] == "WaitingAcceptance"


def test_an_unknown_line_is_refused_before_any_call(cdiscount, client):
    (number,) = waiting(cdiscount)
    with pytest.raises(RemoteError, match="no line 999"):
        client.accept_order(number, {"999": True})


def test_an_unknown_order_is_not_found(client):
    with pytest.raises(NotFound):
        client.accept_order("2501010000NOPEX", {"0": True})


def test_a_state_error_after_a_lost_answer_is_already(cdiscount, cdiscount_url):
    """The first attempt went through but its answer was lost; the second
    still read the order waiting: Cdiscount answers OrderStateIncoherent,
    the client reads the order again and finds it accepted."""
    (number,) = waiting(cdiscount)
    first, second = make_client(cdiscount_url), make_client(cdiscount_url)
    stale = second.get_orders([number])[0]
    decisions = dict.fromkeys(row_ids(first, number), True)
    assert first.accept_order(number, decisions) == Outcome.DONE
    reads = []
    real = second._order

    def stale_once(wanted):
        reads.append(wanted)
        return (stale, "waiting_acceptance") if len(reads) == 1 else real(wanted)

    second._order = stale_once
    before = calls(cdiscount, "ValidateOrderList")
    assert second.accept_order(number, decisions) == Outcome.ALREADY
    assert calls(cdiscount, "ValidateOrderList") == before + 1
    assert len(reads) == 2


# -- shipments -----------------------------------------------------------------
SHIPMENT = Shipment(
    tracking_number="6A12345678901",
    carrier_code="Colissimo",
    carrier_url="https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
)


def accepted(cdiscount, client, **shares):
    (number,) = waiting(cdiscount, **shares)
    client.accept_order(number, dict.fromkeys(row_ids(client, number), True))
    return number


def test_ship_the_whole_order_then_again(cdiscount, client):
    number = accepted(cdiscount, client)
    assert client.ship_order(number, SHIPMENT) == Outcome.DONE
    record = cdiscount.order_record(number)
    assert record["status"] == "Shipped"
    (shipment,) = cdiscount.shipments(number)
    assert shipment["parcel_number"] == "6A12345678901"
    assert shipment["carrier_name"] == "Colissimo"
    assert client.ship_order(number, SHIPMENT) == Outcome.ALREADY


def test_a_carrier_of_cdiscounts_list_gets_its_tracking_link(cdiscount, client):
    carrier = next(c for c in client.list_carriers() if c["tracking_url"])
    number = accepted(cdiscount, client)
    shipment = Shipment(tracking_number="6A 42/1", carrier_code=carrier["code"])
    assert client.ship_order(number, shipment) == Outcome.DONE
    (sent,) = cdiscount.shipments(number)
    assert sent["carrier_name"] == carrier["code"]
    assert sent["tracking_url"] == carrier["tracking_url"] + "6A%2042%2F1"


def test_an_order_waiting_for_acceptance_cannot_ship_yet(cdiscount, client):
    (number,) = waiting(cdiscount)
    with pytest.raises(RemoteError, match="WaitingForSellerAcceptation"):
        client.ship_order(number, SHIPMENT)


def test_an_order_not_paid_yet_is_shipped_later(cdiscount, client):
    number = accepted(cdiscount, client)
    cdiscount.set_order_state(number, "Accepted")
    with pytest.raises(TransientError) as info:
        client.ship_order(number, SHIPMENT)
    assert info.value.retry_after


def test_fulfilment_orders_are_never_shipped_by_the_seller(cdiscount, client):
    (number,) = cdiscount.create_orders(SELLER, 1, fulfilment_share=1)
    before = calls(cdiscount, "ValidateOrderList")
    with pytest.raises(RemoteError, match="fulfilment"):
        client.ship_order(number, SHIPMENT)
    assert calls(cdiscount, "ValidateOrderList") == before


def test_carriers(client):
    carriers = client.list_carriers()
    assert carriers and all(carrier["code"] == carrier["label"] for carrier in carriers)
    assert any(carrier["code"] == "Colissimo" for carrier in carriers)


# -- offers --------------------------------------------------------------------
class PackageHost:
    """What the addon does for packages: keep the zip, give its URL."""

    def __init__(self):
        self.files = {}
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = host.files.get(self.path.lstrip("/"))
                self.send_response(200 if body else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __call__(self, name, data):
        self.files[name] = data
        return f"{self.url}/{name}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def host():
    host = PackageHost()
    yield host
    host.close()


def test_offer_package_round_trip(cdiscount, cdiscount_url, host):
    cdiscount.populate_offers(5)
    client = make_client(cdiscount_url, package_host=host)
    listings = client.list_listings().listings
    known = [listing for listing in listings if listing.eans][:2]
    rows = [
        OfferRow(listing.sku, quantity=7, price=Decimal("12.90"), ean=listing.eans[0])
        for listing in known
    ]
    rows.append(OfferRow("NOT-A-SKU-OF-MINE", quantity=1, price=Decimal("5.00")))
    package_id = client.push_offers(rows)
    assert package_id.isdigit() and host.files
    status = finish(client, package_id)
    assert status.done and not status.failed
    assert set(status.errors) == {"NOT-A-SKU-OF-MINE"}
    by_sku = {listing.sku: listing for listing in client.list_listings().listings}
    assert by_sku[known[0].sku].quantity == 7
    assert by_sku[known[0].sku].price == Decimal("12.90")


def finish(client, package_id):
    status = client.push_status("stock", package_id)
    for _ in range(5):
        if status.done:
            break
        status = client.push_status("stock", package_id)
    return status


def test_a_value_a_row_lacks_is_the_one_cdiscount_shows(cdiscount, client, host):
    cdiscount.populate_offers(5)
    client.package_host = host
    offer = next(listing for listing in client.list_listings().listings if listing.eans)
    package_id = client.push_offers([OfferRow(offer.sku, quantity=offer.quantity + 4)])
    assert finish(client, package_id).errors == {}
    now = {listing.sku: listing for listing in client.list_listings().listings}
    assert now[offer.sku].quantity == offer.quantity + 4
    assert now[offer.sku].price == offer.price
    # an offer Cdiscount does not show has no price to keep: nothing is sent
    with pytest.raises(RemoteError, match="unknown for A-1"):
        client.push_offers([OfferRow("A-1", quantity=3)])
    assert len(host.files) == 1


def test_without_a_package_host_nothing_can_be_pushed(client):
    with pytest.raises(ConfigError):
        client.push_offers([OfferRow("A-1", quantity=3, price=Decimal(1))])


def test_an_unknown_package(client):
    with pytest.raises((NotFound, RemoteError)):
        client.push_status("stock", "999999")
    with pytest.raises(InvalidPayload):
        client.push_status("stock", "abc")


def test_listings_page_by_page_with_the_unreadable_ones_kept(cdiscount, client):
    cdiscount.populate_offers(150, malformed_share=0.1)
    listings, invalid, page, pages = [], [], None, 0
    while True:
        result = client.list_listings(page)
        listings += result.listings
        invalid += result.invalid
        pages += 1
        page = result.next_page
        if not page:
            break
    assert pages >= 2
    assert len(listings) + len(invalid) == 150
    assert invalid and all(reason for _raw, reason in invalid)
    assert all(listing.currency == "EUR" for listing in listings)
    assert client.listing_parts(invalid[0][0]).problem


# -- secrets -------------------------------------------------------------------
def test_secrets_never_reach_messages_or_logs(cdiscount, cdiscount_url, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(cdiscount_url)
    client.test_connection()
    (token, _expires) = client.keeper.store.get(client.keeper.key)
    errors, off = [], {"rate_quota": 0, "rate_5xx": 0, "rate_corrupt": 0}
    for faults in ({"rate_quota": 1}, {"rate_5xx": 1}, {"rate_corrupt": 1}):
        cdiscount.set_faults({**off, **faults})
        with pytest.raises(Exception) as info:
            client.list_carriers()
        errors.append(str(info.value))
    cdiscount.set_faults(off)
    cdiscount.forget_soap_tokens()
    client.test_connection()  # a refused token, then a new one
    wrong = make_client(cdiscount_url, password="Wrong-Password-123")
    with pytest.raises(AuthError) as info:
        wrong.test_connection()
    errors.append(str(info.value))
    text = caplog.text + " ".join(errors)
    for secret in (PASSWORD, "Wrong-Password-123", token):
        assert secret not in text
