"""The Cdiscount emulator's store: generated variety, totals, state machine,
offer packages (no HTTP)."""

import re
import threading
from collections import Counter
from decimal import Decimal

import pytest
from mphub.sandbox.cdiscount_store import (
    DEFECTS,
    FEE_SKUS,
    RARE_STATES,
    REST_STATUSES,
    STATES,
    CdiscountStore,
    StoreError,
)
from mphub.sandbox.server import Clock

SELLER = 98979
NUMBER = re.compile(r"\d{10}[A-Z]{5}")


def new_store(**options):
    return CdiscountStore(42, Clock(), threading.RLock(), **options)


@pytest.fixture
def store():
    return new_store()


def orders_of(store, numbers):
    return [store.find_order(number) for number in numbers]


def waiting_order(store, lines=2, **options):
    """A valid seller order waiting for acceptance with ``lines`` lines."""
    for number in store.create_orders(SELLER, 40, multi_line_share=1.0, **options):
        order = store.find_order(number)
        goods = [line for line in order.lines if not line.fee]
        if (
            order.kind == "valid"
            and order.status == "WaitingAcceptance"
            and len(goods) == len(order.lines) >= lines
        ):
            return order
    raise AssertionError("no such order generated")


# ----------------------------------------------------------------------
# generation
# ----------------------------------------------------------------------
def test_orders_are_deterministic_and_numbered_like_cdiscount():
    first, second = new_store(), new_store()
    a = first.create_orders(SELLER, 30, unknown_sku_share=0.1, malformed_share=0.1)
    b = second.create_orders(SELLER, 30, unknown_sku_share=0.1, malformed_share=0.1)
    assert all(NUMBER.fullmatch(number) for number in a)
    assert len(set(a)) == 30
    assert [n[10:] for n in a] == [n[10:] for n in b]  # the letters: index-based
    volatile = ("order_number", "created", "updated", "history", "shipments")
    for one, two in zip(a, b, strict=True):
        record_a, record_b = first.order_record(one), second.order_record(two)
        for key in volatile:
            record_a.pop(key), record_b.pop(key)
        assert record_a == record_b
    # the other seller's orders are other orders
    other = first.create_orders(98980, 30)
    assert not {n[10:] for n in other} & {n[10:] for n in a}


def test_exact_shares_of_unknown_and_malformed_orders_and_every_defect(store):
    numbers = store.create_orders(
        SELLER, 200, unknown_sku_share=0.1, malformed_share=0.05
    )
    kinds = Counter(store.order_record(n)["kind"] for n in numbers)
    assert kinds == {"valid": 170, "unknown_sku": 20, "malformed": 10}
    defects = {store.order_record(n)["defect"] for n in numbers} - {None}
    assert defects == set(DEFECTS)  # 9 defects, taken in turn
    for order in orders_of(store, numbers):
        if order.kind == "unknown_sku":
            assert sum(line.sku.startswith("UNKNOWN-") for line in order.lines) == 1


def test_variety_shares_measured_on_500_orders(store):
    orders = orders_of(store, store.create_orders(SELLER, 500))
    share = {
        "fulfilment": sum(o.supply_mode == "Fulfillment" for o in orders),
        "xdock": sum(o.supply_mode == "Xdock" for o in orders),
        "relay": sum(o.relay for o in orders),
        "company": sum(bool(o.billing.company) for o in orders),
        "multi": sum(len([x for x in o.lines if not x.fee]) > 1 for o in orders),
        "additional": sum(any(x.additional_shipping for x in o.lines) for o in orders),
        "commission": sum(o.commission_rate is not None for o in orders),
    }
    expected = {
        "fulfilment": 0.05,
        "xdock": 0.02,
        "relay": 0.15,
        "company": 0.05,
        "multi": 0.31,
        "additional": 0.2 * 0.85,  # lines with a shipping charge only
        "commission": 0.8,
    }
    for key, value in expected.items():
        assert abs(share[key] / 500 - value) < 0.05, (key, share[key])
    lines = [line for order in orders for line in order.lines if not line.fee]
    assert max(line.quantity for line in lines) == 10
    assert min(line.total for line in lines) < 1
    assert max(line.total for line in lines) > 1000
    assert any(line.total % line.quantity for line in lines if line.quantity > 1)
    assert {line.condition for line in lines} > {"New"}
    # the contract's optional fields absent somewhere, present elsewhere
    customers = [order.customer for order in orders]
    assert 0 < sum(c.email is None for c in customers) < 500
    assert any(c.encrypted_email is None and c.email is None for c in customers)
    assert any(c.phone is None and c.mobile is None for c in customers)
    assert any(c.civility == "None" for c in customers)
    assert {c.civility for c in customers} >= {"MR", "MRS", "MISS"}
    addresses = [order.billing for order in orders]
    assert {a.country_text for a in addresses} >= {"FR", "France", "FRANCE"}
    assert any(a.address1 and not a.street for a in addresses)
    assert any(a.street and a.building and a.apartment for a in addresses)
    assert any(order.shipping_address.instructions for order in orders)


