"""Mirakl emulator: authentication, OR11 (paging, filters, sort), the order
JSON, OR12, and the generated data."""

import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from mphub.sandbox import Sandbox, catalog
from mphub.sandbox.mirakl import DEFECTS, ORDER_STATES
from mphub.sandbox.server import format_timestamp, parse_timestamp

from .conftest import MiraklShop


def test_the_api_key_is_the_raw_shop_key(mirakl, mirakl_url, shop):
    mirakl.create_orders(2001, 2)
    mirakl.create_orders(2002, 3)
    for key in (None, "nope", "Bearer sandbox-carrefour-key"):
        answer = MiraklShop(mirakl_url, key=key).call("GET", "/api/orders")
        assert answer.status_code == 401
        assert answer.json() == {"status": 401, "message": "Unauthorized"}
    assert shop.orders()["total_count"] == 2
    assert MiraklShop(mirakl_url, "sandbox-boulanger-key").orders()["total_count"] == 3
    assert shop.orders(shop_id=2001)["total_count"] == 2
    for other in ("2002", "abc"):
        answer = shop.call("GET", "/api/account", params={"shop_id": other})
        assert answer.status_code == 400
        assert answer.json()["status"] == 400


def test_account_version_carriers(shop):
    account = shop.call("GET", "/api/account").json()
    assert account["shop_id"] == 2001
    assert account["shop_name"] == "Carrefour sandbox shop"
    assert account["currency_iso_code"] == "EUR"
    assert shop.call("GET", "/api/version").json()["version"]
    carriers = shop.call("GET", "/api/shipping/carriers").json()["carriers"]
    codes = {carrier["code"] for carrier in carriers}
    assert {"COLISSIMO", "CHRONOPOST", "DPD", "UPS", "GLS", "DHL", "FEDEX"} <= codes
    assert all("{trackingId}" in carrier["tracking_url"] for carrier in carriers)
    admin = shop.admin("GET", "shops")
    assert [s["api_key"] for s in admin][:2] == [
        "sandbox-carrefour-key",
        "sandbox-boulanger-key",
    ]


def test_unknown_paths_and_parameters(shop):
    missing = shop.call("GET", "/api/nowhere")
    assert missing.status_code == 404
    assert missing.json()["status"] == 404
    assert shop.call("GET", "/api/orders", params={"whatever": "x"}).ok


def test_offset_pagination(mirakl, shop):
    ids = mirakl.create_orders(2001, 25)
    first = shop.orders()
    assert first["total_count"] == 25
    assert len(first["orders"]) == 10  # Mirakl's default page
    seen = []
    for offset in range(0, 25, 7):
        page = shop.orders(max=7, offset=offset)
        assert page["total_count"] == 25
        seen += [order["order_id"] for order in page["orders"]]
    assert seen == ids  # by creation date, ascending
    assert shop.ids(paginate="false") == ids
    assert shop.ids(paginate="false", order="desc") == ids[::-1]
    assert shop.ids(max=3, order="desc", sort="dateCreated") == ids[::-1][:3]
    beyond = shop.orders(offset=100)
    assert beyond == {"orders": [], "total_count": 25}
    for params in (
        {"max": 101},
        {"max": 0},
        {"offset": -1},
        {"max": "ten"},
        {"sort": "dateUpdated"},
        {"order": "up"},
        {"paginate": "maybe"},
    ):
        answer = shop.call("GET", "/api/orders", params=params)
        assert answer.status_code == 400, params
        assert answer.json()["status"] == 400


