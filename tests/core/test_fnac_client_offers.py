"""The Fnac client's offers and competitors' prices against the emulator,
over real HTTP: offers_update with only what changed, batch_status polling
with per-offer errors, offers_query listings with malformed records,
pricing_query 10 products per call with per-product errors."""

from decimal import Decimal

import pytest
from mphub.offers import OfferRow, PriceRow, PushStatus, StockRow
from mphub.sandbox import catalog

from .test_fnac_client_common import FNAC_SHOP, calls, make_client


@pytest.fixture
def client(fnac_url):
    client = make_client(fnac_url)
    yield client
    client.close()


def offers_of(fnac, count, **shares):
    keys = fnac.create_offers(FNAC_SHOP, count, **shares)
    return [fnac.offers(FNAC_SHOP)[key] for key in keys]


def finished(client, batch_id, skus):
    for _poll in range(10):
        status = client.push_status("stock", batch_id, skus)
        if status.done:
            return status
    raise AssertionError("the batch never finished")


# -- offers_update ---------------------------------------------------------
def test_a_push_sends_only_what_each_row_carries(fnac, client):
    priced, stocked = offers_of(fnac, 2)
    rows = [
        OfferRow(priced["sku"], price=Decimal("12.34")),
        OfferRow(stocked["sku"], quantity=7),
    ]
    batch_id = client.push_offers(rows)
    assert isinstance(batch_id, str) and batch_id
    shown = fnac.offers(FNAC_SHOP)
    assert shown[priced["sku"]]["price"] == "12.34"
    assert shown[priced["sku"]]["quantity"] == priced["quantity"]
    assert shown[stocked["sku"]]["quantity"] == 7
    assert shown[stocked["sku"]]["price"] == stocked["price"]
    for offer in (priced, stocked):  # condition, showcase, texts untouched
        for key in ("state", "showcase", "description"):
            assert shown[offer["sku"]][key] == offer[key]
    assert calls(fnac, "offers_update") == 1


def test_push_stock_and_push_prices_go_through_offers_update(fnac, client):
    (offer,) = offers_of(fnac, 1)
    client.push_stock([StockRow(offer["sku"], 3)])
    client.push_prices([PriceRow(offer["sku"], Decimal("9.90"))])
    shown = fnac.offers(FNAC_SHOP)[offer["sku"]]
    assert (shown["quantity"], shown["price"]) == (3, "9.90")
    assert calls(fnac, "offers_update") == 2


def test_a_batch_is_polled_until_done_with_its_offers_errors(fnac, client):
    fnac.update_settings({"batch_polls": 2})
    known, other = offers_of(fnac, 2)
    rows = [
        OfferRow(known["sku"], quantity=4),
        OfferRow("NOT-SOLD-YET", quantity=1),  # unknown, no EAN: cannot be created
        OfferRow(other["sku"], price=Decimal("0.50")),  # refused before sending
        OfferRow(other["sku"] + "-X", quantity=10000),  # idem
    ]
    skus = [row.sku for row in rows]
    batch_id = client.push_offers(rows)
    first = client.push_status("stock", batch_id, skus)
    second = client.push_status("stock", batch_id, skus)
    assert (first.done, first.message) == (False, "ACTIVE")
    assert (second.done, second.message) == (False, "RUNNING")
    status = client.push_status("stock", batch_id, skus)
    assert status.done and not status.failed
    assert set(status.errors) == {"NOT-SOLD-YET", other["sku"], other["sku"] + "-X"}
    assert "product_reference" in status.errors["NOT-SOLD-YET"]
    assert "price" in status.errors[other["sku"]]
    assert "quantity" in status.errors[other["sku"] + "-X"]
    assert calls(fnac, "batch_status") == 3
    # what was refused locally never reached Fnac
    (batch,) = fnac.batches(FNAC_SHOP)
    assert batch["offers"] == 2


def test_a_row_with_an_ean_creates_the_offer(fnac, client):
    product = catalog.product(42, 7)
    batch_id = client.push_offers(
        [OfferRow("NEW-7", quantity=2, price=Decimal("15.00"), ean=product["ean"])]
    )
    assert finished(client, batch_id, ["NEW-7"]).errors == {}
    shown = fnac.offers(FNAC_SHOP)["NEW-7"]
    assert (shown["quantity"], shown["price"], shown["ean"]) == (
        2,
        "15.00",
        product["ean"],
    )


def test_rows_that_cannot_be_sent_at_all_are_answered_at_once(fnac, client):
    status = client.push_offers([OfferRow("A", price=Decimal("25000")), OfferRow(" ")])
    assert isinstance(status, PushStatus) and status.done
    assert set(status.errors) == {"A", " "}
    assert calls(fnac, "offers_update") == 0
    assert client.push_offers([]) is None