def test_rare_shapes_fee_lines_twin_skus_and_shipping_charged_once(store):
    orders = orders_of(store, store.create_orders(SELLER, 600))
    fees = [o for o in orders if any(line.fee for line in o.lines)]
    assert fees and {line.sku for o in fees for line in o.lines if line.fee} <= set(
        FEE_SKUS
    )
    assert {o.fees_in_total for o in fees} == {True, False} or len(fees) < 3
    for order in fees:
        fee = sum(line.total for line in order.lines if line.fee)
        goods = order.active_total - (fee if order.fees_in_total else 0)
        assert goods == order.expected_total
        assert all(line.ean is None for line in order.lines if line.fee)
    twins = [o for o in orders if len({x.sku for x in o.lines}) < len(o.lines)]
    assert twins and all(
        len({x.row_id for x in o.lines}) == len(o.lines) for o in twins
    )
    once = [o for o in orders if o.shipping_rule == "order"]
    assert once
    uneven = [o for o in once if sum(x.shipping for x in o.lines) != o.initial_shipping]
    assert uneven and all(
        o.initial_shipping == max(x.shipping for x in o.lines) for o in uneven
    )


def test_relay_orders_deliver_to_a_pickup_point(store):
    orders = orders_of(store, store.create_orders(SELLER, 100, relay_share=1.0))
    codes = Counter(order.shipping_code for order in orders)
    assert set(codes) == {"REL", "RCO", "SO1"}
    for order in orders:
        address = order.shipping_address
        assert address.place_name and address.relay_id and address.street
        assert address.address1 is None and address.instructions is None


def test_totals_of_a_valid_order_add_up_to_the_cent(store):
    for order in orders_of(store, store.create_orders(SELLER, 200)):
        if order.kind != "valid":
            continue
        live = [line for line in order.active_lines() if not line.fee]
        expected = sum(line.total for line in live) + order.active_shipping
        assert Decimal(store.order_record(order.number)["total"]) == expected
        for line in order.lines:
            extra = line.additional_shipping * (line.quantity - 1)
            assert line.shipping == line.unit_shipping + extra
        if order.status == "WaitingAcceptance":
            assert order.initial_total == order.active_total
            assert order.validated_total == order.validated_shipping == 0
            assert order.commission_validated is None


def test_each_defect_spoils_the_stored_values(store):
    numbers = store.create_orders(SELLER, 9, malformed_share=1.0)
    orders = {order.defect: order for order in orders_of(store, numbers)}
    assert orders["totals_mismatch"].active_total == (
        orders["totals_mismatch"].expected_total + 10
    )
    assert orders["amount_text"].soap_defect == "totals_mismatch"
    assert orders["zero_quantity"].lines[0].quantity == 0
    assert orders["quantity_text"].soap_defect == "zero_quantity"
    assert orders["empty_sku"].lines[0].sku == ""
    shipping = orders["empty_address"].shipping_address
    assert shipping.zip_code == shipping.city == shipping.country_text == ""
    assert orders["negative_price"].lines[0].total < 0
    assert orders["future_date"].created.year == 2099
    assert orders["no_lines"].lines  # the store keeps them: renderings omit them


# ----------------------------------------------------------------------
# states
# ----------------------------------------------------------------------
def test_initial_states_fulfilment_mixed_rare_and_partially_refused(store):
    orders = orders_of(store, store.create_orders(SELLER, 200, fulfilment_share=0.5))
    for order in orders:
        if order.fulfilment:
            assert order.status in ("InPreparation", "Shipped")
            assert order.mod_ges_log == "MKPFBC"
        else:
            assert order.status == "WaitingAcceptance"
    mixed = orders_of(store, store.create_orders(SELLER, 300, state="mixed"))
    assert set(Counter(o.status for o in mixed)) == set(STATES)
    assert {o.soap_state for o in mixed if o.status == "Cancelled"} == {
        "CancelledByCustomer",
        "AutomaticCancellation",
        "PaymentRefused",
    }
    rare = orders_of(store, store.create_orders(SELLER, 20, unknown_state_share=1.0))
    assert {o.status for o in rare} <= set(RARE_STATES)
    assert all(o.soap_state == RARE_STATES[o.status] for o in rare)
    partial = orders_of(store, store.create_orders(SELLER, 100, refused_line_share=1.0))
    partial = [o for o in partial if not all(line.active for line in o.lines)]
    assert partial
    for order in partial:
        assert order.status == "InPreparation"
        assert order.lines[-1].status == "Refused" or order.lines[-1].fee
        assert order.validated_total < order.initial_total


