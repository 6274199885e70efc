"""The Fnac client's orders against the emulator, over real HTTP: paging and
windows, get_orders by 50, acceptance and shipments 25 orders per
orders_update with each order's outcome, ALREADY after a lost answer,
billing pending, carriers."""

from decimal import Decimal

import pytest
from mphub.canonical import OrderStatus
from mphub.client import Outcome, Shipment
from mphub.errors import NotFound, RemoteError, ThrottledError, TransientError

from .test_fnac_client_common import (
    DARTY_SHOP,
    FNAC_SHOP,
    LONG_AGO,
    calls,
    make_client,
    order_ids,
    walk_orders,
)

TRACKED = Shipment(tracking_number="8R41234567890", carrier_code="COLISSIMO")


@pytest.fixture
def client(fnac_url):
    client = make_client(fnac_url)
    yield client
    client.close()


def created(fnac, count, shop=FNAC_SHOP, **options):
    options = {"relay_share": 0, "multi_line_share": 0, **options}
    return fnac.create_orders(shop, count, **options)


def accept_all(client, fnac, ids, shop=FNAC_SHOP):
    items = [
        (order_id, _all_lines(fnac, shop, order_id, True), None) for order_id in ids
    ]
    return client.accept_orders(items)


def _all_lines(fnac, shop, order_id, accepted):
    record = fnac.order_record(shop, order_id)
    return {line["line_id"]: accepted for line in record["lines"]}


def to_ship(client, fnac, count, shop=FNAC_SHOP):
    ids = created(fnac, count, shop)
    assert set(accept_all(client, fnac, ids).values()) == {Outcome.DONE}
    return ids


# -- reading ----------
def test_a_walk_reads_every_order_once_page_by_page(fnac, fnac_url):
    ids = created(fnac, 250)
    client = make_client(fnac_url, page_size=100)
    totals = []
    orders, pages = walk_orders(
        client, fnac.clock.now(), between=lambda n, page: totals.append(page.total)
    )
    assert pages == 3 and totals == [250, 250, 250]
    assert sorted(order_ids(orders)) == sorted(ids)
    assert calls(fnac, "orders_query") == 3


def test_the_raw_order_is_the_json_of_its_element(fnac, client):
    (order_id,) = created(fnac, 1, multi_line_share=1)
    (raw,) = client.get_orders([order_id])
    assert client.external_id(raw) == order_id
    assert isinstance(raw["order_detail"], list) and len(raw["order_detail"]) >= 2
    assert client.raw_state(raw) == (OrderStatus.WAITING_ACCEPTANCE, "Created")
    order = client.map_order(raw)
    record = fnac.order_record(FNAC_SHOP, order_id)
    assert order.total == Decimal(record["total"])


def test_a_window_holds_the_orders_updated_within_it(fnac, client):
    before = created(fnac, 3)
    cut = fnac.clock.now()
    after = created(fnac, 4)
    early, _pages = walk_orders(client, cut)
    late, _pages = walk_orders(client, fnac.clock.now(), since=cut)
    assert sorted(order_ids(early)) == sorted(before)
    assert sorted(order_ids(late)) == sorted(after)


def test_each_shop_reads_its_own_orders(fnac, fnac_url):
    fnac_ids = created(fnac, 2)
    darty_ids = created(fnac, 3, shop=DARTY_SHOP)
    darty = make_client(fnac_url, shop=DARTY_SHOP)
    assert sorted(order_ids(walk_orders(darty, fnac.clock.now())[0])) == sorted(
        darty_ids
    )
    assert not set(order_ids(walk_orders(darty, fnac.clock.now())[0])) & set(fnac_ids)


def test_orders_updated_during_a_walk_are_not_skipped(fnac, fnac_url):
    """Accepting orders of page 1 while the walk goes on makes them leave
    the window (their update date passes its fixed end) and every later order
    moves back: the walk steps back, and no order is missed."""
    ids = created(fnac, 250)
    client = make_client(fnac_url, page_size=100)

    def accept_some(number, page):
        if number == 1:
            chosen = order_ids(page.orders)[:25]
            assert set(accept_all(client, fnac, chosen).values()) == {Outcome.DONE}

    orders, pages = walk_orders(client, fnac.clock.now(), between=accept_some)
    assert set(order_ids(orders)) == set(ids)
    assert pages == 4  # pages 1, 2, 1 again (25 moved back into it), 3


