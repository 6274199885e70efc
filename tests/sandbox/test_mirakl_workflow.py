"""Mirakl emulator: the order state machine (OR21, OR23, OR24, OR29) and the
admin routes."""

import time

from mphub.sandbox import Sandbox
from mphub.sandbox.server import parse_timestamp

from .conftest import MiraklShop, error_code


def test_accepting_every_line(mirakl, shop):
    (order_id,) = mirakl.create_orders(2001, 1, lines=(2, 2))
    before = shop.order(order_id)
    answer = shop.put(order_id, "accept", shop.decisions(order_id, True))
    assert answer.status_code == 204
    assert answer.content == b""
    order = shop.order(order_id)
    assert order["order_state"] == "SHIPPING"  # debit delay 0: debited at once
    assert order["can_shop_ship"] is True
    assert {x["order_line_state"] for x in order["order_lines"]} == {"SHIPPING"}
    assert order["last_updated_date"] > before["last_updated_date"]
    assert order["acceptance_decision_date"] <= order["customer_debited_date"]
    assert all(
        x["last_updated_date"] > before["created_date"] for x in order["order_lines"]
    )
    record = mirakl.order_record(order_id)
    assert list(record["decisions"].values()) == [True, True]
    assert [state for _at, state in record["history"]] == [
        "WAITING_ACCEPTANCE",
        "WAITING_DEBIT_PAYMENT",
        "SHIPPING",
    ]
    again = shop.put(order_id, "accept", shop.decisions(order_id, True))
    assert again.status_code == 400
    assert error_code(again) == "ORDER_INVALID_STATE"


def test_refusing_lines(mirakl, shop):
    refused, partial = mirakl.create_orders(2001, 2, lines=(2, 2))
    assert (
        shop.put(refused, "accept", shop.decisions(refused, False)).status_code == 204
    )
    order = shop.order(refused)
    assert order["order_state"] == "REFUSED"
    assert order["can_cancel"] is False
    assert {x["order_line_state"] for x in order["order_lines"]} == {"REFUSED"}
    body = shop.decisions(partial, True, False)
    assert shop.put(partial, "accept", body).status_code == 204
    order = shop.order(partial)
    assert order["order_state"] == "SHIPPING"
    assert [x["order_line_state"] for x in order["order_lines"]] == [
        "SHIPPING",
        "REFUSED",
    ]


def test_acceptance_errors(mirakl, shop):
    (order_id,) = mirakl.create_orders(2001, 1, lines=(2, 2))
    lines = shop.decisions(order_id, True)["order_lines"]
    cases = {
        "ORDER_LINE_ACCEPTANCE_DECISION_MISSING": lines[:1],
        "ORDER_LINE_DUPLICATE_ID": lines + lines[:1],
        "ORDER_LINE_NOT_FOUND": lines + [{"id": "NOPE-1", "accepted": True}],
        "ORDER_LINE_NULL_ELEMENT": lines + [None],
        "VALIDATION_ERROR": [{"id": lines[0]["id"], "accepted": "yes"}],
    }
    for code, body in cases.items():
        answer = shop.put(order_id, "accept", {"order_lines": body})
        assert answer.status_code == 400, code
        assert error_code(answer) == code
        assert answer.json()["status"] == 400
    assert error_code(shop.put(order_id, "accept", {})) == "VALIDATION_ERROR"
    missing = shop.put("NOPE", "accept", {"order_lines": lines})
    assert missing.status_code == 404
    assert error_code(missing) == "ORDER_NOT_FOUND"
    # nothing changed
    assert shop.order(order_id)["order_state"] == "WAITING_ACCEPTANCE"
    not_json = shop.call("PUT", f"/api/orders/{order_id}/accept", data="{")
    assert not_json.status_code == 400


def test_an_order_of_another_shop_is_not_found(mirakl, mirakl_url):
    (order_id,) = mirakl.create_orders(2002, 1)
    carrefour = MiraklShop(mirakl_url)
    answer = carrefour.put(order_id, "cancel")
    assert answer.status_code == 404
    assert error_code(answer) == "ORDER_NOT_FOUND"