@pytest.mark.parametrize("status", REST_STATUSES)
def test_forced_states_move_the_lines_and_the_soap_state(store, status):
    order = waiting_order(store)
    store.set_order_state(order.number, status)
    record = store.order_record(order.number)
    assert record["status"] == status
    if status in STATES:
        soap, line_status, acceptation = STATES[status]
        assert record["soap_state"] == soap or status == "Delivered"
        assert {line["state"] for line in record["lines"]} == {line_status}
        assert {line["soap_state"] for line in record["lines"]} == {acceptation}
    if status in ("Shipped", "Delivered"):
        assert record["shipments"]


def test_accept_pays_then_ships_partially_then_wholly(store):
    order = waiting_order(store, lines=2)
    first, second = order.lines[0].line_id, order.lines[1].line_id
    store.decide(order, dict.fromkeys([line.line_id for line in order.lines], True))
    order = store.find_order(order.number)
    assert order.status == "InPreparation"  # payment_delay 0: at once
    assert order.soap_state == "WaitingForShipmentAcceptation"
    assert order.validated_total == order.active_total > 0
    store.ship(
        order, [{"parcel_number": "P1", "carrier_name": "DPD", "line_ids": [first]}]
    )
    assert order.status == "InPreparation"
    assert order.line(first).acceptation == "ShippedBySeller"
    with pytest.raises(StoreError) as again:
        store.ship(
            order, [{"parcel_number": "P2", "carrier_name": "DPD", "line_ids": [first]}]
        )
    assert again.value.code == "OrderLineIncoherentState"
    rest = [line.line_id for line in order.lines[1:]]
    store.ship(
        order, [{"parcel_number": "P2", "carrier_name": "DPD", "line_ids": rest}]
    )
    assert order.status == "Shipped" and second in order.shipments[1].line_ids
    with pytest.raises(StoreError, match="the order status is Shipped"):
        store.ship_order(order, "P3", "DPD")


def test_refusing_lines_then_accepting_the_rest(store):
    order = waiting_order(store, lines=2)
    refused = order.lines[0].line_id
    store.decide(order, {refused: False})
    assert order.status == "WaitingAcceptance"  # one line still waiting
    with pytest.raises(StoreError) as twice:
        store.decide(order, {refused: True})
    assert twice.value.code == "OrderLineIncoherentState"
    store.decide(order, {line.line_id: True for line in order.lines[1:]})
    assert order.status == "InPreparation"
    assert order.line(refused).acceptation == "RefusedBySeller"
    assert order.validated_total == order.active_total < order.initial_total
    with pytest.raises(StoreError, match="the order status is InPreparation"):
        store.decide(order, {refused: True})


def test_refusing_every_line_refuses_the_order(store):
    order = waiting_order(store)
    store.decide(order, {line.line_id: False for line in order.lines})
    assert (order.status, order.soap_state) == ("Refused", "RefusedBySeller")
    with pytest.raises(StoreError) as unknown:
        store.decide(waiting_order(store), {"99": True})
    assert unknown.value.code == "OrderLineNotFound"


def test_with_a_payment_delay_an_accepted_order_is_not_shippable_yet():
    store = new_store(payment_delay_seconds=3600)
    order = waiting_order(store)
    store.decide(order, {line.line_id: True for line in order.lines})
    order = store.find_order(order.number)
    assert order.status == "Accepted" and order.soap_state == "AcceptedBySeller"
    with pytest.raises(StoreError, match="the order status is Accepted"):
        store.ship_order(order, "P1", "Colissimo")


def test_fulfilment_orders_are_never_shipped_by_the_seller(store):
    numbers = store.create_orders(
        SELLER, 10, fulfilment_share=1.0, state="InPreparation"
    )
    order = store.find_order(numbers[0])
    assert order.fulfilment
    with pytest.raises(StoreError, match="fulfilment") as refused:
        store.ship_order(order, "P1", "Colissimo")
    assert refused.value.code == "OrderStateIncoherent"
    with pytest.raises(StoreError) as missing:
        store.find_order("2501010000NOPE0")
    assert missing.value.code == "OrderNotFound"