def test_filters(mirakl, shop):
    first = mirakl.create_orders(2001, 3)
    time.sleep(0.02)
    middle = datetime.now(timezone.utc)
    time.sleep(0.02)
    second = mirakl.create_orders(2001, 2, state="SHIPPING")
    stamp = format_timestamp(middle)
    assert shop.ids(start_date=stamp) == second
    assert shop.ids(end_date=stamp) == first
    assert shop.ids(start_update_date=middle.isoformat()) == second
    assert shop.ids(end_update_date=stamp) == first
    assert shop.ids(order_state_codes="SHIPPING,SHIPPED") == second
    assert shop.ids(order_ids=f"{second[1]},{first[0]}") == [first[0], second[1]]
    commercial = first[1].rsplit("-", 1)[0]
    assert shop.ids(order_references_for_customer=commercial) == [first[1]]
    assert shop.ids(order_references_for_seller="REF") == []
    assert shop.ids(channel_codes="FR,BE") == first + second
    assert shop.ids(channel_codes="IT") == []
    assert shop.ids(only_null_channel="true", channel_codes="FR") == []
    assert shop.ids(customer_debited="true") == second
    assert shop.ids(customer_debited="false") == first
    assert shop.ids(has_incident="true") == []
    assert shop.ids(has_incident="false") == first + second
    assert shop.ids(payment_workflow="PAY_ON_ACCEPTANCE") == first + second
    assert shop.ids(payment_workflow="PAY_ON_DELIVERY") == []
    assert shop.ids(fulfillment_center_code="DEFAULT") == first + second
    assert shop.ids(fulfillment_center_code="WAREHOUSE-2") == []
    for params in (
        {"start_update_date": "soon"},
        {"start_date": "2026-13-01T00:00:00Z"},
        {"order_state_codes": "LOST"},
        {"order_ids": ",".join(f"X{i}" for i in range(101))},
        {"payment_workflow": "PAY_LATER"},
    ):
        answer = shop.call("GET", "/api/orders", params=params)
        assert answer.status_code == 400, params


def test_dates_in_every_iso_form(mirakl, shop):
    (order_id,) = mirakl.create_orders(2001, 1)
    created = parse_timestamp(shop.order(order_id)["created_date"])
    before = created - timedelta(seconds=1)
    for text in (
        format_timestamp(before),
        before.strftime("%Y-%m-%dT%H:%M:%SZ"),
        before.astimezone(timezone(timedelta(hours=2))).isoformat(),
        before.astimezone(timezone(timedelta(hours=-5))).strftime(
            "%Y-%m-%dT%H:%M:%S%z"
        ),
    ):
        assert shop.ids(start_update_date=text) == [order_id], text
    assert shop.ids(start_update_date=format_timestamp(created)) == [order_id]
    after = format_timestamp(created + timedelta(milliseconds=1))
    assert shop.ids(start_update_date=after) == []


def test_start_update_date_safety_delta():
    with Sandbox(options={"mirakl": {"update_date_delta_seconds": 60}}) as box:
        (order_id,) = box.emulators["mirakl"].create_orders(2001, 1)
        late = format_timestamp(datetime.now(timezone.utc) + timedelta(seconds=30))
        assert MiraklShop(box.urls["mirakl"]).ids(start_update_date=late) == [order_id]


def test_order_json(mirakl, shop):
    (order_id,) = mirakl.create_orders(2001, 1, lines=(2, 2))
    order = shop.order(order_id)
    assert order_id.startswith("MKP-2001-") and order_id.endswith("-A")
    assert order["commercial_id"] == order_id[:-2]
    assert order["order_state"] == "WAITING_ACCEPTANCE"
    assert order["channel"] == {"code": "FR", "label": "France"}
    assert order["currency_iso_code"] == "EUR"
    assert order["order_tax_mode"] == "TAX_INCLUDED"
    assert order["payment_workflow"] == "PAY_ON_ACCEPTANCE"
    assert order["can_cancel"] is True and order["can_shop_ship"] is False
    created = order["created_date"]
    assert created.endswith("Z") and len(created) == len("2026-11-22T10:15:30.123Z")
    assert parse_timestamp(created) <= datetime.now(timezone.utc)
    assert order["last_updated_date"] == created
    customer = order["customer"]
    for address in (customer["billing_address"], customer["shipping_address"]):
        assert address["country_iso_code"] in ("FRA", "BEL")
        assert {"street_1", "zip_code", "city", "country", "lastname"} <= set(address)
    assert "@" in order["customer_notification_email"]
    lines = order["order_lines"]
    assert [x["order_line_id"] for x in lines] == [f"{order_id}-1", f"{order_id}-2"]
    assert [x["order_line_index"] for x in lines] == [1, 2]
    skus = {p["sku"]: p for p in catalog.products(42, 60)}
    for line in lines:
        product = skus[line["offer_sku"]]
        assert line["price_unit"] == float(product["price"])
        assert line["taxes"][0].get("rate", float(product["tax_rate"])) == float(
            product["tax_rate"]
        )
        assert line["order_line_state"] == "WAITING_ACCEPTANCE"
        assert line["offer_state_code"] == "11"
        assert 1 <= line["quantity"] <= 3