def test_a_page_token_carries_the_window(fnac, fnac_url):
    created(fnac, 5)
    client = make_client(fnac_url, page_size=2)
    first = client.list_orders(LONG_AGO, updated_before=fnac.clock.now())
    created(fnac, 3)  # after the window's end: not in this walk
    rest, page = [], first.next_page
    while page:
        result = client.list_orders(LONG_AGO, page=page)
        rest += result.orders
        page = result.next_page
    assert len(first.orders) + len(rest) == 5


def test_get_orders_asks_50_ids_per_call_in_the_order_given(fnac, client):
    ids = created(fnac, 60)
    wanted = [*reversed(ids), "0000000000000", "TOO-SHORT"]
    orders = client.get_orders(wanted)
    assert order_ids(orders) == list(reversed(ids))
    assert calls(fnac, "orders_query") == 2


def test_get_orders_of_no_usable_id_calls_nothing(fnac, client):
    assert client.get_orders(["", None, "12345"]) == []
    assert calls(fnac, "orders_query") == 0


def test_carriers_have_codes_and_labels(client):
    carriers = client.list_carriers()
    assert len(carriers) >= 5
    assert all(c["code"] and c["label"] and c["tracking_url"] is None for c in carriers)
    assert len({c["code"] for c in carriers}) == len(carriers)


# -- acceptance ----------
def test_accepting_60_orders_takes_3_calls_of_25_at_most(fnac, client):
    ids = created(fnac, 60)
    outcomes = {}
    for start in range(0, 60, client.status_batch_size):
        outcomes.update(accept_all(client, fnac, ids[start : start + 25]))
    assert outcomes == dict.fromkeys(ids, Outcome.DONE)
    assert calls(fnac, "orders_update") == 3
    assert {fnac.order_record(FNAC_SHOP, i)["state"] for i in ids} <= {
        "Accepted",
        "ToShip",
    }


def test_the_client_refuses_more_than_25_orders_per_call(fnac, client):
    with pytest.raises(ValueError):
        client.accept_orders([(f"{i:013X}", {"1": True}, None) for i in range(26)])
    assert calls(fnac, "orders_update") == 0


def test_a_partial_refusal_accepts_the_order_and_refuses_the_line(fnac, client):
    (order_id,) = created(fnac, 1, multi_line_share=1)
    lines = [
        line["line_id"] for line in fnac.order_record(FNAC_SHOP, order_id)["lines"]
    ]
    decisions = {line: line != lines[-1] for line in lines}
    assert client.accept_order(order_id, decisions) == Outcome.DONE
    record = fnac.order_record(FNAC_SHOP, order_id)
    states = {line["line_id"]: line["state"] for line in record["lines"]}
    assert states[lines[-1]] == "Refused"
    assert {states[line] for line in lines[:-1]} <= {"Accepted", "ToShip"}


def test_refusing_every_line_refuses_the_order(fnac, client):
    (order_id,) = created(fnac, 1)
    decisions = _all_lines(fnac, FNAC_SHOP, order_id, False)
    assert client.accept_order(order_id, decisions) == Outcome.DONE
    assert fnac.order_record(FNAC_SHOP, order_id)["state"] == "Refused"
    assert client.accept_order(order_id, decisions) == Outcome.ALREADY


def test_an_acceptance_whose_answer_was_lost_is_already_done(fnac, client):
    (order_id,) = created(fnac, 1)
    decisions = _all_lines(fnac, FNAC_SHOP, order_id, True)
    assert client.accept_order(order_id, decisions) == Outcome.DONE
    assert client.accept_order(order_id, decisions) == Outcome.ALREADY
    assert calls(fnac, "orders_update") == 2


def test_a_state_error_lands_on_its_order_only(fnac, client):
    ids = created(fnac, 3)
    fnac.set_order_state(FNAC_SHOP, ids[1], "Cancelled")
    outcomes = accept_all(client, fnac, ids)
    assert outcomes[ids[0]] == outcomes[ids[2]] == Outcome.DONE
    assert isinstance(outcomes[ids[1]], RemoteError)
    assert "Cancelled" in str(outcomes[ids[1]])
    assert calls(fnac, "orders_update") == 1
    assert fnac.order_record(FNAC_SHOP, ids[1])["state"] == "Cancelled"


