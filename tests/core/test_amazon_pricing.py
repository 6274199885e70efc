"""The Amazon client's competitor offers (Product Pricing v0 through
python-amazon-sp-api's ProductsV0, unmodified) against the emulator, over
real HTTP."""

from decimal import Decimal

import pytest
from mphub import errors
from mphub.amazon import pricing
from mphub.pricing import ProductOffers
from mphub.sandbox import Sandbox
from mphub.sandbox.amazon_listings import asin_of

from .test_amazon_client import make_client

SELLER = "A1SANDBOXSELLER1"
OTHER = "A2SANDBOXSELLER2"
FR = "A13V1IB3VIYZZH"


@pytest.fixture
def box():
    with Sandbox(seed=7, options={"amazon": {"rate_scale": 1000}}) as sandbox:
        yield sandbox


@pytest.fixture
def emulator(box):
    return box.emulators["amazon"]


def asins(emulator, count):
    return [asin_of(emulator.seed, p["sku"]) for p in emulator.products[:count]]


def test_offers_of_25_asins_in_two_batches_in_the_order_asked(box, emulator):
    skus = emulator.create_listings(SELLER, 3)
    emulator.create_listings(OTHER, 3)
    wanted = list(reversed(asins(emulator, 25)))
    results = make_client(box).competitor_offers(wanted)
    assert [r.reference for r in results] == wanted
    assert all(isinstance(r, ProductOffers) and r.error is None for r in results)
    assert emulator.get_stats()["getItemOffersBatch"]["calls"] == 2  # 20 + 5
    listed = {emulator.listing_record(SELLER, sku)["asin"] for sku in skus}
    for result in results:
        assert result.marketplace_product_id == result.reference
        # the own offer is apart and flagged; the other seller is a competitor
        assert (result.own_offer is not None) == (result.reference in listed)
        if result.own_offer:
            assert result.own_offer.own and result.own_offer.seller == SELLER
            assert any(o.seller == OTHER for o in result.offers)
        for offer in result.offers:
            assert not offer.own and offer.seller_type == "professional"
            assert offer.condition == "New"
            assert offer.price.as_tuple().exponent == -2
            assert offer.fulfilment in ("merchant", "marketplace")
            if offer.fulfilment == "marketplace":
                assert offer.shipping == Decimal("0.00")
    # every offer of a product, own included, against the emulator's answer
    featured = [r for r in results if any(o.featured for o in r.offers)]
    assert featured, "some competitor holds the buy box"
    assert any(r.best.get("new") for r in results)


def test_offers_match_the_emulator_answer(box, emulator):
    asin = next(
        a for a in asins(emulator, 60) if 3 <= len(emulator.all_offers(a, FR, SELLER))
    )
    (result,) = make_client(box).competitor_offers([asin])
    truth = emulator.offers_result(asin, FR, "New", SELLER)
    expected = sorted(
        (Decimal(str(o["ListingPrice"]["Amount"])), o["SellerId"])
        for o in truth["Offers"]
    )
    assert sorted((o.price, o.seller) for o in result.offers) == expected
    fba = {o["SellerId"]: o["IsFulfilledByAmazon"] for o in truth["Offers"]}
    for offer in result.offers:
        assert (offer.fulfilment == "marketplace") == fba[offer.seller]


def test_unknown_asin_and_bad_reference_keep_their_error(box, emulator):
    good = asins(emulator, 1)[0]
    results = make_client(box).competitor_offers(
        ["B0ZZZZZZZZ", good, ("EAN", "123"), ("ASIN", "b0lower")]
    )
    assert "InvalidInput" in results[0].error and results[0].offers == ()
    assert results[1].error is None
    assert "unknown reference type" in results[2].error
    assert "not an ASIN" in results[3].error
    assert emulator.get_stats()["getItemOffersBatch"]["calls"] == 1


def test_skus_go_through_listing_offers(box, emulator):
    skus = emulator.create_listings(SELLER, 2)
    results = make_client(box).competitor_offers([("SKU", skus[1]), "NO-SUCH-SKU"])
    assert results[0].error is None and results[0].own_offer is not None
    assert (
        results[0].marketplace_product_id
        == emulator.listing_record(SELLER, skus[1])["asin"]
    )
    assert "InvalidInput" in results[1].error
    assert emulator.get_stats()["getListingOffersBatch"]["calls"] == 1


def test_throttled_batch_is_a_throttled_error(box, emulator):
    emulator.set_rate_scale(1)  # Amazon's plan: 0.1 a second, burst 1
    client = make_client(box)
    client.max_wait = 0
    client.competitor_offers(asins(emulator, 1))
    with pytest.raises(errors.ThrottledError) as caught:
        client.competitor_offers(asins(emulator, 1))
    assert caught.value.retry_after >= 1


def test_unreadable_offer_makes_the_product_an_error():
    payload = {
        "ASIN": "B0AAAAAAAA",
        "ItemCondition": "New",
        "Offers": [
            {
                "ListingPrice": {"Amount": 10, "CurrencyCode": "EUR"},
                "Shipping": {"Amount": 0},
                "IsFulfilledByAmazon": False,
                "SellerId": "X",
            },
            {"ListingPrice": {"Amount": "ten"}, "Shipping": {"Amount": 0}},
        ],
    }
    result = pricing.read_payload(payload, "ASIN", "B0AAAAAAAA", SELLER)
    assert result.offers == () and "Offers[1]: ListingPrice" in result.error
    payload["Offers"].pop()
    result = pricing.read_payload(payload, "ASIN", "B0AAAAAAAA", SELLER)
    assert result.error is None and result.offers[0].price == Decimal("10.00")
    assert result.offers[0].rating is None and result.offers[0].rating_count is None
