"""The Fnac Darty emulator's generated orders: determinism, the contract's
variety measured on 500 orders (read over HTTP, checked against the XSD),
malformed and unknown-SKU records, and every state."""

import re
from collections import Counter
from decimal import Decimal

import pytest
from mphub.sandbox.fnac import FnacEmulator
from mphub.sandbox.fnac_data import DEFECTS, ORDER_STATES, SHIPPING_METHODS

from tests.sandbox.test_fnac_support import DARTY, FNAC, FnacShop, needs_xsd, q


def read_all(shop, results_count=500):
    orders, page = [], 1
    while True:
        root = shop.call(
            "orders_query", f"<paging>{page}</paging>", results_count=results_count
        )
        orders += root.findall(q("order"))
        if page >= int(root.findtext(q("total_paging"))):
            return orders
        page += 1


def texts(orders, path):
    return [element.text or "" for order in orders for element in order.iterfind(path)]


@pytest.fixture
def five_hundred(fnac, fnac_url):
    ids = fnac.create_orders(
        FNAC, 500, unknown_sku_share=0.1, malformed_share=0.064, refused_line_share=0.05
    )
    orders = read_all(FnacShop(fnac_url))
    assert len(orders) == len(ids) == 500
    return ids, orders


def test_orders_are_deterministic_and_ids_are_13_hex_characters():
    one, two = FnacEmulator(seed=7), FnacEmulator(seed=7)
    ids = one.create_orders(FNAC, 50)
    assert two.create_orders(FNAC, 50) == ids
    first, again = one.order_record(FNAC, ids[9]), two.order_record(FNAC, ids[9])
    assert first["lines"] == again["lines"] and first["total"] == again["total"]
    assert all(re.fullmatch(r"[0-9A-F]{13}", order_id) for order_id in ids)
    assert not set(one.create_orders(DARTY, 50)) & set(ids)
    assert FnacEmulator(seed=8).create_orders(FNAC, 50) != ids


def test_exact_shares_of_unknown_and_malformed_orders(fnac, five_hundred):
    ids, _orders = five_hundred
    kinds = Counter(fnac.order_record(FNAC, i)["kind"] for i in ids)
    assert kinds == {"valid": 418, "unknown_sku": 50, "malformed": 32}
    defects = Counter(fnac.order_record(FNAC, i)["defect"] for i in ids) - Counter(
        {None: 418 + 50}
    )
    assert set(defects) == set(DEFECTS) and set(defects.values()) == {4}
    unknown = [
        fnac.order_record(FNAC, i)
        for i in ids
        if fnac.order_record(FNAC, i)["kind"] == "unknown_sku"
    ]
    assert all(
        any(line["sku"].startswith("UNKNOWN-") for line in r["lines"]) for r in unknown
    )


def test_the_variety_of_the_contract_on_500_orders(five_hundred):
    _ids, orders = five_hundred
    firstnames = texts(orders, q("client_firstname"))
    assert len(firstnames) == 500 and 0 < firstnames.count("") < 60
    assert 0 < 500 - len(texts(orders, q("client_email"))) < 100
    assert all(
        e.endswith("@marketplace.fnac.com") for e in texts(orders, q("client_email"))
    )
    assert 0 < len(texts(orders, q("adherent_number"))) < 60
    assert 0 < len(texts(orders, q("vat_rate"))) < 500
    assert 0 < 500 - len(texts(orders, q("fees"))) < 200
    countries = Counter(texts(orders, f"{q('shipping_address')}/{q('country')}"))
    assert {"FRA", "BEL", "France", "FR"} <= set(countries)
    assert countries["FRA"] > 300
    phones = texts(orders, f"*/{q('phone')}") + texts(orders, f"*/{q('mobile')}")
    assert phones and max(map(len, phones)) <= 15
    no_address1 = [
        a
        for o in orders
        for a in o.iterfind(q("billing_address"))
        if a.find(q("address1")) is None
    ]
    assert 0 < len(no_address1) < 100
    assert 0 < len(texts(orders, f"{q('billing_address')}/{q('nif')}")) < 60
    prices = [
        Decimal(p) for p in texts(orders, f"{q('order_detail')}/{q('price')}") if p
    ]
    assert min(p for p in prices if p > 0) < Decimal("3") and max(prices) > Decimal(
        "1000"
    )
    quantities = Counter(texts(orders, f"{q('order_detail')}/{q('quantity')}"))
    assert quantities["1"] > 250 and int(max(quantities, key=int)) == 10
    shipping = texts(orders, f"{q('order_detail')}/{q('shipping_price')}")
    assert "0.00" in shipping and len(set(shipping)) > 4
    assert "" in texts(orders, f"{q('order_detail')}/{q('received_at')}")
    methods = Counter(texts(orders, f"{q('order_detail')}/{q('shipping_method')}"))
    assert set(methods) == set(SHIPPING_METHODS)
    multi = sum(1 for o in orders if len(o.findall(q("order_detail"))) > 1)
    assert 100 < multi < 200