def test_orders_the_api_cannot_address_are_refused_before_sending(fnac, client):
    (order_id,) = created(fnac, 1)
    outcomes = client.accept_orders(
        [
            ("TOO-SHORT", {"1": True}, None),
            (order_id, {"first": True}, None),
            ("0000000000000", {}, None),
        ]
    )
    assert isinstance(outcomes["TOO-SHORT"], NotFound)
    assert isinstance(outcomes[order_id], RemoteError)
    assert isinstance(outcomes["0000000000000"], RemoteError)
    assert calls(fnac, "orders_update") == 0


def test_an_unknown_order_is_not_found(fnac, client):
    with pytest.raises(NotFound):
        client.accept_order("ABCDEF0123456", {"1": True})


def test_a_failed_call_applies_nothing_and_raises(fnac, client):
    ids = created(fnac, 2)
    client.test_connection()
    fnac.set_faults({"rate_5xx": 1})
    with pytest.raises(TransientError):
        accept_all(client, fnac, ids)
    assert {fnac.order_record(FNAC_SHOP, i)["state"] for i in ids} == {"Created"}


# -- shipments ----------
def test_a_shipment_sends_the_tracking_of_every_live_line(fnac, client):
    (order_id,) = created(fnac, 1, multi_line_share=1)
    lines = [
        line["line_id"] for line in fnac.order_record(FNAC_SHOP, order_id)["lines"]
    ]
    client.accept_order(order_id, {line: line != lines[-1] for line in lines})
    assert client.ship_order(order_id, TRACKED) == Outcome.DONE
    record = fnac.order_record(FNAC_SHOP, order_id)
    assert record["state"] == "Shipped"
    (shipment,) = record["shipments"]
    assert shipment["action"] == "confirm_to_send"
    assert sorted(map(str, shipment["line_ids"])) == sorted(
        lines[:-1]
    )  # not the refused one
    assert set(map(tuple, shipment["tracking"].values())) == {
        ("8R41234567890", "COLISSIMO")
    }


def test_shipping_many_orders_takes_one_update(fnac, client):
    ids = to_ship(client, fnac, 5)
    shipment = Shipment(tracking_number="XY123", carrier_name="Mondial Relay")
    outcomes = client.ship_orders([(order_id, shipment, None) for order_id in ids])
    assert outcomes == dict.fromkeys(ids, Outcome.DONE)
    assert calls(fnac, "orders_update") == 2  # the acceptance, the shipment


def test_a_shipment_whose_answer_was_lost_is_already_done(fnac, client):
    (order_id,) = to_ship(client, fnac, 1)
    assert client.ship_order(order_id, TRACKED) == Outcome.DONE
    assert client.ship_order(order_id, TRACKED) == Outcome.ALREADY
    assert calls(fnac, "orders_update") == 2  # nothing sent the second time


def test_an_order_waiting_for_billing_ships_later(fnac, client):
    fnac.update_settings({"billing_delay_seconds": 3600})
    (order_id,) = to_ship(client, fnac, 1)
    with pytest.raises(TransientError) as info:
        client.ship_order(order_id, TRACKED)
    assert info.value.retry_after and "Accepted" in str(info.value)
    assert fnac.order_record(FNAC_SHOP, order_id)["state"] == "Accepted"


def test_a_cancelled_order_cannot_ship(fnac, client):
    ids = to_ship(client, fnac, 2)
    fnac.set_order_state(FNAC_SHOP, ids[0], "Cancelled")
    outcomes = client.ship_orders([(order_id, TRACKED, None) for order_id in ids])
    assert isinstance(outcomes[ids[0]], RemoteError) and "Cancelled" in str(
        outcomes[ids[0]]
    )
    assert outcomes[ids[1]] == Outcome.DONE


def test_a_tracking_number_fnac_cannot_take_is_refused_before_sending(fnac, client):
    (order_id,) = to_ship(client, fnac, 1)
    with pytest.raises(RemoteError) as info:
        client.ship_order(order_id, Shipment(tracking_number="X" * 33))
    assert "32" in str(info.value)
    assert calls(fnac, "orders_update") == 1  # the acceptance only


def test_a_failed_read_back_lands_on_the_doubtful_orders_only(fnac, client):
    ids = created(fnac, 2)
    fnac.set_order_state(FNAC_SHOP, ids[1], "Cancelled")
    fnac.set_faults({"call_frequency": {"orders_query": 600}})
    client.get_orders(ids[:1])  # the one orders_query allowed for 600 s
    outcomes = accept_all(client, fnac, ids)
    assert outcomes[ids[0]] == Outcome.DONE
    assert isinstance(outcomes[ids[1]], ThrottledError)