def test_amounts_add_up(mirakl, shop):
    mirakl.create_orders(2001, 60)
    orders = shop.orders(paginate="false")["orders"]
    cent = Decimal("0.01")

    def amount(value):
        return Decimal(str(value))

    skus = {p["sku"]: p for p in catalog.products(42, 60)}
    for order in orders:
        lines = order["order_lines"]
        assert sum(amount(x["price"]) for x in lines) == amount(order["price"])
        shipping = sum(amount(x["shipping_price"]) for x in lines)
        assert shipping == amount(order["shipping_price"])
        total = amount(order["price"]) + amount(order["shipping_price"])
        assert total == amount(order["total_price"])
        commission = sum(amount(x["total_commission"]) for x in lines)
        assert commission == amount(order["total_commission"])
        for line in lines:
            price = amount(line["price"])
            assert amount(line["price_unit"]) * line["quantity"] == price
            assert price + amount(line["shipping_price"]) == amount(line["total_price"])
            rate = amount(skus[line["offer_sku"]]["tax_rate"])
            tax = (price * rate / (100 + rate)).quantize(cent, rounding="ROUND_HALF_UP")
            assert amount(line["taxes"][0]["amount"]) == tax
            for tax in line["shipping_taxes"]:
                expected = amount(line["shipping_price"]) * 20 / 120
                assert amount(tax["amount"]) == expected.quantize(
                    cent, rounding="ROUND_HALF_UP"
                )
            fee, vat = amount(line["commission_fee"]), amount(line["commission_vat"])
            assert fee + vat == amount(line["total_commission"])
    line_counts = [len(order["order_lines"]) for order in orders]
    assert 1.5 <= sum(line_counts) / len(line_counts) <= 2.5
    # OR11 makes a tax's rate optional: some lines come without one
    stated = [
        "rate" in tax for o in orders for x in o["order_lines"] for tax in x["taxes"]
    ]
    assert 0.1 < stated.count(False) / len(stated) < 0.4


def test_buyers_come_back(mirakl, shop):
    mirakl.create_orders(2001, 200)
    buyers = [
        o["customer"]["customer_id"] for o in shop.orders(paginate="false")["orders"]
    ]
    assert len(set(buyers)) < len(buyers)


def test_or12_single_order(mirakl, shop):
    (order_id,) = mirakl.create_orders(2001, 1)
    single = shop.call("GET", f"/api/orders/{order_id}").json()
    assert single["order_id"] == order_id
    assert single["acceptance_decision_date"] is None  # null, as Mirakl writes it
    assert single["order_lines"][0]["shipped_date"] is None
    missing = shop.call("GET", "/api/orders/NOPE")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "ORDER_NOT_FOUND"
    other_shop = MiraklShop(shop.url, "sandbox-boulanger-key")
    assert other_shop.call("GET", f"/api/orders/{order_id}").status_code == 404


def _without_dates(data):
    if isinstance(data, dict):
        return {
            key: _without_dates(value)
            for key, value in data.items()
            if not key.endswith(("_date", "_deadline"))
        }
    if isinstance(data, (list, tuple)):
        return [_without_dates(item) for item in data]
    return data


def test_generation_is_deterministic():
    def snapshot(seed):
        with Sandbox(seed=seed) as box:
            mirakl = box.emulators["mirakl"]
            ids = mirakl.create_orders(
                2001, 30, unknown_sku_share=0.1, malformed_share=0.1
            )
            ids += mirakl.create_orders(2002, 5, state="SHIPPED")
            bodies = [
                MiraklShop(box.urls["mirakl"], key).orders(paginate="false")
                for key in ("sandbox-carrefour-key", "sandbox-boulanger-key")
            ]
            records = [mirakl.order_record(i) for i in ids]
            kinds = [(record["kind"], record["defect"]) for record in records]
        return ids, _without_dates(bodies), kinds

    assert snapshot(42) == snapshot(42)
    assert snapshot(42)[1] != snapshot(43)[1]


def test_the_nth_order_does_not_depend_on_faults_or_other_shops():
    def order_lines(faults, other_shop_first):
        with Sandbox(faults={"mirakl": faults}) as box:
            mirakl = box.emulators["mirakl"]
            if other_shop_first:
                mirakl.create_orders(2002, 7)
            shop = MiraklShop(box.urls["mirakl"])
            for _ in range(5):
                shop.call("GET", "/api/version")
            (order_id,) = mirakl.create_orders(2001, 1)
            mirakl.set_faults({"rate_429": 0})
            return order_id, shop.order(order_id)["order_lines"]

    quiet = _without_dates(order_lines({}, False))
    assert quiet == _without_dates(order_lines({"rate_429": 0.5}, True))


