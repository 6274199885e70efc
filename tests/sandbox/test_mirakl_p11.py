"""P11 of the Mirakl emulator over HTTP: every shop's offers on products,
filters, sort, paging per product, competitor overrides, moving prices."""

from decimal import Decimal

import pytest
from mphub.sandbox import catalog
from mphub.sandbox.mirakl_competitors import COMPETITOR_SHOPS, drawn_competitors

from .conftest import MiraklShop

SEED = 42
P11 = "/api/products/offers"
ME, OTHER = 2001, 2002


def ean(index):
    return catalog.product(SEED, index)["ean"]


def refs(*indexes):
    return ",".join(f"EAN|{ean(i)}" for i in indexes)


@pytest.fixture
def shop(mirakl, mirakl_url):
    mirakl.create_offers(ME, 6, quantity=5)
    mirakl.create_offers(OTHER, 3, quantity=5)
    return MiraklShop(mirakl_url)


def p11(shop, **params):
    response = shop.call("GET", P11, params=params)
    assert response.status_code == 200, response.text
    return response.json()["products"]


def totals(product):
    return [Decimal(str(offer["total_price"])) for offer in product["offers"]]


def fixed(shop, index, offers):
    shop.admin("POST", "competitors", {"product": ean(index), "offers": offers})


def test_every_shop_offers_on_products_asked_by_ean_and_sku(shop):
    (by_ean,) = p11(shop, product_references=refs(0), max=100)
    (by_sku,) = p11(shop, product_ids="MKP00000001", max=100)
    assert by_ean == by_sku
    assert by_ean["product_sku"] == "MKP00000001"
    assert by_ean["product_references"] == [
        {"reference": ean(0), "reference_type": "EAN"}
    ]
    shops = [offer["shop_id"] for offer in by_ean["offers"]]
    assert ME in shops and OTHER in shops  # the caller's own offer and a sandbox shop
    competitors = {spec[0] for spec in COMPETITOR_SHOPS}
    assert set(shops) - {ME, OTHER} <= competitors
    assert by_ean["total_count"] == len(by_ean["offers"])
    for offer in by_ean["offers"]:
        total = Decimal(str(offer["price"])) + Decimal(str(offer["min_shipping_price"]))
        assert Decimal(str(offer["total_price"])) == total


def test_unknown_products_are_left_out(shop):
    unknown = "3760000000000"  # a valid-looking EAN of no product of the seed
    products = p11(shop, product_references=f"EAN|{unknown},{refs(1)},UPC|{ean(2)}")
    assert [p["product_sku"] for p in products] == ["MKP00000002"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"product_references": ean(0)},  # no type
        {"product_references": ",".join(f"EAN|{ean(i)}" for i in range(101))},
        {"product_ids": "MKP00000001", "max": 101},
        {"product_ids": "MKP00000001", "sort": "cheapest"},
        {"product_ids": "MKP00000001", "all_offers": "yes"},
    ],
)
def test_bad_requests_are_refused(shop, params):
    assert shop.call("GET", P11, params=params).status_code == 400


def test_best_price_sort_and_best_evaluation_sort(shop):
    many = [i for i in range(20) if p11(shop, product_ids=f"MKP{i + 1:08d}")]
    products = p11(shop, product_references=refs(*many), max=100)
    assert any(len(p["offers"]) > 3 for p in products)
    for product in products:
        assert totals(product) == sorted(totals(product))
    for product in p11(shop, product_references=refs(*many), sort="bestEvaluation"):
        grades = [offer["shop_grade"] for offer in product["offers"]]
        assert grades == sorted(grades, reverse=True)


def test_premium_and_grade_break_ties_of_total_price(shop):
    fixed(
        shop,
        3,
        [
            {
                "shop_id": 9001,
                "shop_name": "Low grade",
                "price": "20.00",
                "shop_grade": 3,
            },
            {
                "shop_id": 9002,
                "shop_name": "Premium",
                "price": "20.00",
                "premium": True,
            },
            {"shop_id": 9003, "shop_name": "Good", "price": "20.00", "shop_grade": 4.5},
            {"shop_id": 9004, "shop_name": "Cheap", "price": "19.99"},
        ],
    )
    (product,) = p11(shop, product_ids="MKP00000004", offer_state_codes="11")
    names = [o["shop_name"] for o in product["offers"] if o["shop_id"] > 9000]
    assert names == ["Cheap", "Premium", "Good", "Low grade"]


def test_offers_are_paged_per_product(shop):
    offers = [
        {"shop_id": 5000 + n, "shop_name": f"Shop {n}", "price": f"{10 + n}.00"}
        for n in range(25)
    ]
    fixed(shop, 7, offers)
    full = p11(shop, product_ids="MKP00000008", max=100)[0]
    pages = []
    for offset in (0, 10, 20):
        (page,) = p11(shop, product_ids="MKP00000008", offset=offset)
        assert page["total_count"] == full["total_count"] == 25
        pages += page["offers"]
    assert pages == full["offers"]
    assert len(p11(shop, product_ids="MKP00000008")[0]["offers"]) == 10  # default


