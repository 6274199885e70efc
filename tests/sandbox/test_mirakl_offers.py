"""Mirakl emulator: the offer store, its seeding, OF21, the admin routes,
and the link between orders and offers."""

import time

import pytest
import requests
from mphub.sandbox import MiraklEmulator, Sandbox, catalog
from mphub.sandbox.mirakl_offer_store import OFFER_DEFECTS

from .conftest import MiraklShop

SHOP = 2001


def of21(shop, **params):
    answer = shop.call("GET", "/api/offers", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def walk(shop, **params):
    """Every offer of OF21, page after page of 100."""
    offers, offset = [], 0
    while True:
        page = of21(shop, max=100, offset=offset, **params)
        offers += page["offers"]
        offset += 100
        if offset >= page["total_count"]:
            return offers


def match(listing, seed, size):
    """Catalogue indexes (below ``size``) a listing matches: by SKU, else by
    EAN, as a connector would."""
    index = catalog.index_of_sku(listing.get("shop_sku"))
    if index is not None and index < size:
        return {index}
    by_ean = {
        catalog.index_of_ean(seed, ref["reference"])
        for ref in listing["product_references"]
    }
    return {i for i in by_ean if i is not None and i < size}


# ----------------------------------------------------------------------
# seeding
# ----------------------------------------------------------------------
def test_seeding_is_exact_and_deterministic(mirakl):
    shares = dict(
        unknown_sku_share=0.05,
        ambiguous_share=0.01,
        ean_only_share=0.02,
        malformed_share=0.03,
    )
    summary = mirakl.create_offers(SHOP, 200, **shares)
    assert summary["created"] == 200
    counts = {kind: len(summary[kind]) for kind in summary if kind != "created"}
    assert counts == {"unknown": 10, "ambiguous": 2, "ean_only": 4, "malformed": 6}
    store = mirakl.shop(SHOP).offers
    assert len(store) == 200
    every = [sku for kind in counts for sku in summary[kind]]
    assert len(set(every)) == len(every), "one defect per offer"
    assert mirakl.quantities(SHOP).keys() == set(store)
    # the same again after a reset, and in another sandbox
    mirakl.reset_store()
    assert mirakl.create_offers(SHOP, 200, **shares) == summary
    assert MiraklEmulator(seed=42).create_offers(SHOP, 200, **shares) == summary
    assert MiraklEmulator(seed=7).create_offers(SHOP, 200, **shares) != summary


def test_each_kind_matches_as_announced(mirakl, shop):
    """A connector holding catalogue products 0..199 binds exactly the valid
    and EAN-only offers to their product, finds no product for the unknown
    ones and two for the ambiguous ones."""
    summary = mirakl.create_offers(
        SHOP, 200, unknown_sku_share=0.05, ambiguous_share=0.02, ean_only_share=0.03
    )
    found = {o["shop_sku"]: match(o, 42, 200) for o in walk(shop)}
    assert len(found) == 200
    assert {sku for sku, m in found.items() if not m} == set(summary["unknown"])
    assert {sku for sku, m in found.items() if len(m) == 2} == set(summary["ambiguous"])
    for sku in summary["ean_only"]:
        assert catalog.index_of_sku(sku) is None
        assert len(found[sku]) == 1
    for sku in summary["unknown"]:
        offer = mirakl.offer(SHOP, sku)
        assert catalog.index_of_ean(42, offer["eans"][0]) is None
        assert catalog.is_valid_ean13(offer["eans"][0])
    single = [sku for sku, m in found.items() if len(m) == 1]
    assert len(single) == 200 - 10 - 4
    # offer i is on catalogue product i, at its price
    offer = mirakl.offer(SHOP, "MPH-0001")
    product = catalog.product(42, 0)
    assert (offer["eans"], offer["price"]) == ([product["ean"]], product["price"])
    assert offer["product_sku"] == "MKP00000001"


def test_seeding_again_puts_the_offers_back(mirakl):
    mirakl.create_offers(SHOP, 3, quantity=4)
    first = mirakl.offer(SHOP, "MPH-0002")
    mirakl.set_offer(SHOP, "MPH-0002", quantity=1, price="1.10")
    mirakl.create_offers(SHOP, 3, quantity=4)
    assert mirakl.offer(SHOP, "MPH-0002") == first
    summary = mirakl.create_offers(SHOP, 2, start=10, quantity=0)
    assert summary["created"] == 2 and len(mirakl.shop(SHOP).offers) == 5
    assert mirakl.offer(SHOP, "MPH-0011")["quantity"] == 0


def test_an_ambiguous_offer_alone_still_has_two_products(mirakl):
    (sku,) = mirakl.create_offers(SHOP, 1, start=5, ambiguous_share=1)["ambiguous"]
    eans = mirakl.offer(SHOP, sku)["eans"]
    assert len(set(eans)) == 2
    assert {catalog.index_of_ean(42, ean) for ean in eans} == {4, 5}


@pytest.mark.parametrize(
    "arguments",
    [
        {"count": -1},
        {"count": 3, "unknown_sku_share": 0.7, "ambiguous_share": 0.7},
        {"count": 3, "quantity": -2},
        {"count": 2, "start": catalog.MAX_INDEX},
    ],
)
def test_seeding_refuses_bad_arguments(mirakl, arguments):
    with pytest.raises(ValueError):
        mirakl.create_offers(SHOP, **arguments)


def test_catalogue_eans_hold_six_digit_indexes():
    for index in (0, 9_999, 100_000, catalog.MAX_INDEX):
        product = catalog.product(42, index)
        assert catalog.is_valid_ean13(product["ean"])
        assert catalog.index_of_ean(42, product["ean"]) == index
        assert catalog.index_of_sku(product["sku"]) == index
    assert catalog.product(42, 100_000)["sku"] == "MPH-100001"
    with pytest.raises(ValueError):
        catalog.product(42, catalog.MAX_INDEX + 1)
    assert catalog.index_of_ean(43, catalog.product(42, 1)["ean"]) is None
    assert catalog.index_of_sku("MPH-01") is None
    assert not catalog.unknown_ean(5).startswith("376")


# ----------------------------------------------------------------------
# OF21
# ----------------------------------------------------------------------
def test_of21_pages_every_offer_once_by_price(mirakl, shop):
    mirakl.create_offers(SHOP, 250)
    offers = walk(shop)
    assert len({o["shop_sku"] for o in offers}) == 250
    prices = [(o["total_price"], o["offer_id"]) for o in offers]
    assert prices == sorted(prices), "totalPrice ascending, then offer id"
    default = of21(shop)
    assert len(default["offers"]) == 10 and default["total_count"] == 250
    assert of21(shop, offset=300)["offers"] == []
    for bad in ({"max": 101}, {"max": 0}, {"offset": -1}, {"max": "x"}):
        assert shop.call("GET", "/api/offers", params=bad).status_code == 400


def test_of21_sorts_and_filters(mirakl, shop):
    mirakl.create_offers(SHOP, 30)
    by_title = walk(shop, sort="productTitle")
    titles = [o["product_title"] for o in by_title]
    assert titles == sorted(titles)
    backwards = walk(shop, sort="productTitle", order="desc")
    assert [o["shop_sku"] for o in backwards] == [
        o["shop_sku"] for o in reversed(by_title)
    ]
    assert shop.call("GET", "/api/offers", params={"sort": "x"}).status_code == 400
    (one,) = of21(shop, sku="MPH-0004")["offers"]
    assert one["shop_sku"] == "MPH-0004"
    assert of21(shop, sku="NOPE")["total_count"] == 0
    (same,) = of21(shop, product_id=one["product_sku"])["offers"]
    assert same == one
    assert of21(shop, offer_state_codes="11,1")["total_count"] == 30
    assert of21(shop, offer_state_codes="1")["total_count"] == 0
    assert of21(shop, favorite="true")["total_count"] == 0
    assert of21(shop, pricing_channel_code="FR")["total_count"] == 30


def test_of21_order_follows_price_changes(mirakl, shop):
    mirakl.create_offers(SHOP, 50)
    walk(shop)  # the price order is built
    mirakl.set_offer(SHOP, "MPH-0007", price="0.50")
    mirakl.set_offer(SHOP, "MPH-0008", price="999.00")
    skus = [o["shop_sku"] for o in walk(shop)]
    assert skus[0] == "MPH-0007" and skus[-1] == "MPH-0008"
    prices = [o["price"] for o in walk(shop)]
    assert prices == sorted(prices)
    mirakl.delete_offer(SHOP, "MPH-0007")
    assert [o["shop_sku"] for o in walk(shop)] == skus[1:]


def test_of21_record(mirakl, shop):
    mirakl.create_offers(SHOP, 2, quantity=3)
    mirakl.set_offer(SHOP, "MPH-0002", quantity=0)
    offers = {o["shop_sku"]: o for o in walk(shop)}
    offer, empty = offers["MPH-0001"], offers["MPH-0002"]
    product = catalog.product(42, 0)
    assert offer["price"] == offer["total_price"] == float(product["price"])
    assert offer["product_references"] == [
        {"reference": product["ean"], "reference_type": "EAN"}
    ]
    assert (offer["quantity"], offer["active"], offer["state_code"]) == (3, True, "11")
    assert offer["currency_iso_code"] == "EUR"
    assert offer["all_prices"][0]["unit_origin_price"] == offer["price"]
    assert (empty["active"], empty["inactivity_reasons"]) == (False, ["ZERO_QUANTITY"])


def test_malformed_offers_are_spoiled_in_of21(mirakl, shop):
    summary = mirakl.create_offers(SHOP, 40, malformed_share=0.1)
    assert len(summary["malformed"]) == 4
    records = walk(shop)
    assert len(records) == 40
    bad = [o for o in records if "shop_sku" not in o]
    assert len(bad) == 2  # the defects in turn: no SKU, price, quantity, no SKU
    assert sum(isinstance(o.get("price"), str) for o in records) == 1
    assert sum(isinstance(o.get("quantity"), str) for o in records) == 1
    kinds = [mirakl.offer(SHOP, sku)["defect"] for sku in summary["malformed"]]
    assert sorted(kinds) == sorted([*OFFER_DEFECTS, OFFER_DEFECTS[0]])
    # repaired by the back office
    mirakl.set_offer(SHOP, summary["malformed"][0], defect="")
    assert len([o for o in walk(shop) if "shop_sku" not in o]) == 1


# ----------------------------------------------------------------------
# admin routes and Python API
# ----------------------------------------------------------------------
def test_admin_routes_read_and_change_offers(mirakl, mirakl_url):
    admin = f"{mirakl_url}/_sandbox/offers"
    created = requests.post(
        admin, json={"shop_id": 2002, "count": 4, "quantity": 5}, timeout=5
    ).json()
    assert created["created"] == 4
    listed = requests.get(admin, params={"shop_id": 2002}, timeout=5).json()
    assert listed["count"] == 4
    assert listed["quantities"]["MPH-0001"] == 5
    assert listed["prices"]["MPH-0001"] == catalog.product(42, 0)["price"]
    one = f"{admin}/MPH-0001"
    assert (
        requests.get(one, params={"shop_id": 2002}, timeout=5).json()["quantity"] == 5
    )
    changed = requests.post(
        one, json={"shop_id": 2002, "quantity": 2, "price": "3.30"}, timeout=5
    ).json()
    assert (changed["quantity"], changed["price"]) == (2, "3.30")
    assert mirakl.offer(2002, "MPH-0001")["quantity"] == 2
    assert requests.get(one, timeout=5).status_code == 404  # not in shop 2001
    assert (
        requests.post(one, json={"shop_id": 2002, "price": "-1"}, timeout=5).status_code
        == 400
    )
    assert requests.delete(one, params={"shop_id": 2002}, timeout=5).ok
    assert "MPH-0001" not in mirakl.quantities(2002)
    assert requests.delete(admin, params={"shop_id": 2002}, timeout=5).ok
    assert mirakl.quantities(2002) == {}
    assert requests.get(admin, params={"shop_id": 9}, timeout=5).status_code == 404


def test_admin_routes_meet_no_fault(mirakl, mirakl_url):
    mirakl.set_faults({"expired_credentials": True, "rate_429": 1.0})
    answer = requests.post(
        f"{mirakl_url}/_sandbox/offers", json={"count": 2}, timeout=5
    )
    assert answer.ok
    assert requests.get(f"{mirakl_url}/_sandbox/offers/MPH-0002", timeout=5).ok


def test_stats_count_calls_per_operation(mirakl, shop):
    mirakl.create_offers(SHOP, 3)
    of21(shop)
    of21(shop, max=2)
    assert mirakl.stats.calls("OF21") == 2
    assert mirakl.stats.calls("STO01") == 0  # no call was made
    mirakl.offer(SHOP, "MPH-0001")  # the Python API is no API call
    assert mirakl.stats.calls() == 2


# ----------------------------------------------------------------------
# orders and offers
# ----------------------------------------------------------------------
def test_an_order_takes_its_offers_stock(mirakl, shop):
    mirakl.create_offers(SHOP, 60, quantity=10)
    mirakl.set_offer(SHOP, "MPH-0001", price="7.00")
    mirakl.set_offer(SHOP, "MPH-0002", quantity=1)
    ids = mirakl.create_orders(SHOP, 30)
    ordered = {}
    for order_id in ids:
        for line in shop.order(order_id)["order_lines"]:
            ordered[line["offer_sku"]] = (
                ordered.get(line["offer_sku"], 0) + line["quantity"]
            )
            offer = mirakl.offer(SHOP, line["offer_sku"])
            assert line["offer_id"] == offer["offer_id"]
            assert line["product_sku"] == offer["product_sku"]
            if line["offer_sku"] == "MPH-0001":
                assert line["price_unit"] == 7.0
    quantities = mirakl.quantities(SHOP)
    for sku, quantity in ordered.items():
        start = 1 if sku == "MPH-0002" else 10
        assert quantities[sku] == max(0, start - quantity), sku
    untouched = set(quantities) - set(ordered)
    assert untouched and all(quantities[s] == 10 for s in untouched - {"MPH-0002"})
    # another shop's offers are not touched
    mirakl.create_offers(2002, 60, quantity=10)
    mirakl.create_orders(SHOP, 5)
    assert set(mirakl.quantities(2002).values()) == {10}


def test_orders_without_offers_are_as_before(mirakl):
    """No offer: the order is the one the seed gives (the order tests rely
    on it)."""
    (order_id,) = mirakl.create_orders(SHOP, 1)
    other = MiraklEmulator(seed=42)
    (same,) = other.create_orders(SHOP, 1)
    assert mirakl.order_record(order_id)["lines"] == other.order_record(same)["lines"]


# ----------------------------------------------------------------------
# size
# ----------------------------------------------------------------------
def test_a_hundred_thousand_offers():
    with Sandbox(seed=42) as box:
        mirakl = box.emulators["mirakl"]
        started = time.perf_counter()
        summary = mirakl.create_offers(
            SHOP, 100_000, unknown_sku_share=0.05, ambiguous_share=0.01
        )
        seeded = time.perf_counter() - started
        assert (len(summary["unknown"]), len(summary["ambiguous"])) == (5000, 1000)
        shop = MiraklShop(box.urls["mirakl"])
        started = time.perf_counter()
        seen = {o["shop_sku"] for o in walk(shop, sort="productTitle")}
        walked = time.perf_counter() - started
        assert len(seen) == 100_000
        # once sorted, a page deep in the store is as quick as the first one
        of21(shop, max=100)
        started = time.perf_counter()
        for offset in (0, 50_000, 99_900):
            assert len(of21(shop, max=100, offset=offset)["offers"]) == 100
        pages = time.perf_counter() - started
    print(f"\n100,000 offers: seeded in {seeded:.1f} s, walked in {walked:.1f} s")
    assert seeded < 30 and walked < 90 and pages < 1