def test_orders_drawn_from_a_catalogue_range(mirakl, shop):
    ids = mirakl.create_orders(2001, 20, catalog_size=3, catalog_start=900_000)
    skus = {
        line["offer_sku"]
        for order_id in ids
        for line in shop.order(order_id)["order_lines"]
    }
    assert skus == {"MPH-900001", "MPH-900002", "MPH-900003"}
    prices = {p["sku"]: p["price"] for p in catalog.products(42, 3, start=900_000)}
    assert set(prices) == skus
    with pytest.raises(ValueError):
        mirakl.create_orders(2001, 1, catalog_size=2, catalog_start=999_999)
    # the default range is the emulator's catalogue, as before
    first = {
        line["offer_sku"]
        for order_id in mirakl.create_orders(2001, 20, catalog_size=2)
        for line in shop.order(order_id)["order_lines"]
    }
    assert first == {"MPH-0001", "MPH-0002"}


def test_unknown_sku_and_malformed_counts_are_exact(mirakl, shop):
    ids = mirakl.create_orders(2001, 200, unknown_sku_share=0.1, malformed_share=0.035)
    kinds = {i: mirakl.order_record(i)["kind"] for i in ids}
    assert list(kinds.values()).count("unknown_sku") == 20
    assert list(kinds.values()).count("malformed") == 7
    known = {p["sku"] for p in catalog.products(42, 60)}
    for order in shop.orders(paginate="false")["orders"]:
        kind = kinds[order["order_id"]]
        if kind == "malformed":
            continue
        skus = [x["offer_sku"] for x in order["order_lines"]]
        unknown = [sku for sku in skus if sku not in known]
        assert len(unknown) == (kind == "unknown_sku")
        assert all(sku.startswith("UNKNOWN-") for sku in unknown)
    defects = [mirakl.order_record(i)["defect"] for i in ids if kinds[i] == "malformed"]
    assert sorted(defects) == sorted(DEFECTS)  # 7 malformed: each defect once


def _check_defect(defect, order):
    lines = order.get("order_lines")
    if defect == "quantity_text":
        assert lines[0]["quantity"] == "two"
    elif defect == "price_unit_null":
        assert lines[0]["price_unit"] is None
    elif defect == "no_order_lines":
        assert lines is None
    elif defect == "no_shipping_address":
        assert "shipping_address" not in order["customer"]
    elif defect == "negative_quantity":
        assert lines[0]["quantity"] < 0
    elif defect == "bad_created_date":
        with pytest.raises(ValueError):
            parse_timestamp(order["created_date"])
    elif defect == "totals_mismatch":
        assert round(sum(x["price"] for x in lines), 2) != order["price"]


def test_malformed_orders_are_served_the_same_way_every_time(mirakl, shop):
    ids = mirakl.create_orders(2001, len(DEFECTS), malformed_share=1.0)
    for order_id in ids:
        defect = mirakl.order_record(order_id)["defect"]
        order = shop.order(order_id)
        assert order == shop.order(order_id)
        assert order["order_id"] == order_id
        _check_defect(defect, order)
        single = shop.call("GET", f"/api/orders/{order_id}").json()
        _check_defect(defect, single)
    assert {mirakl.order_record(i)["defect"] for i in ids} == set(DEFECTS)
    # a cancellation does not heal them
    shop.put(ids[0], "cancel")
    _check_defect(mirakl.order_record(ids[0])["defect"], shop.order(ids[0]))


def test_orders_created_in_any_state(mirakl, shop):
    for state in ORDER_STATES:
        (order_id,) = mirakl.create_orders(2001, 1, state=state)
        order = shop.order(order_id)
        if state == "WAITING_DEBIT_PAYMENT":
            state = "SHIPPING"  # debit_delay_seconds=0: debited at once
        assert order["order_state"] == state
        assert {x["order_line_state"] for x in order["order_lines"]} == {state}
        assert order["can_shop_ship"] is (state == "SHIPPING")
        shipped = state in ("SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED")
        assert ("shipped_date" in order["order_lines"][0]) is shipped
