"""The Octopia REST order mapper (``mphub.cdiscount.rest_mapping``)."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from mphub.canonical import OrderStatus
from mphub.cdiscount import rest_mapping
from mphub.cdiscount.common import REST_ORDER_STATES
from mphub.errors import InvalidPayload
from mphub.orders import plan_sale_order

from .cdiscount_samples import (
    REST_MINIMAL,
    REST_SECOND_LINE,
    rest_order,
    rest_two_lines,
)

D = Decimal


def reasons(raw):
    with pytest.raises(InvalidPayload) as caught:
        rest_mapping.map_order(raw)
    return caught.value.reasons


def test_sample_maps_to_the_canonical_order():
    order = rest_mapping.map_order(rest_order())
    assert order.external_id == "2503011015ABCDE"
    assert order.status == OrderStatus.WAITING_ACCEPTANCE
    assert order.marketplace_status == "WaitingAcceptance"
    assert order.currency == "EUR" and order.tax_included
    assert order.total == D("44.80") and order.shipping_total == D("5.00")
    assert order.commission_total == D("5.37")
    assert order.channel == "CDISFR" and order.shipping_method == "STD"
    assert order.created_at == datetime(2025, 3, 1, 9, 15, tzinfo=timezone.utc)
    assert order.shipping_deadline == datetime(2025, 3, 5, 17, tzinfo=timezone.utc)
    assert not order.fulfilled_by_marketplace
    (line,) = order.lines
    assert (line.external_id, line.sku, line.quantity) == ("1", "MUG-RED", 2)
    assert (line.unit_price, line.total, line.discount) == (D("19.90"), D("39.80"), 0)
    assert line.shipping_price == D("5.00") and line.commission == D("5.37")
    assert line.ean == "3700000000017"
    assert line.marketplace_product_id == "MUG3700000000017"
    # no VAT given: the connector takes it from the products in Odoo
    assert line.taxes == () and line.shipping_taxes == ()
    assert line.tax_rate == 0 and line.active
    customer = order.customer
    assert customer.name == "Jeanne Martin" and customer.external_id == "ab12cd34"
    assert customer.email == "c.xyz@clemarche.com"
    address = customer.shipping_address
    assert (address.street, address.zip, address.city) == (
        "12 rue des Lilas",
        "69003",
        "Lyon",
    )
    assert address.country_code == "FR" and address.phone == "0400000000"
    assert customer.billing_address == address
    assert order.extra["acceptance_deadline"] == "2025-03-03T09:15:00+00:00"


@pytest.mark.parametrize("state, status", sorted(REST_ORDER_STATES.items()))
def test_every_state(state, status):
    order = rest_mapping.map_order(rest_order(status=state))
    assert (order.status, order.marketplace_status) == (status, state)
    assert rest_mapping.raw_state(rest_order(status=state)) == (status, state)


def test_an_unknown_state_is_pending_with_its_text_kept():
    raw = rest_order(status="AwaitingCustomerPickup")
    order = rest_mapping.map_order(raw)
    assert order.status == OrderStatus.PENDING
    assert order.marketplace_status == "AwaitingCustomerPickup"
    assert rest_mapping.raw_state(raw) == (
        OrderStatus.PENDING,
        "AwaitingCustomerPickup",
    )


@pytest.mark.parametrize("raw", [None, [], {}, {"status": 3}, {"status": " "}])
def test_raw_state_of_unreadable_payloads(raw):
    assert rest_mapping.raw_state(raw) == (None, None)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ({"orderId": " 2503011015ABCDE "}, "2503011015ABCDE"),
        ({"orderId": 123}, "123"),
        ({"orderId": ""}, None),
        ({"orderId": True}, None),
        ({"orderId": "a\x00b"}, None),
        ({}, None),
        ("text", None),
    ],
)
def test_external_id(raw, expected):
    assert rest_mapping.external_id(raw) == expected


def test_every_optional_field_absent():
    order = rest_mapping.map_order(REST_MINIMAL)
    assert order.reference == "2503011016MINIM" and order.currency == "EUR"
    assert order.customer.billing_address is None
    assert order.customer.name == "Durand" and order.customer.email is None
    # a naive date is Paris time (UTC+1 in March); updatedAt defaults to it
    assert order.created_at == datetime(2025, 3, 1, 8, 16, tzinfo=timezone.utc)
    assert order.updated_at == order.created_at
    assert order.commission_total is None and order.shipping_deadline is None
    assert order.total == D("0.01") and order.shipping_total == 0
    (line,) = order.lines
    assert line.external_id == "1" and line.status is None and line.active
    assert order.extra["supply_mode"] == "Seller"


def test_naive_summer_date_is_paris_summer_time():
    raw = rest_order(createdAt="2025-07-01T12:00:00.1234567", updatedAt=None)
    order = rest_mapping.map_order(raw)
    assert order.created_at == datetime(
        2025, 7, 1, 10, 0, 0, 123456, tzinfo=timezone.utc
    )
    raw = rest_order(createdAt="2025-07-01T12:00:00+02:00", updatedAt=None)
    order = rest_mapping.map_order(raw)
    assert order.created_at == datetime(2025, 7, 1, 10, tzinfo=timezone.utc)


def test_created_after_its_last_update():
    assert reasons(rest_order(createdAt="2099-01-01T00:00:00Z")) == [
        "createdAt: 2099-01-01T00:00:00+00:00 is after the last update "
        "2025-03-01T09:20:00+00:00"
    ]
    # within the clock skew of Cdiscount's systems
    order = rest_mapping.map_order(rest_order(createdAt="2025-03-01T09:24:00Z"))
    assert order.created_at > order.updated_at


def test_relay_point():
    address = dict(
        rest_order()["shippingAddress"],
        addressLine1="Tabac du Centre, 3 rue Haute",
        relayId="FR-012345",
        relayName="Tabac du Centre",
        instructions="Ouvert le dimanche",
    )
    raw = rest_order(
        shippingAddress=address,
        shipping={"mode": "REL", "label": "Relais", "relayId": "FR-012345"},
    )
    order = rest_mapping.map_order(raw)
    shipping = order.customer.shipping_address
    assert shipping.company == "Tabac du Centre"
    assert shipping.additional_info == (
        "Relay point FR-012345 (Tabac du Centre)\nOuvert le dimanche"
    )
    assert order.shipping_method == "REL" and order.extra["relay_id"] == "FR-012345"
    # the relay's name is not the buyer's company
    assert order.customer.company is None


def test_relay_point_named_only_by_the_shipping_block():
    raw = rest_order(shipping={"mode": "REL", "relayId": "R-9"})
    shipping = rest_mapping.map_order(raw).customer.shipping_address
    assert shipping.additional_info == "Relay point R-9"


def test_the_buyer_phone_when_the_address_has_none():
    address = dict(rest_order()["shippingAddress"])
    del address["phone"]
    order = rest_mapping.map_order(rest_order(shippingAddress=address))
    assert order.customer.shipping_address.phone == "0600000000"


def test_company_and_street_lines():
    address = dict(
        rest_order()["shippingAddress"],
        companyName="ACME SARL",
        addressLine2="Bâtiment B",
        addressLine3="ZI des Pins",
    )
    order = rest_mapping.map_order(
        rest_order(shippingAddress=address, billingAddress=address)
    )
    shipping = order.customer.shipping_address
    assert shipping.company == "ACME SARL" and order.customer.company == "ACME SARL"
    assert shipping.street2 == "Bâtiment B, ZI des Pins"


def test_street_from_the_second_line_when_the_first_is_empty():
    address = dict(rest_order()["shippingAddress"], addressLine1=" ")
    address["addressLine2"] = "Résidence Les Pins"
    shipping = rest_mapping.map_order(
        rest_order(shippingAddress=address)
    ).customer.shipping_address
    assert shipping.street == "Résidence Les Pins" and shipping.street2 is None


@pytest.mark.parametrize("country", ["France", "FRANCE", "fra", " fr "])
def test_country_as_a_name_or_code(country):
    address = dict(rest_order()["shippingAddress"], countryCode=country)
    order = rest_mapping.map_order(rest_order(shippingAddress=address))
    assert order.customer.shipping_address.country_code == "FR"


def test_an_incomplete_billing_address_is_left_out():
    billing = dict(rest_order()["billingAddress"], city="", countryCode="Narnia")
    order = rest_mapping.map_order(rest_order(billingAddress=billing))
    assert order.customer.billing_address is None


def test_fulfilment_order():
    raw = rest_order(status="Shipped", supplyMode="Fulfillment")
    order = rest_mapping.map_order(raw)
    assert order.fulfilled_by_marketplace
    assert order.marketplace_status == "FBC:Shipped"
    assert order.status == OrderStatus.SHIPPED
    assert rest_mapping.raw_state(raw) == (OrderStatus.SHIPPED, "FBC:Shipped")


def test_xdock_order_is_shipped_by_the_seller():
    order = rest_mapping.map_order(rest_order(supplyMode="Xdock"))
    assert not order.fulfilled_by_marketplace
    assert order.extra["supply_mode"] == "Xdock"
    assert order.marketplace_status == "WaitingAcceptance"


def fee_order(total):
    raw = rest_order(totalPrice=total)
    raw["lines"].append(
        {
            "orderLineId": "9",
            "sellerProductId": "INTERETBCA",
            "label": "Intérêts paiement en 4 fois",
            "totalSalesPrice": 1.20,
        }
    )
    return raw


@pytest.mark.parametrize("total, included", [(44.80, False), (46.00, True)])
def test_fee_lines_are_kept_apart(total, included):
    order = rest_mapping.map_order(fee_order(total))
    assert [line.sku for line in order.lines] == ["MUG-RED"]
    assert order.extra["fees"] == [
        {"sku": "INTERETBCA", "label": "Intérêts paiement en 4 fois", "amount": "1.20"}
    ]
    assert order.extra["fees_in_total"] is included
    # the sale order holds what the seller sells: lines and shipping
    assert order.total == D("44.80")
    assert plan_sale_order(order).expected_total == D("44.80")


def test_fee_lines_and_a_total_matching_neither():
    assert reasons(fee_order(45.00)) == [
        "totalPrice: 45.00 differs from the active lines and shipping 44.80 "
        "(with the fees 46.00)"
    ]


def test_partially_refused_order():
    raw = rest_two_lines(status="Accepted", totalPrice=44.80, totalShippingPrice=5)
    raw["lines"][1].update(status="Refused", quantity=0)
    order = rest_mapping.map_order(raw)
    assert [line.active for line in order.lines] == [True, False]
    assert order.lines[1].status == "Refused"
    assert order.total == D("44.80") and order.shipping_total == D("5.00")
    plan = plan_sale_order(order)
    assert [line.sku for line in plan.product_lines] == ["MUG-RED"]
    assert plan.expected_total == D("44.80")


def test_refused_order_is_not_checked_against_its_total():
    raw = rest_order(status="Refused", totalPrice=99.00)
    raw["lines"][0]["status"] = "Refused"
    order = rest_mapping.map_order(raw)
    assert order.status == OrderStatus.REFUSED
    assert not order.lines[0].active and order.total == 0


def test_a_live_order_with_every_line_refused_is_refused():
    raw = rest_order(status="Accepted")
    raw["lines"][0]["status"] = "Cancelled"
    assert reasons(raw) == [
        "lines: no line left to sell",
        "totalPrice: 44.80 differs from the active lines and shipping 0",
    ]


@pytest.mark.parametrize(
    "quantity, total", [(3, "39.80"), (3, "0.01"), (7, "1.00"), (10, "9999.99")]
)
def test_unit_prices_that_do_not_divide_keep_the_total_to_the_cent(quantity, total):
    line = dict(REST_SECOND_LINE, quantity=quantity, totalSalesPrice=total)
    del line["unitSalesPrice"]
    raw = rest_order(totalPrice=str(D(total) + 2), totalShippingPrice=2, lines=[line])
    order = rest_mapping.map_order(raw)
    (mapped,) = order.lines
    assert mapped.unit_price * quantity - mapped.discount == D(total)
    assert D(0) <= mapped.discount < D("0.01") * quantity
    plan = plan_sale_order(order)
    # what Odoo computes: unit prices rounded to the cent times quantities
    odoo_total = sum(
        (line.price_unit.quantize(D("0.01")) * line.quantity for line in plan.lines),
        D(0),
    )
    assert odoo_total == plan.expected_total == order.total == D(total) + 2


def test_order_shipping_figure_wins_and_is_spread():
    raw = rest_two_lines(totalShippingPrice=4.99, totalPrice=84.59)
    order = rest_mapping.map_order(raw)
    # 5.00 and 2.00 do not add up to 4.99: spread in proportion
    assert [line.shipping_price for line in order.lines] == [D("3.56"), D("1.43")]
    assert order.shipping_total == D("4.99") and order.total == D("84.59")


def test_order_shipping_spread_equally_when_lines_give_none():
    raw = rest_two_lines(totalShippingPrice=4.99, totalPrice=84.59)
    for line in raw["lines"]:
        del line["shippingPrice"]
    order = rest_mapping.map_order(raw)
    assert [line.shipping_price for line in order.lines] == [D("2.50"), D("2.49")]


def test_shipping_of_the_lines_when_the_order_gives_no_figure():
    raw = rest_two_lines()
    del raw["totalShippingPrice"]
    order = rest_mapping.map_order(raw)
    assert order.shipping_total == D("7.00") and order.total == D("86.60")


def test_totals_that_do_not_add_up_name_both_figures():
    assert reasons(rest_order(totalPrice=44.81)) == [
        "totalPrice: 44.81 differs from the active lines and shipping 44.80"
    ]


def test_unit_price_against_the_line_total():
    raw = rest_order()
    raw["lines"][0]["unitSalesPrice"] = 18.00
    assert reasons(raw) == [
        "lines[0].totalSalesPrice: 39.80 differs from unitSalesPrice x quantity = 36.00"
    ]


def test_each_malformed_field_is_named():
    raw = rest_order(createdAt="yesterday", supplyMode="Drone", totalPrice="abc")
    raw["shippingAddress"] = dict(raw["shippingAddress"], postalCode="")
    raw["shippingAddress"]["countryCode"] = "Narnia"
    raw["lines"][0].update(quantity="two", totalSalesPrice=-1)
    del raw["lines"][0]["sellerProductId"]
    raw["lines"].append("not a line")
    raw["lines"].append({"sellerProductId": "X", "quantity": 1, "totalSalesPrice": 1})
    assert reasons(raw) == [
        "supplyMode: unknown value 'Drone'",
        "createdAt: not a valid date-time: 'yesterday'",
        "totalPrice: expected a number, got 'abc'",
        "shippingAddress.postalCode: missing",
        "shippingAddress.countryCode: unknown country 'Narnia'",
        "lines[0].sellerProductId: missing",
        "lines[0].quantity: expected a whole number, got 'two'",
        "lines[0].totalSalesPrice: must be at least 0, got -1",
        "lines[1]: expected an object, got str",
        "lines[2].orderLineId: missing",
    ]


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"orderId": None}, "orderId: missing"),
        ({"status": None}, "status: missing"),
        ({"lines": None}, "lines: missing"),
        ({"lines": []}, "lines: empty"),
        ({"shippingAddress": None}, "shippingAddress: missing"),
        ({"shippingAddress": "x"}, "shippingAddress: expected an object, got str"),
        ({"currency": "EURO"}, "currency: not an ISO 4217 currency: 'EURO'"),
        ({"commission": "5,37"}, "commission: expected a number, got '5,37'"),
    ],
)
def test_malformed_order_fields(change, reason):
    assert reason in reasons(rest_order(**change))


def test_quantity_zero_on_an_active_line():
    raw = rest_order()
    raw["lines"][0]["quantity"] = 0
    assert "lines[0].quantity: must be from 1 to 1000000000, got 0" in reasons(raw)


def test_address_without_name_street_or_city():
    raw = rest_order(buyer={})
    raw["shippingAddress"] = {"postalCode": "69003", "countryCode": "FR"}
    assert reasons(raw) == [
        "shippingAddress.lastName: missing",
        "shippingAddress.addressLine1: missing",
        "shippingAddress.city: missing",
    ]


def test_not_an_object():
    with pytest.raises(InvalidPayload, match="expected an object, got list"):
        rest_mapping.map_order([])


HOSTILE_VALUES = (None, "", "x" * 300, -1, 1e300, [], {}, True, "\x00", "NaN")


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_give_reasons_never_crashes(value):
    def mutations():
        raw = rest_two_lines()
        for key in raw:
            mutated = rest_two_lines()
            mutated[key] = value
            yield mutated
        for key in raw["lines"][0]:
            mutated = rest_two_lines()
            mutated["lines"][0][key] = value
            yield mutated
        for key in raw["shippingAddress"]:
            mutated = rest_two_lines()
            mutated["shippingAddress"][key] = value
            yield mutated

    for raw in mutations():
        try:
            order = rest_mapping.map_order(raw)
        except InvalidPayload as err:
            assert err.reasons
        else:
            assert plan_sale_order(order).expected_total == order.total
