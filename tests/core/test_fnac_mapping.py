"""The Fnac Darty order mapper on real-shaped samples: every decision of
marketplace_apis.md section 5.11 the module docstring of
``mphub.fnac.mapping`` states, and every malformed field named at once."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from mphub.canonical import OrderStatus
from mphub.errors import InvalidPayload
from mphub.fnac import mapping
from mphub.orders import plan_sale_order

from tests.core import fnac_samples as s

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def mapped(raw):
    return mapping.map_order(raw, now=NOW)


def reasons(raw):
    with pytest.raises(InvalidPayload) as caught:
        mapped(raw)
    return caught.value.reasons


def test_a_created_order_maps_to_the_cent_tax_included_in_euros():
    order = mapped(s.created())
    assert (order.external_id, order.reference) == (s.ORDER_ID, s.ORDER_ID)
    assert order.status == OrderStatus.WAITING_ACCEPTANCE
    assert order.marketplace_status == "Created"
    assert (order.currency, order.tax_included) == ("EUR", True)
    (line,) = order.lines
    assert (line.external_id, line.sku, line.quantity) == ("1", "MPH-0001", 2)
    assert (line.unit_price, line.total) == (Decimal("19.90"), Decimal("39.80"))
    assert line.shipping_price == Decimal("5.00")
    assert line.discount == Decimal(0)
    assert line.marketplace_product_id == "1234567"
    assert line.title == "Mug design 1"
    assert line.commission == Decimal("5.37")
    assert (order.total, order.shipping_total) == (Decimal("44.80"), Decimal("5.00"))
    assert order.commission_total == Decimal("5.37")
    assert order.created_at == datetime(2025, 3, 1, 9, 15, tzinfo=timezone.utc)
    assert plan_sale_order(order).expected_total == Decimal("44.80")


def test_no_tax_is_stated_and_the_order_vat_rate_is_kept_aside():
    order = mapped(s.order(vat_rate="5.5"))
    assert all(line.taxes == () and line.shipping_taxes == () for line in order.lines)
    assert order.extra["vat_rate"] == "5.5"
    assert order.extra["total_source"] == "lines"
    assert order.extra["fees_tax"] == "unstated"


def test_price_is_per_unit_and_shipping_is_per_line():
    order = mapped(
        s.order(lines=[s.line(price="9.99", quantity="3", shipping_price="4.90")])
    )
    (line,) = order.lines
    assert line.total == Decimal("29.97")
    assert line.shipping_price == Decimal("4.90")
    assert order.total == Decimal("34.87")


def test_a_price_beyond_the_cent_keeps_the_sale_order_to_the_cent():
    order = mapped(
        s.order(lines=[s.line(price="3.333", quantity="3", shipping_price="0")])
    )
    (line,) = order.lines
    assert line.total == Decimal("10.00")
    assert (line.unit_price, line.discount) == (Decimal("3.34"), Decimal("0.02"))
    plan = plan_sale_order(order)
    assert plan.expected_total == order.total == Decimal("10.00")


def test_low_prices_and_free_shipping():
    order = mapped(
        s.order(lines=[s.line(price="0.91", quantity="10", shipping_price="0.00")])
    )
    assert order.total == Decimal("9.10")
    assert order.shipping_total == Decimal(0)


def test_an_absent_shipping_price_is_free_shipping():
    order = mapped(s.order(lines=[s.line(shipping_price=None)]))
    assert order.lines[0].shipping_price == Decimal(0)
    assert order.total == Decimal("39.80")


def test_commission_falls_back_to_the_live_lines_fees_then_to_none():
    two = [s.line(fees="1.10"), s.line(order_detail_id="2", fees="2.20")]
    assert mapped(s.order(fees=None, lines=two)).commission_total == Decimal("3.30")
    none = [s.line(fees=None)]
    assert mapped(s.order(fees=None, lines=none)).commission_total is None
    refused = s.order(state="Refused", fees=None, lines=[s.line(state="Refused")])
    assert mapped(refused).commission_total == Decimal(0)


def test_refused_lines_are_kept_inactive_out_of_the_totals():
    order = mapped(s.partly_refused())
    assert order.status == OrderStatus.ACCEPTED
    states = {line.external_id: (line.status, line.active) for line in order.lines}
    assert states == {
        "1": ("Accepted", True),
        "2": ("Refused", False),
        "3": ("Accepted", True),
    }
    assert order.total == Decimal("53.90")  # 39.80 + 5.00 + 9.10, not the 98.80
    plan = plan_sale_order(order)
    assert [line.sku for line in plan.product_lines] == ["MPH-0001", "MPH-0003"]
    assert plan.expected_total == Decimal("53.90")


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("Created", OrderStatus.WAITING_ACCEPTANCE),
        ("Accepted", OrderStatus.ACCEPTED),
        ("ToShip", OrderStatus.TO_SHIP),
        ("Shipped", OrderStatus.SHIPPED),
        ("NotReceived", OrderStatus.SHIPPED),
        ("Received", OrderStatus.DELIVERED),
        ("Refused", OrderStatus.REFUSED),
        ("Cancelled", OrderStatus.CANCELLED),
        ("Refunded", OrderStatus.CANCELLED),
        ("Error", OrderStatus.PENDING),
        ("SomethingNew", OrderStatus.PENDING),
    ],
)
def test_every_order_state_maps_and_keeps_its_code(state, status):
    dead = state in ("Refused", "Cancelled", "Refunded")
    line_state = {"Refused": "Refused", "Cancelled": "Cancelled"}.get(state, "Refunded")
    raw = s.order(state=state, lines=[s.line(state=line_state if dead else "ToShip")])
    order = mapped(raw)
    assert (order.status, order.marketplace_status) == (status, state)
    assert mapping.raw_state(raw) == (status, state)


@pytest.mark.parametrize("line_state", ["Refused", "Cancelled", "Refunded"])
def test_dead_line_states_take_the_line_out(line_state):
    lines = [s.line(), s.line(order_detail_id="2", state=line_state)]
    order = mapped(s.order(lines=lines))
    assert [line.active for line in order.lines] == [True, False]
    assert order.total == Decimal("44.80")


def test_a_dead_order_without_live_line_maps_but_a_live_one_does_not():
    refunded = s.order(state="Refunded", lines=[s.line(state="Refunded", quantity="0")])
    (line,) = mapped(refunded).lines
    assert (line.active, line.quantity) == (False, 1)  # kept as one, for the record
    assert mapped(refunded).total == Decimal(0)
    live = s.order(state="Created", lines=[s.line(state="Cancelled")])
    assert reasons(live) == ["order_detail: no live line in a live order"]


def test_raw_state_and_external_id_read_without_mapping():
    assert mapping.raw_state({"state": "ToShip"}) == (OrderStatus.TO_SHIP, "ToShip")
    assert mapping.raw_state({"state": ""}) == (None, None)
    assert mapping.raw_state("junk") == (None, None)
    assert mapping.external_id({"order_id": " 67C2A1B3D4E5F "}) == "67C2A1B3D4E5F"
    assert mapping.external_id({"order_id": ""}) is None
    assert mapping.external_id([]) is None


def test_updated_at_is_the_latest_date_of_the_order_and_its_lines():
    lines = [
        s.line(debited_at="2025-03-02T10:00:00+01:00", received_at=""),
        s.line(order_detail_id="2", refused_at="2025-03-03T08:00:00Z"),
    ]
    order = mapped(s.order(lines=lines))
    assert order.updated_at == datetime(2025, 3, 3, 8, 0, tzinfo=timezone.utc)
    plain = mapped(s.order(lines=[s.line(created_at=None)]))
    assert plain.updated_at == plain.created_at


def test_offset_less_dates_are_paris_time_winter_and_summer():
    winter = mapped(
        s.order(created_at="2025-01-15T10:00:00", lines=[s.line(created_at=None)])
    )
    assert winter.created_at == datetime(2025, 1, 15, 9, 0, tzinfo=timezone.utc)
    summer = mapped(
        s.order(created_at="2024-07-15T10:00:00", lines=[s.line(created_at=None)])
    )
    assert summer.created_at == datetime(2024, 7, 15, 8, 0, tzinfo=timezone.utc)


def test_a_date_beyond_a_day_in_the_future_is_refused_within_a_day_is_not():
    assert mapped(
        s.order(created_at="2025-03-11T10:00:00Z", lines=[s.line(created_at=None)])
    )
    found = reasons(s.order(created_at="2099-01-01T00:00:00+01:00"))
    assert found == ["created_at: 2098-12-31T23:00:00+00:00 is in the future"]


def test_the_buyer_name_email_language_and_id():
    order = mapped(s.created())
    buyer = order.customer
    assert (buyer.name, buyer.email) == (
        "Jeanne Martin",
        "relay-abc@marketplace.fnac.com",
    )
    assert (buyer.lang, buyer.external_id) == ("fr_FR", s.CLIENT_ID)
    assert order.extra["market"] == "FR"
    belgian = mapped(s.order(client_culture="nl-BE", client_email=None)).customer
    assert (belgian.lang, belgian.email) == ("nl_BE", None)
    assert mapped(s.order(client_culture=None)).customer.lang is None


def test_an_empty_first_name_leaves_the_last_name_or_the_address_name():
    assert mapped(s.order(client_firstname="")).customer.name == "Martin"
    nameless = s.order(client_firstname="", client_lastname="")
    assert mapped(nameless).customer.name == "Jeanne Martin"  # the shipping address's
    unknown = s.order(
        client_firstname="",
        client_lastname="",
        shipping=s.address(firstname="", lastname=""),
        billing=s.address(firstname="", lastname=""),
    )
    assert reasons(unknown) == ["client_lastname: missing"]


def test_address1_is_optional_and_the_other_lines_join_street2():
    shipping = s.address(
        address1=None, address2="Résidence Les Pins", address3="Bât. C"
    )
    address = mapped(s.order(shipping=shipping)).customer.shipping_address
    assert (address.street, address.street2) == ("Résidence Les Pins", "Bât. C")
    full = s.address(address2="Appartement 4", address3="Escalier B")
    address = mapped(s.order(shipping=full)).customer.shipping_address
    assert (address.street, address.street2) == (
        "12 rue des Lilas",
        "Appartement 4, Escalier B",
    )


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("FRA", "FR"),
        ("fra", "FR"),
        ("FR", "FR"),
        ("France", "FR"),
        ("BEL", "BE"),
        ("Belgique", "BE"),
        ("ESP", "ES"),
        ("Portugal", "PT"),
        ("La Réunion", "RE"),
    ],
)
def test_the_country_is_free_text(country, code):
    shipping = s.address(country=country)
    assert (
        mapped(s.order(shipping=shipping)).customer.shipping_address.country_code
        == code
    )


def test_phones_are_kept_and_the_mobile_stands_in_for_a_missing_phone():
    both = mapped(s.order(shipping=s.address(phone="0478000000", mobile="0600000000")))
    address = both.customer.shipping_address
    assert (address.phone, address.mobile) == ("0478000000", "0600000000")
    mobile_only = mapped(s.created()).customer.shipping_address
    assert (mobile_only.phone, mobile_only.mobile) == ("0600000000", None)


def test_a_company_buyer_gets_its_tax_number_and_company():
    order = mapped(s.company())
    assert order.customer.vat == "FR40123456824"
    assert order.customer.company == "Atelier Martin SARL"
    billing = order.customer.billing_address
    assert (billing.street, billing.street2) == ("ZI des Forges", "Bâtiment B")
    assert (billing.country_code, billing.phone) == ("FR", "0476000000")


def test_a_relay_point_delivery():
    order = mapped(s.relay())
    address = order.customer.shipping_address
    assert address.company == "Relais Tabac du Centre"
    assert address.name == "Jeanne Martin"
    assert (address.street, address.street2) == ("3 place de la Mairie", None)
    assert "024581" in address.additional_info
    assert order.customer.company is None  # the relay is not the buyer's company
    assert (order.shipping_method, order.extra["relay_id"]) == ("55", "024581")
    assert order.extra["shipping_label"] == "Relay point"
    assert order.total == Decimal("43.70")


def test_a_relay_point_named_by_its_fnac_shop_ref():
    shipping = s.address(
        company="Fnac Bellecour", fnac_shop_ref="1234", address3="Niveau 2"
    )
    raw = s.order(shipping=shipping, lines=[s.line(shipping_method="55")])
    address = mapped(raw).customer.shipping_address
    assert address.additional_info == "Relay point 1234"
    assert address.street2 == "Niveau 2"


def test_a_home_delivery_is_no_relay_and_keeps_the_line_method():
    order = mapped(s.order(lines=[s.line(shipping_method="50")]))
    assert (order.shipping_method, order.extra["relay_id"]) == ("50", None)
    assert order.extra["shipping_label"] == "Express"
    assert order.customer.shipping_address.additional_info is None


def test_a_missing_shipping_address_is_replaced_by_the_billing_one():
    raw = s.order(shipping=[("firstname", "x")])
    del raw["shipping_address"]
    assert mapped(raw).customer.shipping_address.city == "LYON"
    del raw["billing_address"]
    assert reasons(raw) == ["shipping_address: missing"]


def test_an_incomplete_billing_address_is_dropped():
    billing = s.address(zipcode="", city="")
    order = mapped(s.order(billing=billing))
    assert order.customer.billing_address is None
    assert order.customer.shipping_address.zip == "69003"


def test_every_defect_of_a_malformed_order_is_reported_at_once():
    raw = s.order(
        created_at="2099-06-01T00:00:00+02:00",
        shipping=s.address(zipcode="", city="", country=""),
        lines=[
            s.line(offer_seller_id="", quantity="0"),
            s.line(order_detail_id="2", price=""),
            s.line(order_detail_id="3", price="0.00"),
            s.line(order_detail_id="3", quantity="two", offer_seller_id="MPH-0004"),
            s.line(order_detail_id="5", price="-1.00"),
        ],
    )
    assert reasons(raw) == [
        "order_detail[0].offer_seller_id: blank: ''",
        "order_detail[0].quantity: must be from 1 to 1000000, got 0",
        "order_detail[1].price: empty",
        "order_detail[2].price: must be above 0 for 2 unit(s), got '0.00'",
        "order_detail[3].quantity: expected a whole number, got 'two'",
        "order_detail[4].price: must be at least 0, got '-1.00'",
        "shipping_address.zipcode: missing",
        "shipping_address.city: missing",
        "shipping_address.country: missing",
        "created_at: 2099-05-31T22:00:00+00:00 is in the future",
    ]


def test_a_repeated_line_id_an_unknown_country_and_no_line_are_refused():
    raw = s.order(
        shipping=s.address(country="Atlantis"),
        lines=[s.line(), s.line(offer_seller_id="MPH-0002")],
    )
    assert reasons(raw) == [
        "order_detail[1].order_detail_id: 1 repeated",
        "shipping_address.country: unknown country 'Atlantis'",
    ]
    assert reasons(s.order(lines=[])) == ["order_detail: missing"]


def test_what_is_not_an_order_is_refused():
    with pytest.raises(InvalidPayload):
        mapping.map_order(["order"])
    assert reasons({"order_detail": "x"})[:2] == ["order_id: missing", "state: missing"]


def test_a_dead_line_may_cost_nothing_only_without_units():
    free = s.order(
        lines=[
            s.line(),
            s.line(order_detail_id="2", state="Refunded", quantity="0", price="0"),
        ]
    )
    assert mapped(free).total == Decimal("44.80")
    priced = s.order(
        state="Refused", lines=[s.line(state="Refused", quantity="3", price="0.00")]
    )
    assert reasons(priced) == [
        "order_detail[0].price: must be above 0 for 3 unit(s), got '0.00'"
    ]
