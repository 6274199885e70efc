from datetime import datetime, timezone
from decimal import Decimal

import pytest
from mphub.canonical import OrderStatus
from mphub.errors import InvalidPayload
from mphub.mirakl.mapping import map_order
from mphub.orders import acceptance_decisions, plan_sale_order

from .mirakl_samples import order


def test_maps_a_complete_order():
    result = map_order(order())
    assert result.external_id == "MKP-000123-A"
    assert result.reference == "MKP-000123"
    assert result.status == OrderStatus.WAITING_ACCEPTANCE
    assert result.marketplace_status == "WAITING_ACCEPTANCE"
    assert result.created_at == datetime(2025, 3, 1, 9, 12, 44, tzinfo=timezone.utc)
    assert result.updated_at.microsecond == 120000
    assert result.currency == "EUR"
    assert result.tax_included
    assert result.total == Decimal("64.70")
    assert result.shipping_total == Decimal("5.00")
    assert result.commission_total == Decimal("9.66")
    assert result.channel == "FR"
    customer = result.customer
    assert customer.name == "Jeanne Martin"
    assert customer.external_id == "C-998"
    assert customer.lang == "fr_FR"
    assert customer.shipping_address.country_code == "FR"
    assert customer.shipping_address.zip == "69003"
    first, second = result.lines
    assert first.sku == "MUG-RED"
    assert first.quantity == 2
    assert first.unit_price == Decimal("19.90")
    assert first.tax_rate == Decimal("20")
    assert first.shipping_tax_rate == Decimal("20")
    assert first.commission == Decimal("6.44")
    assert first.marketplace_product_id == "MKP1000000037"
    assert second.tax_rate == Decimal("5.5")
    assert result.skus() == ["BOOK-1", "MUG-RED"]


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("STAGING", OrderStatus.PENDING),
        ("WAITING_DEBIT_PAYMENT", OrderStatus.ACCEPTED),
        ("SHIPPING", OrderStatus.TO_SHIP),
        ("SHIPPED", OrderStatus.SHIPPED),
        ("CLOSED", OrderStatus.DELIVERED),
        ("REFUSED", OrderStatus.REFUSED),
        ("CANCELED", OrderStatus.CANCELLED),
    ],
)
def test_maps_every_state(state, status):
    assert map_order(order(order_state=state)).status == status


def _reasons(payload):
    with pytest.raises(InvalidPayload) as info:
        map_order(payload)
    return info.value.reasons


def test_quantity_as_text_is_refused_with_its_path():
    payload = order()
    payload["order_lines"][0]["quantity"] = "two"
    assert _reasons(payload) == [
        "order_lines[0].quantity: expected a whole number, got 'two'"
    ]


def test_every_problem_is_reported_at_once():
    payload = order(created_date="yesterday", currency_iso_code=None)
    payload["order_lines"][1]["price_unit"] = None
    payload["order_lines"][0]["quantity"] = -1
    del payload["customer"]["shipping_address"]
    reasons = _reasons(payload)
    assert "created_date: not a valid date-time: 'yesterday'" in reasons
    assert "currency_iso_code: missing" in reasons
    assert "order_lines[1].price_unit: missing" in reasons
    assert "order_lines[0].quantity: must be from 1 to 1000000000, got -1" in reasons
    assert "customer.shipping_address: missing" in reasons


def test_no_lines_is_refused():
    payload = order()
    del payload["order_lines"]
    assert _reasons(payload) == ["order_lines: missing"]
    assert _reasons(order(order_lines=[])) == ["order_lines: empty"]


def test_lines_not_adding_up_are_refused():
    assert _reasons(order(price=61.70)) == [
        "price: 61.70 differs from the sum of the line prices 59.70"
    ]


def test_line_price_must_match_unit_price_times_quantity():
    payload = order(price=49.70)
    payload["order_lines"][0]["price"] = 29.80
    assert _reasons(payload) == [
        "order_lines[0].price: 29.80 differs from price_unit x quantity = 39.80"
    ]


def test_unknown_state_and_country_are_refused():
    payload = order(order_state="TELEPORTED")
    payload["customer"]["shipping_address"]["country_iso_code"] = "XXX"
    reasons = _reasons(payload)
    assert "order_state: unknown value 'TELEPORTED'" in reasons
    assert "customer.shipping_address.country_iso_code: unknown country code 'XXX'" in (
        reasons
    )


def test_missing_tax_rate_is_left_unknown_not_derived():
    payload = order()
    del payload["order_lines"][0]["taxes"][0]["rate"]
    line = map_order(payload).lines[0]
    assert line.tax_rate is None
    assert [(t.rate, t.amount) for t in line.taxes] == [(None, Decimal("6.63"))]


def test_free_line_with_a_rateless_tax_maps():
    payload = order()
    free = payload["order_lines"][0]
    payload["price"] -= free["price"]
    payload["total_price"] -= free["price"]
    free.update(price_unit=0, price=0, taxes=[{"code": "TVA", "amount": 0}])
    assert map_order(payload).lines[0].total == 0


def test_total_price_is_checked_against_price_and_shipping():
    payload = order()
    payload["total_price"] = payload["total_price"] + 1
    assert any(r.startswith("total_price: ") for r in _reasons(payload))


def test_refused_lines_are_left_out_of_the_plan():
    payload = order(order_state="SHIPPING", price=59.70)
    payload["order_lines"][1]["order_line_state"] = "REFUSED"
    plan = plan_sale_order(map_order(payload))
    assert [line.sku for line in plan.product_lines] == ["MUG-RED"]
    assert plan.expected_total == Decimal("44.80")


def test_plan_groups_shipping_by_rate_and_matches_the_total():
    result = map_order(order())
    plan = plan_sale_order(result)
    assert [(line.kind, line.sku, line.quantity) for line in plan.lines] == [
        ("product", "MUG-RED", 2),
        ("product", "BOOK-1", 1),
        ("shipping", None, 1),
    ]
    assert plan.shipping_lines[0].price_unit == Decimal("5.00")
    assert plan.shipping_lines[0].tax_rate == Decimal("20")
    assert plan.expected_total == result.total
    assert plan.commission == Decimal("9.66")


def test_tax_excluded_orders_add_their_taxes_to_the_total():
    # tax excluded, total_price is too (price + shipping_price)
    payload = order(order_tax_mode="TAX_EXCLUDED", price=49.75, total_price=54.75)
    payload["order_lines"][0].update(price_unit=16.585, price=33.17)
    payload["order_lines"][0]["taxes"][0]["amount"] = 6.63
    payload["order_lines"][1].update(price_unit=16.58, price=16.58)
    payload["order_lines"][1]["taxes"][0]["amount"] = 0.91
    result = map_order(payload)
    assert not result.tax_included
    assert result.lines[0].unit_price == Decimal("16.585")  # kept as sent
    plan = plan_sale_order(result)
    # 33.17 + 16.58 + 5.00 + taxes 6.63 + 0.91 + 0.83
    assert plan.expected_total == Decimal("63.12") == result.total


def test_acceptance_needs_stock_for_every_line():
    result = map_order(order())
    decisions = acceptance_decisions(result, {"MUG-RED": 2, "BOOK-1": 5})
    assert decisions == {"MKP-000123-A-1": True, "MKP-000123-A-2": True}
    assert acceptance_decisions(result, {"MUG-RED": 1, "BOOK-1": 5}) is None
    assert acceptance_decisions(result, {"MUG-RED": 2}) is None
    shipping = map_order(order(order_state="SHIPPING"))
    assert acceptance_decisions(shipping, {"MUG-RED": 9, "BOOK-1": 9}) is None
