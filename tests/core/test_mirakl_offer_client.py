"""The offer verbs of the Mirakl client against the sandbox emulator, over
real HTTP: listings (OF21), stock (STO01-03) and prices (PRI01-03)."""

import logging
from decimal import Decimal

import pytest
import requests
from mphub.errors import AuthError, NotFound, ThrottledError, TransientError
from mphub.mirakl.client import MiraklClient
from mphub.offers import PriceRow, StockRow
from mphub.sandbox import catalog

KEY = "sandbox-carrefour-key"
SHOP = 2001


@pytest.fixture
def client(mirakl_url):
    client = MiraklClient(mirakl_url, KEY, timeout=5)
    yield client
    client.close()


def all_pages(client, page=None):
    """Listings, invalid records and pages from ``page`` to the end."""
    listings, invalid, pages = [], [], []
    while True:
        result = client.list_listings(page=page)
        listings += result.listings
        invalid += result.invalid
        pages.append(result)
        page = result.next_page
        if not page:
            return listings, invalid, pages


def wait_done(client, kind, batch_id, polls=5):
    for _poll in range(polls):
        status = client.push_status(kind, batch_id)
        if status.done:
            return status
    raise AssertionError(f"{kind} import {batch_id} never done")


# ----------------------------------------------------------------------
# listings
# ----------------------------------------------------------------------
def test_list_listings_reads_every_page(mirakl, client):
    summary = mirakl.create_offers(
        SHOP,
        230,
        unknown_sku_share=0.05,
        ambiguous_share=0.02,
        ean_only_share=0.02,
        malformed_share=0.03,
    )
    listings, invalid, pages = all_pages(client)
    assert [len(p.listings) + len(p.invalid) for p in pages] == [100, 100, 30]
    assert [p.next_page for p in pages] == ["100", "200", None]
    assert all(p.total == 230 for p in pages)
    assert len(listings) + len(invalid) == 230
    # the malformed records are reported, not lost, with their reason
    assert len(invalid) == len(summary["malformed"]) == 7
    reasons = sorted(reason.split(":")[0] for _raw, reason in invalid)
    assert reasons == ["price"] * 2 + ["quantity"] * 2 + ["shop_sku"] * 3
    assert {raw.get("shop_sku") for raw, _reason in invalid} - {None} <= set(
        summary["malformed"]
    )
    by_sku = {listing.sku: listing for listing in listings}
    assert len(by_sku) == len(listings)
    for sku in summary["ambiguous"]:
        assert len(by_sku[sku].eans) == 2
    sku = next(s for s in by_sku if mirakl.offer(SHOP, s)["kind"] == "valid")
    listing, offer = by_sku[sku], mirakl.offer(SHOP, sku)
    index = catalog.index_of_sku(sku)
    product = catalog.product(42, index)
    assert listing.eans == (product["ean"],)
    assert listing.price == Decimal(product["price"])
    assert listing.quantity == offer["quantity"]
    assert (listing.condition, listing.currency) == ("11", "EUR")
    assert listing.marketplace_product_id == f"MKP{index + 1:08d}"
    assert listing.external_id == str(offer["offer_id"])
    assert listing.raw["shop_sku"] == sku


def test_a_walk_is_not_upset_by_price_pushes(mirakl, client):
    """The client walks by title: prices pushed between two pages do not
    move the offers, so none is missed or read twice."""
    mirakl.create_offers(SHOP, 250, quantity=3)
    first = client.list_listings()
    cheap = [PriceRow(sku, Decimal("0.10")) for sku in mirakl.quantities(SHOP)]
    mirakl.set_import_settings(polls=0)
    client.push_prices(cheap[150:])
    rest, _invalid, _pages = all_pages(client, first.next_page)
    skus = [listing.sku for listing in first.listings + rest]
    assert len(skus) == len(set(skus)) == 250


def test_an_empty_shop_has_one_empty_page(client):
    result = client.list_listings()
    assert (result.listings, result.invalid, result.next_page, result.total) == (
        [],
        [],
        None,
        0,
    )


def test_a_corrupt_listing_page_is_transient(mirakl, client):
    mirakl.create_offers(SHOP, 3)
    mirakl.set_faults({"rate_corrupt": 1.0})
    with pytest.raises(TransientError, match="OF21"):
        client.list_listings()


# ----------------------------------------------------------------------
# stock
# ----------------------------------------------------------------------
def test_push_stock_and_follow_it(mirakl, client):
    mirakl.create_offers(SHOP, 4, quantity=1)
    batch = client.push_stock(
        [StockRow("MPH-0001", 7), StockRow("NOPE", 2), StockRow("MPH-0002", -3)]
    )
    assert isinstance(batch, str)
    first = client.push_status("stock", batch)
    assert (first.done, first.message) == (False, "RUNNING")
    assert mirakl.offer(SHOP, "MPH-0001")["quantity"] == 1
    status = client.push_status("stock", batch)
    assert status.done and not status.failed
    assert (status.lines_read, status.lines_in_error) == (3, 2)
    assert status.errors == {
        "NOPE": "The offer with SKU 'NOPE' does not exist",
        "MPH-0002": "The quantity '-3' must be a whole number, 0 or more",
    }
    assert mirakl.quantities(SHOP) == {
        "MPH-0001": 7,
        "MPH-0002": 1,
        "MPH-0003": 1,
        "MPH-0004": 1,
    }
    calls = mirakl.get_stats()
    assert (calls["STO01"]["calls"], calls["STO02"]["calls"]) == (1, 2)
    assert calls["STO03"]["calls"] == 1


