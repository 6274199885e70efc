"""The Fnac Darty emulator's offers_update, batch_status, offers_query and
pricing_query over real HTTP, every answer checked against its XSD."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from mphub.sandbox import catalog

from tests.sandbox.test_fnac_support import FNAC, FnacShop, errors, q


@pytest.fixture
def shop(fnac_url):
    shop = FnacShop(fnac_url)
    shop.auth()
    return shop


def offer(sku, *parts, product=None):
    reference = (
        f'<product_reference type="Ean">{product}</product_reference>'
        if product
        else ""
    )
    return (
        f'<offer>{reference}<offer_reference type="SellerSku">{sku}</offer_reference>'
        f"{''.join(parts)}</offer>"
    )


def poll(shop, batch_id):
    root = shop.call("batch_status", f"<batch_id>{batch_id}</batch_id>")
    return root.get("status"), root


def submit(shop, *offers):
    root = shop.call("offers_update", "".join(offers))
    assert root.get("status") == "OK"
    return root.findtext(q("batch_id"))


# -- offers_update and batch_status --------------------------------------------------
def test_price_and_quantity_change_alone_the_rest_untouched(shop, fnac):
    fnac.create_offers(FNAC, 3)
    before = fnac.offers(FNAC)["MPH-0002"]
    submit(
        shop,
        offer("MPH-0001", "<price>12.50</price>"),
        offer("MPH-0002", "<quantity>7</quantity>"),
    )
    after = fnac.offers(FNAC)
    assert after["MPH-0001"]["price"] == "12.50"
    assert after["MPH-0002"]["quantity"] == 7
    assert after["MPH-0002"]["price"] == before["price"]
    assert after["MPH-0002"]["showcase"] == before["showcase"]
    assert after["MPH-0002"]["description"] == before["description"]


def test_a_batch_goes_active_then_its_result_with_per_offer_errors(shop, fnac):
    fnac.create_offers(FNAC, 2)
    ean = catalog.product(fnac.seed, 30)["ean"]
    batch_id = submit(
        shop,
        offer("MPH-0001", "<price>9.90</price>"),
        offer("NEW-SKU", "<price>9.90</price>"),
        offer("NEW-EAN", "<price>19.90</price><quantity>4</quantity>", product=ean),
        offer("GONE", "<treatment>delete</treatment>"),
    )
    status, root = poll(shop, batch_id)
    assert status == "ACTIVE" and root.findall(q("offer")) == []
    status, root = poll(shop, batch_id)
    assert status == "WARNING"
    results = {o.findtext(q("offer_seller_id")): o for o in root.findall(q("offer"))}
    assert [o.get("status") for o in results.values()] == ["OK", "ERROR", "OK", "ERROR"]
    assert errors(results["NEW-SKU"])[0][0] == "ERR_131"
    assert errors(results["GONE"])[0][0] == "ERR_136"
    assert results["NEW-EAN"].findtext(q("product_fnac_id")) == "3100030"
    assert fnac.offers(FNAC)["NEW-EAN"]["quantity"] == 4
    (batch,) = fnac.batches(FNAC)
    assert batch["status"] == "WARNING" and set(batch["errors"]) == {"NEW-SKU", "GONE"}


def test_batch_polls_setting_adds_running_polls(shop, fnac):
    fnac.update_settings({"batch_polls": 3})
    fnac.create_offers(FNAC, 1)
    batch_id = submit(shop, offer("MPH-0001", "<quantity>0</quantity>"))
    assert [poll(shop, batch_id)[0] for _ in range(4)] == [
        "ACTIVE",
        "RUNNING",
        "RUNNING",
        "OK",
    ]


def test_every_offer_in_error_is_an_error_batch(shop, fnac):
    fnac.update_settings({"batch_polls": 0})
    batch_id = submit(
        shop,
        offer("NOPE-1", "<price>5.00</price>"),
        offer("NOPE-2", "<quantity>1</quantity>"),
    )
    assert poll(shop, batch_id)[0] == "ERROR"


def test_an_unknown_batch_is_an_error(shop):
    status, root = poll(shop, "00000000-0000-4000-8000-000000000000")
    assert status == "ERROR" and errors(root)[0][0] == "ERR_140"


def test_prices_out_of_range_are_refused(fnac_url, fnac):
    """Against the XSD (price_090_20000) the whole request fails ERR_096;
    without it, the emulator's own check fails the offer."""
    fnac.create_offers(FNAC, 1)
    shop = FnacShop(fnac_url)
    root = shop.call("offers_update", offer("MPH-0001", "<price>0.89</price>"))
    if fnac.schemas is not None:
        assert root.get("status") == "ERROR" and errors(root)[0][0] == "ERR_096"
    fnac.schemas = None
    batch_id = submit(
        shop,
        offer("MPH-0001", "<price>20000.01</price>"),
        offer("MPH-0001", "<quantity>10000</quantity>"),
    )
    fnac.update_settings({"batch_polls": 0})
    status, root = poll(shop, batch_id)
    assert status == "ERROR"
    assert [errors(o)[0][0] for o in root.findall(q("offer"))] == ["ERR_133", "ERR_134"]
    assert fnac.offers(FNAC)["MPH-0001"]["price"] != "20000.01"


def test_more_than_10000_offers_are_refused_whole(shop, fnac):
    fnac.create_offers(FNAC, 1)
    body = offer("MPH-0001", "<quantity>3</quantity>") * 10_001
    root = shop.call("offers_update", body)
    assert root.get("status") == "ERROR" and errors(root)[0][0] == "ERR_103"
    assert fnac.batches(FNAC) == []


