"""The Amazon client's competitive summary (Product Pricing 2022-05-01
through python-amazon-sp-api's ProductsV20220501, unmodified) against the
emulator, over real HTTP."""

from decimal import Decimal

import pytest
from mphub import errors
from mphub.amazon.pricing_fees import read_summary
from mphub.pricing import ProductOffers
from mphub.sandbox.amazon import FR
from mphub.sandbox.amazon_pricing import buy_box_winner

from .test_amazon_pricing import OTHER, SELLER, asins, box, emulator, make_client  # noqa: F401


def test_summaries_of_25_asins_in_two_calls_in_the_order_asked(box, emulator):  # noqa: F811
    skus = emulator.create_listings(SELLER, 3)
    emulator.create_listings(OTHER, 3)
    wanted = list(reversed(asins(emulator, 25)))
    results = make_client(box).competitive_summary(wanted + [wanted[0]])
    assert [r.reference for r in results] == wanted + [wanted[0]]
    assert all(isinstance(r, ProductOffers) and r.error is None for r in results)
    assert emulator.get_stats()["getCompetitiveSummary"]["calls"] == 2  # 20 + 6
    listed = {emulator.listing_record(SELLER, sku)["asin"] for sku in skus}
    for result in results:
        assert result.reference_type == "ASIN"
        assert (result.own_offer is not None) == (result.reference in listed)
        if result.own_offer:
            assert result.own_offer.seller == SELLER and result.own_offer.own
        for offer in result.offers:
            assert not offer.own and offer.condition == "New"
            assert offer.price.as_tuple().exponent == -2
            if offer.fulfilment == "marketplace":
                assert offer.shipping == Decimal("0.00")
        if result.offers:
            assert result.best["new"] == min(o.landed for o in result.offers)
    assert any(o.featured for r in results for o in r.offers)


def test_offers_and_featured_match_the_emulator(box, emulator):  # noqa: F811
    client = make_client(box)
    checked = 0
    for asin in asins(emulator, 40):
        offers = emulator.all_offers(asin, FR, SELLER)
        new = [o for o in offers if o["condition"] == "New"]
        if not new:
            continue
        (result,) = client.competitive_summary([asin])
        got = {(o.price, o.shipping, o.seller) for o in result.offers}
        if result.own_offer is not None:
            got.add((result.own_offer.price, Decimal("0.00"), SELLER))
        truth = {(o["price"], o["shipping"], o["seller_id"]) for o in new}
        assert got == truth if len(new) <= 20 else got < truth
        winner = buy_box_winner(offers)
        featured = {o.seller for o in result.offers if o.featured}
        assert (winner["seller_id"] in featured) if winner else not featured
        checked += 1
    assert checked >= 10


def test_unknown_and_bad_asins_keep_their_error(box, emulator):  # noqa: F811
    good = asins(emulator, 1)[0]
    results = make_client(box).competitive_summary(["B0ZZZZZZZZ", good, "b0lower"])
    assert "InvalidInput" in results[0].error and results[0].offers == ()
    assert results[1].error is None
    assert "not an ASIN" in results[2].error
    assert emulator.get_stats()["getCompetitiveSummary"]["calls"] == 1


def test_throttled_summary_is_a_throttled_error(box, emulator):  # noqa: F811
    emulator.set_rate_scale(1)  # Amazon's plan: 0.033 a second, burst 1
    client = make_client(box)
    client.max_wait = 0
    client.competitive_summary(asins(emulator, 1))
    with pytest.raises(errors.ThrottledError) as caught:
        client.competitive_summary(asins(emulator, 1))
    assert caught.value.retry_after >= 1


def _entry(*offers, featured=()):
    body = {"asin": "B0AAAAAAAA", "marketplaceId": FR}
    if featured:
        body["featuredBuyingOptions"] = [
            {"buyingOptionType": "New", "segmentedFeaturedOffers": list(featured)}
        ]
    body["lowestPricedOffers"] = [
        {
            "lowestPricedOffersInput": {
                "itemCondition": "New",
                "offerType": "Consumer",
            },
            "offers": list(offers),
        }
    ]
    return {"status": {"statusCode": 200}, "body": body}