def test_debit_delay_keeps_accepted_orders_waiting():
    with Sandbox(options={"mirakl": {"debit_delay_seconds": 0.5}}) as box:
        shop = MiraklShop(box.urls["mirakl"])
        (order_id,) = box.emulators["mirakl"].create_orders(2001, 1)
        shop.put(order_id, "accept", shop.decisions(order_id, True))
        order = shop.order(order_id)
        assert order["order_state"] == "WAITING_DEBIT_PAYMENT"
        assert "customer_debited_date" not in order
        assert error_code(shop.put(order_id, "ship")) == "ORDER_INVALID_STATE"
        time.sleep(0.55)
        order = shop.order(order_id)
        assert order["order_state"] == "SHIPPING"
        decided = parse_timestamp(order["acceptance_decision_date"])
        debited = parse_timestamp(order["customer_debited_date"])
        assert (debited - decided).total_seconds() == 0.5


def test_tracking_and_shipping(mirakl, shop):
    (order_id,) = mirakl.create_orders(2001, 1, state="SHIPPING")
    updated = shop.order(order_id)["last_updated_date"]
    for body in (
        {"carrier_code": "DPD"},  # registered: needs a tracking number
        {"carrier_code": "XYZ", "tracking_number": "1"},  # unknown, no name
        {"tracking_number": "1"},
    ):
        assert shop.put(order_id, "tracking", body).status_code == 400, body
    tracking = {"carrier_code": "COLISSIMO", "tracking_number": "6A123"}
    assert shop.put(order_id, "tracking", tracking).status_code == 204
    order = shop.order(order_id)
    assert order["last_updated_date"] > updated
    assert order["shipping_carrier_code"] == "COLISSIMO"
    assert order["shipping_company"] == "Colissimo"
    assert order["shipping_tracking"] == "6A123"
    assert order["shipping_tracking_url"].endswith("code=6A123")
    assert order["order_state"] == "SHIPPING"
    assert shop.put(order_id, "ship").status_code == 204
    order = shop.order(order_id)
    assert order["order_state"] == "SHIPPED"
    assert order["can_cancel"] is False and order["can_shop_ship"] is False
    assert {x["order_line_state"] for x in order["order_lines"]} == {"SHIPPED"}
    assert all("shipped_date" in x for x in order["order_lines"])
    assert error_code(shop.put(order_id, "ship")) == "ORDER_INVALID_STATE"
    # tracking can still be corrected once shipped, with an unregistered carrier
    local = {"carrier_name": "Coursier local", "carrier_url": "https://t/1"}
    assert shop.put(order_id, "tracking", local).status_code == 204
    order = shop.order(order_id)
    assert order["shipping_company"] == "Coursier local"
    assert order["shipping_tracking_url"] == "https://t/1"
    assert "shipping_carrier_code" not in order
    assert mirakl.order_record(order_id)["tracking"]["carrier_name"] == "Coursier local"


def test_tracking_needs_a_shipping_order(mirakl, shop):
    (order_id,) = mirakl.create_orders(2001, 1)
    tracking = {"carrier_code": "UPS", "tracking_number": "1Z"}
    answer = shop.put(order_id, "tracking", tracking)
    assert answer.status_code == 400
    assert error_code(answer) == "ORDER_INVALID_STATE"


def test_cancel(mirakl, shop):
    waiting, shipping, shipped = (
        mirakl.create_orders(2001, 1, state=state)[0]
        for state in ("WAITING_ACCEPTANCE", "SHIPPING", "SHIPPED")
    )
    for order_id in (waiting, shipping):
        assert shop.order(order_id)["can_cancel"] is True
        assert shop.put(order_id, "cancel").status_code == 204
        order = shop.order(order_id)
        assert order["order_state"] == "CANCELED"
        assert order["can_cancel"] is False
        assert {x["order_line_state"] for x in order["order_lines"]} == {"CANCELED"}
    answer = shop.put(shipped, "cancel")
    assert answer.status_code == 400
    assert error_code(answer) == "ORDER_INVALID_STATE"
    assert error_code(shop.put(waiting, "accept", {"order_lines": []})) == (
        "ORDER_INVALID_STATE"
    )