def test_relay_point_orders_put_the_relay_in_the_shipping_address(fnac, five_hundred):
    _ids, orders = five_hundred
    relay = [
        o
        for o in orders
        if {m.text for m in o.iterfind(f"{q('order_detail')}/{q('shipping_method')}")}
        == {"55"}
    ]
    assert 40 < len(relay) < 120
    for order in relay:
        address = order.find(q("shipping_address"))
        assert address.findtext(q("company"))
        assert re.fullmatch(r"\d{6}", address.findtext(q("address3")))
        assert address.find(q("address2")) is None
        assert fnac.order_record(FNAC, order.findtext(q("order_id")))["relay"] is True


def test_malformed_orders_show_their_defect(fnac, five_hundred):
    ids, orders = five_hundred
    by_id = {o.findtext(q("order_id")): o for o in orders}
    for order_id in ids:
        record = fnac.order_record(FNAC, order_id)
        order = by_id[order_id]
        lines = order.findall(q("order_detail"))
        defect = record["defect"]
        if defect == "no_lines":
            assert lines == []
        elif defect == "zero_quantity":
            assert "0" in [line.findtext(q("quantity")) for line in lines]
        elif defect == "empty_sku":
            assert "" in [line.findtext(q("offer_seller_id")) for line in lines]
        elif defect in ("zero_price", "negative_price"):
            assert any(Decimal(line.findtext(q("price"))) <= 0 for line in lines)
        elif defect == "empty_zip_city":
            address = order.find(q("shipping_address"))
            assert address.findtext(q("zipcode")) == address.findtext(q("city")) == ""
        elif defect == "empty_country":
            assert order.find(q("shipping_address")).findtext(q("country")) == ""
        elif defect == "future_date":
            assert order.findtext(q("created_at")).startswith("2099-")


def test_refused_lines_in_accepted_orders(fnac, five_hundred):
    ids, _orders = five_hundred
    partial = [
        r
        for r in map(lambda i: fnac.order_record(FNAC, i), ids)
        if r["lines"] and r["lines"][-1]["state"] == "Refused"
    ]
    assert partial
    for record in partial:
        assert record["state"] == "ToShip"  # accepted, billed at once
        assert record["decisions"][record["lines"][-1]["line_id"]] == "Refused"
        live = [line for line in record["lines"] if line["active"]]
        total = sum(
            Decimal(line["line_total"]) + Decimal(line["shipping"]) for line in live
        )
        assert str(total) == record["total"]


def test_mixed_states_cover_the_table(fnac):
    ids = fnac.create_orders(FNAC, 500, state="mixed")
    states = Counter(fnac.order_record(FNAC, i)["state"] for i in ids)
    assert set(states) == set(ORDER_STATES)
    assert states["Created"] > states["Error"]


@needs_xsd
def test_every_kind_and_state_validates_against_the_orders_xsd(fnac, fnac_url):
    """300 orders of every state (and mixed), with unknown SKUs, malformed
    records, refused lines and messages: every orders_query page is valid
    (``FnacShop.post`` validates each answer)."""
    for state in (*ORDER_STATES, "mixed"):
        fnac.create_orders(
            FNAC,
            300,
            unknown_sku_share=0.1,
            malformed_share=0.1,
            refused_line_share=0.1,
            message_share=0.05,
            relay_share=0.3,
            company_share=0.2,
            state=state,
        )
    orders = read_all(FnacShop(fnac_url))
    assert len(orders) == 300 * (len(ORDER_STATES) + 1)
    assert {o.findtext(q("state")) for o in orders} == set(ORDER_STATES)