def test_more_than_10000_offers_per_call_is_refused(client):
    with pytest.raises(ValueError):
        client.push_offers([OfferRow(f"S{i}", quantity=1) for i in range(10001)])


def test_10000_offers_go_in_one_call(fnac, client):
    rows = [OfferRow(f"BULK-{i}", quantity=i % 10) for i in range(10000)]
    batch_id = client.push_offers(rows)
    status = finished(client, batch_id, [row.sku for row in rows])
    assert len(status.errors) == 10000  # none is known, none has an EAN
    assert calls(fnac, "offers_update") == 1


# -- offers_query -------------------------------------------------------------
def test_listings_read_every_offer_and_keep_malformed_ones_aside(fnac, client):
    keys = fnac.create_offers(FNAC_SHOP, 40, malformed_share=0.25)
    without_sku = [o for o in fnac.offers(FNAC_SHOP).values() if not o["sku"]]
    assert without_sku  # the emulator's defects include empty SKUs
    page = client.list_listings()
    assert page.next_page is None and page.total == 40
    assert len(page.listings) + len(page.invalid) == 40
    assert len(page.invalid) == len(without_sku)
    listing = page.listings[0]
    assert listing.sku and listing.price is not None and listing.quantity is not None
    for raw, reason in page.invalid:
        assert "offer_seller_id" in reason
        parts = client.listing_parts(raw)
        assert parts.sku == "" and parts.external_id == raw["offer_fnac_id"]
    assert {listing.sku for listing in page.listings} <= set(keys)


def test_listings_page_by_page(fnac, client, monkeypatch):
    monkeypatch.setattr("mphub.fnac.offers.LISTING_PAGE_SIZE", 15)
    fnac.create_offers(FNAC_SHOP, 40)
    skus, page, pages = [], None, 0
    while True:
        result = client.list_listings(page)
        skus += [listing.sku for listing in result.listings]
        pages += 1
        page = result.next_page
        if not page:
            break
    assert pages == 3 and len(set(skus)) == 40


# -- pricing_query ---------------------------------------------------------------
def test_23_products_take_3_calls_and_an_unknown_one_keeps_its_error(fnac, client):
    eans = [catalog.product(42, i)["ean"] for i in range(22)]
    unknown = catalog.unknown_ean(5)
    products = client.competitor_offers([*eans[:10], unknown, *eans[10:]])
    assert calls(fnac, "pricing_query") == 3
    assert [p.reference for p in products] == [*eans[:10], unknown, *eans[10:]]
    (missing,) = [p for p in products if p.error]
    assert missing.reference == unknown and "ERR_120" in missing.error
    assert missing.offers == ()
    assert all(p.title and p.fetched_at for p in products if not p.error)


def test_competitors_offers_are_read_to_the_cent(fnac, client):
    (offer,) = offers_of(fnac, 1)
    fnac.set_competitors(
        FNAC_SHOP,
        offer["ean"],
        [
            {
                "seller": "Boutique A",
                "price": "10.90",
                "shipping": "2.50",
                "type": "professional",
                "state": "11",
                "evaluation": "4.6",
                "nb_orders": 1200,
                "seller_url": "https://www.fnac.com/shop/a",
            },
            {
                "seller": "Jean D.",
                "price": "8.00",
                "type": "not professional",
                "state": "3",
            },
            {"seller": "Fnac", "price": "11.99", "type": "fnac"},
        ],
    )
    (product,) = client.competitor_offers([("Ean", offer["ean"])])
    assert product.error is None
    first, private, own_fnac = product.offers
    assert (first.seller, first.price, first.shipping, first.landed) == (
        "Boutique A",
        Decimal("10.90"),
        Decimal("2.50"),
        Decimal("13.40"),
    )
    assert (first.seller_type, first.condition, first.rating, first.rating_count) == (
        "professional",
        "11",
        Decimal("4.6"),
        1200,
    )
    assert (private.seller_type, private.condition, private.shipping) == (
        "private",
        "3",
        Decimal(0),
    )
    assert (own_fnac.seller_type, own_fnac.fulfilment) == ("marketplace", "marketplace")
    assert product.cheapest is private
    assert product.own_offer.own and product.own_offer.price == Decimal(offer["price"])
    assert not any(o.own for o in product.offers)
    # Fnac's best new offer (the emulator's: the lowest landed price)
    assert product.best["new"] == Decimal("11.99")


def test_references_fnac_cannot_look_up_are_not_sent(fnac, client):
    products = client.competitor_offers(["abc-12", ("PartNumber", "X1"), "abc-12"])
    assert len(products) == 2 and all(p.error for p in products)
    assert calls(fnac, "pricing_query") == 0