def test_changes_show_in_the_update_window(mirakl, shop):
    ids = mirakl.create_orders(2001, 3)
    time.sleep(0.01)
    since = shop.order(ids[2])["last_updated_date"]
    assert shop.ids(start_update_date=since) == [ids[2]]
    shop.put(ids[0], "accept", shop.decisions(ids[0], True))
    assert shop.ids(start_update_date=since) == [ids[0], ids[2]]


def test_admin_orders_and_state(shop, mirakl):
    created = shop.admin(
        "POST",
        "orders",
        {"shop_id": 2002, "count": 4, "unknown_sku_share": 0.25, "lines": [2, 3]},
    )
    assert len(created["order_ids"]) == 4
    order_id = created["order_ids"][0]
    record = shop.admin("GET", f"orders/{order_id}")
    assert record["shop_id"] == 2002
    assert record["state"] == "WAITING_ACCEPTANCE"
    assert record["kind"] in ("valid", "unknown_sku")
    assert 2 <= len(record["lines"]) <= 3
    kinds = [shop.admin("GET", f"orders/{i}")["kind"] for i in created["order_ids"]]
    assert kinds.count("unknown_sku") == 1
    for state in ("SHIPPING", "RECEIVED", "CLOSED", "CANCELED", "REFUSED"):
        changed = shop.admin("POST", f"orders/{order_id}/state", {"state": state})
        assert changed["state"] == state
        assert changed["last_updated_date"] > record["last_updated_date"]
        record = changed
    assert [state for _at, state in record["history"]][-2:] == ["CANCELED", "REFUSED"]
    assert record["received_date"] and record["shipped_date"]
    for method, path, body in (
        ("POST", "orders", {"shop_id": 9999}),
        ("POST", "orders", {"count": 2, "malformed_share": 3}),
        ("POST", "orders", {"state": "LOST"}),
        ("POST", "orders", {"lines": [3, 1]}),
        ("POST", "orders", [1]),
        ("POST", f"orders/{order_id}/state", {"state": "LOST"}),
    ):
        answer = shop.session.request(
            method, f"{shop.url}/_sandbox/{path}", json=body, timeout=5
        )
        assert answer.status_code == 400, body
    assert (
        shop.session.get(f"{shop.url}/_sandbox/orders/NOPE", timeout=5).status_code
        == 404
    )


def test_a_customer_cancellation_is_seen_by_the_seller(mirakl, shop):
    (order_id,) = mirakl.create_orders(2001, 1)
    since = shop.order(order_id)["last_updated_date"]
    shop.admin("POST", f"orders/{order_id}/state", {"state": "CANCELED"})
    (order,) = shop.orders(start_update_date=since, order_state_codes="CANCELED")[
        "orders"
    ]
    assert order["last_updated_date"] > since


def test_reset_goes_back_to_the_seeded_state(mirakl, shop):
    first = mirakl.create_orders(2001, 3)
    before = shop.orders()["orders"]
    mirakl.set_faults({"rate_429": 0.5})
    assert shop.admin("POST", "reset") == {"reset": True}
    assert shop.orders()["total_count"] == 0
    assert mirakl.get_faults()["rate_429"] == 0
    stats = mirakl.get_stats()  # cleared, then the call above
    assert list(stats) == ["OR11"] and stats["OR11"]["calls"] == 1
    assert mirakl.create_orders(2001, 3) == first
    after = shop.orders()["orders"]
    assert [o["order_lines"][0]["offer_sku"] for o in after] == [
        o["order_lines"][0]["offer_sku"] for o in before
    ]
