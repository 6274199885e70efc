"""The Amazon emulator's competitor offers: prices walk by the hour, the buy
box, the own offer, batch limits, rate limits."""

from decimal import Decimal

from mphub.sandbox.amazon import FR
from mphub.sandbox.amazon_listings import asin_of
from mphub.sandbox.amazon_pricing import buy_box_winner, competitors

SELLER = "A1SANDBOXSELLER1"


def test_prices_walk_by_the_hour_deterministically():
    base = Decimal("40.00")
    asins = [asin_of(42, f"MPH-{n:04d}") for n in range(1, 40)]
    now = [competitors(42, a, base, 500_000) for a in asins]
    assert now == [competitors(42, a, base, 500_000) for a in asins]
    later = [competitors(42, a, base, 500_001) for a in asins]
    assert [[o["seller_id"] for o in x] for x in now] == [
        [o["seller_id"] for o in x] for x in later
    ]
    assert now != later  # the next hour's prices moved
    offers = [o for x in now for o in x]
    assert all(o["price"] >= Decimal("0.01") for o in offers)
    assert any(o["price"] < base / 4 for o in offers)  # a rare very low one
    assert any(o["rating"] is None for o in offers)
    assert {o["condition"] for o in offers} == {"New", "Used"}


def test_buy_box_prefers_landed_price_rating_and_fba():
    def offer(seller, price, rating=99, count=500, fba=False, condition="New"):
        return {
            "seller_id": seller,
            "price": Decimal(price),
            "shipping": Decimal(0),
            "rating": rating,
            "count": count,
            "fba": fba,
            "condition": condition,
        }

    cheap_bad = offer("A", "10.00", rating=72)  # not eligible
    used = offer("B", "9.00", condition="Used")
    good = offer("C", "10.50")
    fba = offer("D", "10.70", count=0, fba=True)  # FBA: eligible on any count
    assert buy_box_winner([cheap_bad, used, good])["seller_id"] == "C"
    assert buy_box_winner([cheap_bad, used, good, fba])["seller_id"] == "D"
    assert buy_box_winner([cheap_bad, used]) is None


def test_own_offer_flagged_for_the_caller_only(amazon):
    sku = amazon.create_listings(SELLER, 1)[0]
    asin = amazon.listing_record(SELLER, sku)["asin"]
    mine = amazon.offers_result(asin, FR, "New", SELLER)
    theirs = amazon.offers_result(asin, FR, "New", "A2SANDBOXSELLER2")
    assert [o["SellerId"] for o in mine["Offers"] if o.get("MyOffer")] == [SELLER]
    assert not any(o.get("MyOffer") for o in theirs["Offers"])
    assert amazon.offers_result("B0ZZZZZZZZ", FR, "New", SELLER) is None
    winners = [o for o in mine["Offers"] if o["IsBuyBoxWinner"]]
    assert len(winners) <= 1
    if winners:
        buy_box = mine["Summary"]["BuyBoxPrices"][0]
        assert buy_box["ListingPrice"] == winners[0]["ListingPrice"]