def test_a_clean_push_fetches_no_report(mirakl, client):
    mirakl.create_offers(SHOP, 2)
    status = wait_done(client, "stock", client.push_stock([StockRow("MPH-0002", 0)]))
    assert (status.errors, status.lines_in_error, status.message) == ({}, 0, "COMPLETE")
    assert mirakl.stats.calls("STO03") == 0
    assert mirakl.offer(SHOP, "MPH-0002")["quantity"] == 0


def test_a_failed_import_is_reported(mirakl, client, mirakl_url):
    answer = requests.post(
        mirakl_url + "/api/offers/stock/imports",
        headers={"Authorization": KEY},
        files={"file": ("f.csv", b"sku;qty\nA;1\n", "text/csv")},
        timeout=5,
    )
    status = wait_done(client, "stock", answer.json()["import_id"])
    assert status.done and status.failed
    assert status.errors == {}


def test_nothing_to_push_and_too_much_to_push(mirakl, client):
    assert client.push_stock([]) is None
    assert client.push_prices([]) is None
    client.max_push_rows = 2
    with pytest.raises(ValueError, match="2 at most"):
        client.push_stock([StockRow(f"S{n}", 1) for n in range(3)])
    assert mirakl.stats.calls() == 0


# ----------------------------------------------------------------------
# prices
# ----------------------------------------------------------------------
def test_push_prices_and_follow_them(mirakl, client):
    mirakl.create_offers(SHOP, 3)
    batch = client.push_prices(
        [PriceRow("MPH-0001", Decimal("12.5")), PriceRow("GHOST", Decimal("3"))]
    )
    status = wait_done(client, "price", batch)
    assert status.done and not status.failed
    assert status.errors == {"GHOST": "The offer with SKU 'GHOST' does not exist"}
    assert (status.lines_read, status.lines_in_error) == (2, 1)
    assert mirakl.offer(SHOP, "MPH-0001")["price"] == "12.50"
    (listing,) = [x for x in client.list_listings().listings if x.sku == "MPH-0001"]
    assert listing.price == Decimal("12.50")


def test_a_price_push_removes_a_discount(mirakl, client, mirakl_url):
    mirakl.create_offers(SHOP, 1)
    mirakl.set_import_settings(polls=0)
    requests.post(
        mirakl_url + "/api/offers/pricing/imports",
        headers={"Authorization": KEY},
        files={"file": ("f.csv", b"offer-sku;price;discount-price\nMPH-0001;20;15\n")},
        timeout=5,
    )
    assert client.list_listings().listings[0].price == Decimal("15.00")
    client.push_prices([PriceRow("MPH-0001", Decimal("20"))])
    assert client.list_listings().listings[0].price == Decimal("20.00")


def test_unknown_batches(client):
    with pytest.raises(NotFound):
        client.push_status("stock", "nope")
    with pytest.raises(NotFound):
        client.push_status("price", "nope")
    with pytest.raises(ValueError):
        client.push_status("offers", "1")


# ----------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------
def test_the_import_rate_limit_is_a_throttle(mirakl, client):
    mirakl.create_offers(SHOP, 1)
    mirakl.set_import_settings(interval=30)
    client.push_stock([StockRow("MPH-0001", 1)])
    with pytest.raises(ThrottledError) as info:
        client.push_stock([StockRow("MPH-0001", 2)])
    assert 29 <= info.value.retry_after <= 30
    assert client.push_prices([PriceRow("MPH-0001", Decimal(3))])


@pytest.mark.parametrize(
    ("faults", "error"),
    [
        ({"rate_429": 1.0, "retry_after": 5}, ThrottledError),
        ({"rate_5xx": 1.0}, TransientError),
        ({"expired_credentials": True}, AuthError),
    ],
)
def test_faults_map_to_core_errors(mirakl, client, faults, error):
    mirakl.create_offers(SHOP, 1)
    mirakl.set_faults(faults)
    for call in (
        client.list_listings,
        lambda: client.push_stock([StockRow("MPH-0001", 1)]),
        lambda: client.push_prices([PriceRow("MPH-0001", Decimal(1))]),
        lambda: client.push_status("stock", "x"),
        lambda: client.push_status("price", "x"),
    ):
        with pytest.raises(error) as info:
            call()
        if faults.get("retry_after"):
            assert info.value.retry_after == 5


def test_the_key_is_never_logged(mirakl, client, caplog):
    mirakl.create_offers(SHOP, 1)
    mirakl.set_faults({"rate_5xx": 1.0})
    with caplog.at_level(logging.DEBUG, logger="mphub"):
        with pytest.raises(TransientError) as info:
            client.push_stock([StockRow("MPH-0001", 1)])
        mirakl.set_faults({"rate_5xx": 0})
        client.push_stock([StockRow("MPH-0001", 1)])
    assert caplog.records
    assert KEY not in caplog.text and KEY not in str(info.value)