# -- offers_query ----------------------------------------------------------------------
def test_offers_query_pages_and_filters(shop, fnac):
    fnac.create_offers(FNAC, 25, unknown_sku_share=0.2, malformed_share=0.08)
    root = shop.call("offers_query", "<paging>2</paging>", results_count=10)
    assert root.findtext(q("total_paging")) == "3"
    assert root.findtext(q("nb_total_result")) == "25"
    assert len(root.findall(q("offer"))) == 10
    skus = [
        o.findtext(q("offer_seller_id"))
        for o in shop.call("offers_query", results_count=50).findall(q("offer"))
    ]
    assert sum(sku.startswith("UNKNOWN-") for sku in skus) == 5
    assert "" in skus  # a malformed record: empty offer_seller_id
    one = shop.call("offers_query", "<offer_seller_id>MPH-0003</offer_seller_id>")
    assert [o.findtext(q("offer_seller_id")) for o in one.findall(q("offer"))] == [
        "MPH-0003"
    ]
    zero = shop.call("offers_query", '<quantity mode="Equals" value="0"/>').findall(
        q("offer")
    )
    assert zero and all(o.findtext(q("quantity")) == "0" for o in zero)


def test_offers_query_modified_window_sees_the_update(shop, fnac):
    fnac.create_offers(FNAC, 5)
    since = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(
        timespec="seconds"
    )
    assert len(shop.call("offers_query").findall(q("offer"))) == 5
    submit(shop, offer("MPH-0004", "<price>33.00</price>"))
    window = f'<date type="Modified"><min>{since}</min></date>'
    root = shop.call("offers_query", window)
    assert "MPH-0004" in [
        o.findtext(q("offer_seller_id")) for o in root.findall(q("offer"))
    ]


def test_results_count_is_capped_at_10000(shop):
    root = shop.call("offers_query", results_count=20_000)
    assert root.findtext(q("nb_total_per_page")) == "10000"


# -- pricing_query ---------------------------------------------------------------------
def refs(*eans):
    return "".join(
        f'<product_reference type="Ean">{ean}</product_reference>' for ean in eans
    )


def test_eleven_references_are_refused_with_err_105(shop, fnac):
    eans = [catalog.product(fnac.seed, i)["ean"] for i in range(11)]
    root = shop.call("pricing_query", refs(*eans))
    assert root.get("status") == "ERROR"
    products = root.findall(q("pricing_product"))
    assert len(products) == 11
    assert {errors(p)[0][0] for p in products} == {"ERR_105"}
    assert shop.call("pricing_query", refs(*eans[:10])).get("status") == "OK"


def test_pricing_gives_own_offer_competitors_and_unknown_products(shop, fnac):
    fnac.create_offers(FNAC, 3)
    ean = catalog.product(fnac.seed, 0)["ean"]
    fnac.set_competitors(
        FNAC,
        ean,
        [
            {"seller": "Cheap Pro", "price": "3.10", "shipping": "2.99"},
            {
                "seller": "Marc",
                "price": "2.50",
                "type": "not professional",
                "state": "2",
            },
        ],
    )
    root = shop.call("pricing_query", refs(ean, catalog.unknown_ean(1)), sellers="all")
    assert root.get("status") == "WARNING"
    known, unknown = root.findall(q("pricing_product"))
    assert errors(unknown)[0][0] == "ERR_120"
    assert known.findtext(q("seller_offer_sku")) == "MPH-0001"
    rows = [
        (r.get("type"), r.findtext(q("seller")), r.findtext(q("price")))
        for r in known.findall(q("pricing"))
    ]
    assert ("professional", "Cheap Pro", "3.10") in rows
    assert ("not professional", "Marc", "2.50") in rows
    assert known.findtext(q("used_price")) == "2.50"
    assert known.findtext(q("refurbished_price")) == ""  # present and empty: none
    others = shop.call("pricing_query", refs(ean), sellers="others").find(
        q("pricing_product")
    )
    assert len(others.findall(q("pricing"))) == 2  # the shop's own row left out


def _rows_at(fnac, ean, *moments):
    """The competitors' rows of ``ean`` read at each of ``moments``."""
    shop = fnac.store.shop(FNAC)
    clock = iter(moments)
    fnac.store.clock.now = lambda: next(clock)
    return [fnac.store.pricing_product(shop, "Ean", ean)["rows"] for _moment in moments]


@pytest.mark.parametrize("moves", [True, False])
def test_competitor_prices_move_with_the_hour_when_asked(fnac, moves):
    fnac.update_settings({"price_moves": moves})
    ean = next(
        p["ean"]
        for p in catalog.products(fnac.seed, 60)
        if len(
            fnac.store.pricing_product(fnac.store.shop(FNAC), "Ean", p["ean"])["rows"]
        )
        >= 3
    )
    ten = datetime(2026, 3, 1, 10, 5, tzinfo=timezone.utc)
    first, same_hour, later = _rows_at(
        fnac, ean, ten, ten + timedelta(minutes=50), ten + timedelta(hours=3)
    )
    assert first == same_hour
    assert [row["seller"] for row in later] == [row["seller"] for row in first]
    prices = [row["price"] for row in first]
    assert ([row["price"] for row in later] != prices) is moves
    assert all(price > Decimal("0.90") for price in prices)