def test_inactive_offers_only_with_all_offers(shop):
    fixed(
        shop,
        4,
        [
            {"shop_id": 9001, "shop_name": "Empty", "price": "9.90", "quantity": 0},
            {"shop_id": 9002, "shop_name": "Stocked", "price": "12.00"},
        ],
    )
    (active,) = p11(shop, product_ids="MKP00000005", all_offers="false")
    assert "Empty" not in [o["shop_name"] for o in active["offers"]]
    (every,) = p11(shop, product_ids="MKP00000005", all_offers="true")
    (empty,) = [o for o in every["offers"] if o["shop_name"] == "Empty"]
    assert empty["active"] is False and empty["inactivity_reasons"] == ["ZERO_QUANTITY"]
    assert every["total_count"] == active["total_count"] + 1


def test_state_channel_and_pricing_channel_filters(shop):
    fixed(
        shop,
        5,
        [
            {"shop_id": 9001, "shop_name": "Used", "price": "5.00", "state_code": "3"},
            {
                "shop_id": 9002,
                "shop_name": "Belgian",
                "price": "8.00",
                "channels": ["BE"],
                "channel_prices": {"BE": "7.50"},
            },
        ],
    )
    (used,) = p11(shop, product_ids="MKP00000006", offer_state_codes="3")
    assert [o["shop_name"] for o in used["offers"]] == ["Used"]
    (belgium,) = p11(shop, product_ids="MKP00000006", channel_codes="BE")
    assert [o["shop_name"] for o in belgium["offers"]] == ["Belgian"]
    assert belgium["offers"][0]["price"] == 8.0
    (priced,) = p11(shop, product_ids="MKP00000006", pricing_channel_code="BE")
    (belgian,) = [o for o in priced["offers"] if o["shop_name"] == "Belgian"]
    assert belgian["price"] == 7.5 and belgian["applicable_pricing"]["price"] == 7.5
    (every,) = p11(
        shop, product_ids="MKP00000006", channel_codes="BE", all_channels="true"
    )
    assert every["total_count"] > 1


def test_shipping_zones_pick_the_rates(shop, mirakl):
    hour = int(mirakl.clock.now().timestamp() // 3600)
    index = next(
        i
        for i in range(200)
        if any(
            "FR-CORSE" in c.shipping and c.quantity
            for c in drawn_competitors(SEED, i, 1000, hour)
        )
    )
    (corsica,) = p11(shop, product_ids=f"MKP{index + 1:08d}", shipping_zones="FR-CORSE")
    assert corsica["offers"]
    for offer in corsica["offers"]:
        assert offer["min_shipping_zone"] == "FR-CORSE"
        assert {t["shipping_zone_code"] for t in offer["shipping_types"]} == {
            "FR-CORSE"
        }
    (every,) = p11(
        shop,
        product_ids=f"MKP{index + 1:08d}",
        shipping_zones="FR-CORSE",
        all_shipping_zones="true",
    )
    assert every["total_count"] > corsica["total_count"]  # own offers: no Corsica


def test_competitor_prices_move_with_the_hour_deterministically():
    now = [drawn_competitors(SEED, i, 2000, 480_000) for i in range(30)]
    again = [drawn_competitors(SEED, i, 2000, 480_000) for i in range(30)]
    later = [drawn_competitors(SEED, i, 2000, 480_001) for i in range(30)]
    assert now == again
    cents = [[c.cents for c in offers] for offers in now]
    assert cents != [[c.cents for c in offers] for offers in later]
    moved = [
        abs(a.cents - b.cents) / a.cents
        for x, y in zip(now, later, strict=True)
        for a, b in zip(x, y, strict=True)
    ]
    assert max(moved) <= 0.07  # a step of at most 3 % each way


def test_the_variety_of_the_drawn_competitors():
    offers = [c for i in range(300) for c in drawn_competitors(SEED, i, 1990, 1)]
    assert {c.state_code for c in offers} > {"11", "10"}
    assert any(c.quantity == 0 for c in offers)
    assert any(not c.is_professional for c in offers)
    assert any(c.grade == 0 and c.evaluations == 0 for c in offers)
    assert any(c.premium for c in offers)
    assert any(c.channel_cents for c in offers)
    assert any(c.cents < 1990 // 2 for c in offers)  # low prices
    assert {len(drawn_competitors(SEED, i, 1990, 1)) for i in range(300)} >= {0, 8}


def test_overrides_are_validated_and_reset(shop, mirakl):
    response = shop.call("GET", "/_sandbox/competitors", params={"product": ean(9)})
    drawn = response.json()
    fixed(shop, 9, [{"shop_id": 9001, "shop_name": "Fixed", "price": "1.00"}])
    (product,) = p11(shop, product_ids="MKP00000010")
    assert "Fixed" in [o["shop_name"] for o in product["offers"]]
    bad = {"product": ean(9), "offers": [{"shop_id": 1, "price": "free"}]}
    assert shop.call("POST", "/_sandbox/competitors", json=bad).status_code == 400
    mirakl.reset()
    again = shop.call("GET", "/_sandbox/competitors", params={"product": ean(9)})
    assert "Fixed" not in [o["shop_name"] for o in again.json()["offers"]]
    # the drawn competitors are back (their prices may have moved since)
    assert {o["offer_id"] for o in again.json()["offers"]} == {
        o["offer_id"] for o in drawn["offers"]
    }


def test_unauthorized_without_the_key(mirakl_url):
    anonymous = MiraklShop(mirakl_url, key=None)
    response = anonymous.call("GET", P11, params={"product_ids": "MKP00000001"})
    assert response.status_code == 401