# ----------------------------------------------------------------------
# offers and packages
# ----------------------------------------------------------------------
def test_offer_kinds_are_exact(store):
    result = store.create_offers(
        SELLER,
        20,
        unknown_sku_share=0.1,
        ambiguous_share=0.1,
        ean_only_share=0.1,
        malformed_share=0.1,
    )
    assert [len(result[kind]) for kind in ("unknown", "ambiguous", "ean_only")] == [
        2
    ] * 3
    offers = store.offer_list(store.seller(SELLER))
    assert len(offers) == 20
    assert {o.defect for o in offers if o.kind == "malformed"} == {
        "no_sku",
        "price_text",
    }


def test_a_package_integrates_after_its_polls_with_per_offer_errors():
    store = new_store(package_polls=2)
    seller = store.seller(SELLER)
    rows = [
        {"sku": "MPH-0001", "ean": None, "price": Decimal("12.50"), "stock": 4},
        {"sku": "UNKNOWN-00001", "ean": None, "price": "3.00", "stock": 1},
        {"sku": "MPH-0002", "ean": None, "price": "0", "stock": -1},
        {
            "sku": "MPH-0003",
            "price": None,
            "stock": 1,
            "errors": [{"code": "MissingField", "message": "no Price"}],
        },
    ]
    package = store.submit_package(seller, rows, "StockAndPrice", "soap")
    assert store.package(package.number) is store.package(package.package_id) is package
    statuses = [store.poll_package(package).status for _poll in range(4)]
    assert statuses == [
        "Ready",
        "IntegrationPending",
        "PartiallyIntegrated",
        "PartiallyIntegrated",
    ]
    assert package.soap_status == "PartiallyIntegrated" and package.error_count == 3
    codes = {r["sku"]: [e["code"] for e in r["errors"]] for r in package.results}
    assert codes == {
        "MPH-0001": [],
        "UNKNOWN-00001": ["UnknownProduct"],
        "MPH-0002": ["InvalidPrice", "InvalidStock"],
        "MPH-0003": ["MissingField"],
    }
    offer = seller.offers["MPH-0001"]
    assert (offer.price, offer.stock) == (Decimal("12.50"), 4)
    assert "MPH-0002" not in seller.offers
    deleted = store.submit_package(
        seller, [{"sku": "MPH-0001"}, {"sku": "MPH-0099"}], "Delete"
    )
    for _poll in range(3):
        store.poll_package(deleted)
    assert deleted.status == "PartiallyIntegrated" and "MPH-0001" not in seller.offers
    rejected = store.submit_package(seller, rows[1:2], "Update")
    for _poll in range(3):
        store.poll_package(rejected)
    assert rejected.status == "Rejected"
    assert store.package(rejected.number, store.seller(98980)) is None


def test_orders_draw_from_the_catalogue_range_asked(store):
    numbers = store.create_orders(SELLER, 20, catalog_start=500, catalog_size=3)
    skus = {line.sku for order in orders_of(store, numbers) for line in order.lines}
    assert skus - set(FEE_SKUS) <= {"MPH-0501", "MPH-0502", "MPH-0503"}
    with pytest.raises(ValueError):
        store.create_orders(SELLER, 1, catalog_start=999_999, catalog_size=5)
    with pytest.raises(ValueError):
        store.create_orders(SELLER, 1, relay_share=2)
    with pytest.raises(ValueError):
        store.create_orders(SELLER, 1, state="Lost")


def test_fee_lines_are_decided_with_the_order_but_never_shipped(store):
    numbers = store.create_orders(SELLER, 100, fee_line_share=1.0)
    order = next(
        o
        for o in orders_of(store, numbers)
        if o.kind == "valid" and o.status == "WaitingAcceptance"
    )
    fee = next(line for line in order.lines if line.fee)
    store.decide(order, {line.line_id: True for line in order.lines})
    with pytest.raises(StoreError, match="fee line") as refused:
        store.ship(
            order,
            [{"parcel_number": "P", "carrier_name": "DPD", "line_ids": [fee.line_id]}],
        )
    assert refused.value.code == "OrderLineIncoherentState"
    store.ship_order(order, "P1", "DPD", "https://track.example/P1")
    assert order.status == "Shipped" and fee.status == "Shipped"  # with the order
    assert fee.line_id not in order.shipments[0].line_ids