def _offer(seller, amount, fulfilment="MFN", shipping=None):
    raw = {
        "sellerId": seller,
        "condition": "New",
        "fulfillmentType": fulfilment,
        "listingPrice": {"amount": amount, "currencyCode": "EUR"},
    }
    if shipping is not None:
        raw["shippingOptions"] = [
            {"shippingOptionType": "DEFAULT", "price": {"amount": shipping}}
        ]
    return raw


def test_featured_and_lowest_offers_merge_per_seller():
    entry = _entry(
        _offer("A", 10, shipping=2.5),
        _offer("B", 11.9, "AFN"),
        _offer(SELLER, 12),
        featured=[_offer("B", 11.9, "AFN")],
    )
    result = read_summary(entry, "B0AAAAAAAA", SELLER)
    assert result.error is None and result.marketplace_product_id == "B0AAAAAAAA"
    assert [(o.seller, o.price, o.shipping, o.featured) for o in result.offers] == [
        ("B", Decimal("11.90"), Decimal("0.00"), True),
        ("A", Decimal("10.00"), Decimal("2.50"), False),
    ]
    assert result.offers[0].fulfilment == "marketplace"
    assert result.own_offer.seller == SELLER and result.own_offer.price == Decimal(12)
    assert result.best == {"new": Decimal("11.90")}
    assert all(o.rating is None for o in result.offers)


def test_unreadable_offer_or_error_body_makes_the_product_an_error():
    bad = read_summary(_entry(_offer("A", "ten")), "B0AAAAAAAA", SELLER)
    assert bad.offers == () and "lowestPricedOffers[0][0]: listingPrice" in bad.error
    odd = read_summary(_entry(_offer("A", 10, "XYZ")), "B0AAAAAAAA", SELLER)
    assert "fulfillmentType" in odd.error
    failed = {
        "status": {"statusCode": 400},
        "body": {
            "asin": "B0AAAAAAAA",
            "errors": [{"code": "InvalidInput", "message": "no"}],
        },
    }
    assert read_summary(failed, "B0AAAAAAAA", SELLER).error == (
        "HTTP 400: InvalidInput: no"
    )
    assert read_summary(None, "B0AAAAAAAA", SELLER).error
    empty = read_summary(
        {"status": {"statusCode": 200}, "body": {"asin": "B0AAAAAAAA"}},
        "B0AAAAAAAA",
        SELLER,
    )
    assert empty.error is None and empty.offers == () and empty.best == {}


def test_an_account_reading_summaries_asks_asins_by_summary_and_skus_by_offers(
    box,  # noqa: F811
    emulator,  # noqa: F811
):
    """``competitor_api="competitive_summary"``: the collection's
    ``competitor_offers`` reads ASINs with getCompetitiveSummary and an
    offer known by its SKU only with getItemOffersBatch, answers in the
    order asked."""
    skus = emulator.create_listings(SELLER, 2)
    emulator.create_listings(OTHER, 3)
    wanted = [("ASIN", a) for a in asins(emulator, 3)]
    wanted.insert(1, ("SKU", skus[0]))
    client = make_client(box, competitor_api="competitive_summary")
    results = client.competitor_offers(wanted)
    stats = emulator.get_stats()
    assert stats["getCompetitiveSummary"]["calls"] == 1
    assert [r.reference for r in results] == [value for _kind, value in wanted]
    assert [r.reference_type for r in results] == ["ASIN", "SKU", "ASIN", "ASIN"]
    assert all(r.error is None for r in results)
    assert "getItemOffersBatch" not in stats  # the SKU: getListingOffersBatch
    # the same answers as the summary alone
    alone = make_client(box).competitive_summary([v for k, v in wanted if k == "ASIN"])
    assert [r.offers for r in results if r.reference_type == "ASIN"] == [
        r.offers for r in alone
    ]
    # by default the account reads item offers
    make_client(box).competitor_offers(wanted[:1])
    assert emulator.get_stats()["getCompetitiveSummary"]["calls"] == 2


def test_an_unknown_competitor_api_is_a_configuration_error(box):  # noqa: F811
    with pytest.raises(errors.ConfigError, match="competitors' offers API"):
        make_client(box, competitor_api="guess")
