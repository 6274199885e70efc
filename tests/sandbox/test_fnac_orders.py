"""The Fnac Darty emulator's auth, orders_query, orders_update and
carriers_query over real HTTP, every answer checked against its XSD."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from mphub.sandbox.fnac_data import CARRIERS, NS, PARIS, PARTNER_ID

from tests.sandbox.test_fnac_support import (
    DARTY,
    FNAC,
    FnacShop,
    errors,
    order_update,
    q,
)

SHIPPED = (
    "<tracking_number>8R0001</tracking_number>"
    "<tracking_company>Colissimo</tracking_company>"
)


@pytest.fixture
def shop(fnac_url):
    shop = FnacShop(fnac_url)
    shop.auth()
    return shop


def paris(moment):
    """An offset-less Europe/Paris date-time text of ``moment``."""
    return moment.astimezone(PARIS).replace(tzinfo=None).isoformat(timespec="seconds")


def result_of(root, order_id):
    (order,) = [
        o for o in root.findall(q("order")) if o.findtext(q("order_id")) == order_id
    ]
    return order


# -- auth and tokens -------------------------------------------------------------
def test_auth_refuses_a_wrong_key_with_fnacs_text(fnac_url):
    shop = FnacShop(fnac_url, key="00000000-0000-4000-8000-000000000000")
    body = (
        f'<auth xmlns="{NS}"><partner_id>{PARTNER_ID}</partner_id>'
        f"<shop_id>{FNAC}</shop_id><key>{shop.key}</key></auth>"
    )
    status, root = shop.post("auth", body)
    assert status == 200 and root.get("status") == "ERROR"
    assert root.find(q("token")) is None
    assert errors(root) == [
        (
            "ERR_001",
            "Authentication failed : one of the parameters (partner_id, key, shop_id) "
            "is invalid",
        )
    ]


def test_a_token_serves_its_own_shop_only(fnac_url, fnac):
    fnac.create_orders(DARTY, 2)
    fnac_shop = FnacShop(fnac_url)
    fnac_shop.auth()
    darty = FnacShop(fnac_url, DARTY)
    root = darty.call("orders_query", token=fnac_shop.token)
    assert root.get("status") == "ERROR"
    assert errors(root)[0][0] == "ERR_002"
    darty.auth()
    assert len(darty.orders()) == 2
    assert fnac_shop.orders() == []


def test_an_expired_token_is_refused_until_the_next_auth(shop, fnac):
    fnac.create_orders(FNAC, 1)
    assert len(shop.orders()) == 1
    fnac.expire_tokens()
    root = shop.call("orders_query")
    assert root.get("status") == "ERROR"
    assert errors(root) == [("ERR_002", "Invalid or expired token")]
    shop.auth()
    assert len(shop.orders()) == 1


def test_token_ttl_zero_expires_at_once(fnac_url, fnac):
    fnac.update_settings({"token_ttl": 0})
    shop = FnacShop(fnac_url)
    shop.auth()
    assert errors(shop.call("carriers_query", "<query>all</query>"))[0][0] == "ERR_002"


def test_an_unknown_shop_or_partner_is_refused(shop):
    root = shop.call("orders_query", shop_id="7c0e1d2f-0000-4000-8000-00000000ffff")
    assert errors(root)[0][0] == "ERR_003"
    root = shop.call("orders_query", partner_id="7c0e1d2f-0000-4000-8000-00000000ffff")
    assert errors(root)[0][0] == "ERR_003"


# -- orders_query ------------------------------------------------------------------
def test_paging_walks_every_order_once_in_a_stable_order(shop, fnac):
    ids = fnac.create_orders(FNAC, 23)
    seen, page = [], 1
    while True:
        root = shop.call("orders_query", f"<paging>{page}</paging>", results_count=10)
        assert root.findtext(q("page")) == str(page)
        assert root.findtext(q("total_paging")) == "3"
        assert root.findtext(q("nb_total_per_page")) == "10"
        assert root.findtext(q("nb_total_result")) == "23"
        seen += [o.findtext(q("order_id")) for o in root.findall(q("order"))]
        if page == 3:
            break
        page += 1
    assert sorted(seen) == sorted(ids) and len(seen) == 23
    beyond = shop.call("orders_query", "<paging>4</paging>", results_count=10)
    assert beyond.get("status") == "OK" and beyond.findall(q("order")) == []


def test_results_count_is_capped_at_500(shop, fnac):
    fnac.create_orders(FNAC, 3)
    root = shop.call("orders_query", results_count=100000)
    assert root.findtext(q("nb_total_per_page")) == "500"


def test_a_page_below_one_is_an_error(shop):
    root = shop.call("orders_query", "<paging>0</paging>")
    assert root.get("status") == "ERROR" and errors(root)[0][0] == "ERR_106"


def test_updated_at_window_is_inclusive_and_reads_offsetless_dates_as_paris(shop, fnac):
    first = fnac.create_orders(FNAC, 2)
    record = fnac.order_record(FNAC, first[1])
    moment = datetime.fromisoformat(record["updated"].replace("Z", "+00:00"))
    later = fnac.create_orders(FNAC, 1)
    low = moment.replace(microsecond=0)
    window = (
        f'<date type="UpdatedAt"><min>{paris(low)}</min>'
        f"<max>{paris(low + timedelta(days=1))}</max></date>"
    )
    ids = [o.findtext(q("order_id")) for o in shop.orders(window)]
    assert first[1] in ids and later[0] in ids
    # the same instant in UTC, with its offset
    utc = f'<date type="UpdatedAt"><min>{low.isoformat()}</min></date>'
    assert [o.findtext(q("order_id")) for o in shop.orders(utc)] == ids
    future = paris(datetime.now(timezone.utc) + timedelta(days=2))
    assert shop.orders(f'<date type="UpdatedAt"><min>{future}</min></date>') == []


def test_an_acceptance_moves_the_order_in_the_updated_at_order(shop, fnac):
    first, second = fnac.create_orders(FNAC, 2)
    window = '<date type="UpdatedAt"><min>2000-01-01T00:00:00+01:00</min></date>'
    assert [o.findtext(q("order_id")) for o in shop.orders(window)] == [first, second]
    shop.call(
        "orders_update", order_update(first, "accept_all_orders", (1, "Accepted", ""))
    )
    assert [o.findtext(q("order_id")) for o in shop.orders(window)] == [second, first]
    descending = shop.orders(window + "<sort_by>DESC</sort_by>")
    assert [o.findtext(q("order_id")) for o in descending] == [first, second]


def test_states_and_ids_filter(shop, fnac):
    created = fnac.create_orders(FNAC, 3)
    shipped = fnac.create_orders(FNAC, 2, state="Shipped")
    by_state = shop.orders(
        "<states><state>Shipped</state><state>Received</state></states>"
    )
    assert sorted(o.findtext(q("order_id")) for o in by_state) == sorted(shipped)
    both = shop.orders("<state>Created</state><state>Shipped</state>")
    assert len(both) == 5
    ids = (
        f"<orders_fnac_id><order_fnac_id>{created[0]}</order_fnac_id></orders_fnac_id>"
    )
    assert [o.findtext(q("order_id")) for o in shop.orders(ids)] == [created[0]]
    sku = shop.order(created[1]).find(q("order_detail")).findtext(q("offer_seller_id"))
    assert created[1] in [
        o.findtext(q("order_id"))
        for o in shop.orders(f"<offer_seller_id>{sku}</offer_seller_id>")
    ]


def test_more_than_50_ids_are_refused(shop, fnac):
    ids = "".join(f"<order_fnac_id>{n:013X}</order_fnac_id>" for n in range(51))
    root = shop.call("orders_query", f"<orders_fnac_id>{ids}</orders_fnac_id>")
    assert root.get("status") == "ERROR"
    assert errors(root)[0][0] in ("ERR_096", "ERR_107")


def test_prices_per_unit_and_line_shipping_add_up_to_the_record(shop, fnac):
    ids = fnac.create_orders(FNAC, 40, multi_line_share=0.8)
    for order in shop.orders(results_count=100):
        total = Decimal("0")
        for line in order.findall(q("order_detail")):
            quantity = int(line.findtext(q("quantity")))
            total += Decimal(line.findtext(q("price"))) * quantity
            total += Decimal(line.findtext(q("shipping_price")))
        record = fnac.order_record(FNAC, order.findtext(q("order_id")))
        assert str(total.quantize(Decimal("0.01"))) == record["total"]
    assert len(ids) == 40


# -- state machine through orders_update ---------------------------------------------
def test_accept_with_a_refused_line_then_billing_then_ship(shop, fnac):
    (order_id,) = fnac.create_orders(FNAC, 1, multi_line_share=1)
    lines = [line["line_id"] for line in fnac.order_record(FNAC, order_id)["lines"]]
    decisions = [(line, "Accepted", "") for line in lines[:-1]] + [
        (lines[-1], "Refused", "")
    ]
    root = shop.call(
        "orders_update", order_update(order_id, "accept_order", *decisions)
    )
    assert root.get("status") == "OK"
    result = result_of(root, order_id)
    assert result.findtext(q("state")) == "Accepted"
    states = [d.findtext(q("state")) for d in result.findall(q("order_detail"))]
    assert states == ["Accepted"] * (len(lines) - 1) + ["Refused"]
    # billing delay 0: ToShip on the next read, the refused line stays refused
    order = shop.order(order_id)
    assert order.findtext(q("state")) == "ToShip"
    details = order.findall(q("order_detail"))
    assert details[-1].findtext(q("state")) == "Refused"
    assert details[-1].findtext(q("refused_at"))
    assert details[0].findtext(q("debited_at"))
    ships = [(line, "Shipped", SHIPPED) for line in lines[:-1]]
    root = shop.call("orders_update", order_update(order_id, "confirm_to_send", *ships))
    assert result_of(root, order_id).findtext(q("state")) == "Shipped"
    record = fnac.order_record(FNAC, order_id)
    assert record["state"] == "Shipped"
    assert record["shipments"][0]["tracking"][lines[0]] == ["8R0001", "Colissimo"]
    assert fnac.set_order_state(FNAC, order_id, "Received")["state"] == "Received"


def test_every_line_refused_refuses_the_order(shop, fnac):
    (order_id,) = fnac.create_orders(FNAC, 1)
    root = shop.call(
        "orders_update", order_update(order_id, "accept_all_orders", (1, "Refused", ""))
    )
    assert result_of(root, order_id).findtext(q("state")) == "Refused"
    assert fnac.order_record(FNAC, order_id)["state"] == "Refused"


def test_billing_delay_keeps_the_order_accepted_and_refuses_its_shipment(
    fnac_url, fnac
):
    fnac.update_settings({"billing_delay_seconds": 3600})
    shop = FnacShop(fnac_url)
    (order_id,) = fnac.create_orders(FNAC, 1)
    shop.call(
        "orders_update",
        order_update(order_id, "accept_all_orders", (1, "Accepted", "")),
    )
    assert shop.order(order_id).findtext(q("state")) == "Accepted"
    root = shop.call(
        "orders_update",
        order_update(order_id, "confirm_to_send", (1, "Shipped", SHIPPED)),
    )
    assert root.get("status") == "ERROR"
    result = result_of(root, order_id)
    assert result.findtext(q("status")) == "ERROR"
    assert result.findtext(q("state")) == "Accepted"
    code, text = errors(result)[0]
    assert code == "ERR_113" and "is Accepted, not yet ToShip" in text
    fnac.update_settings({"billing_delay_seconds": 0})
    assert shop.order(order_id).findtext(q("state")) == "ToShip"


def test_per_order_errors_leave_the_other_orders_applied(shop, fnac):
    created, accepted = fnac.create_orders(FNAC, 2)
    fnac.set_order_state(FNAC, accepted, "Accepted")
    body = (
        order_update(created, "accept_all_orders", (1, "Accepted", ""))
        + order_update(accepted, "accept_all_orders", (1, "Accepted", ""))
        + order_update("0000000000000", "accept_order", (1, "Accepted", ""))
    )
    root = shop.call("orders_update", body)
    assert root.get("status") == "WARNING"
    assert result_of(root, created).findtext(q("status")) == "OK"
    assert errors(result_of(root, accepted))[0][0] == "ERR_111"
    assert result_of(root, accepted).findtext(q("state")) == "Accepted"
    assert errors(result_of(root, "0000000000000"))[0][0] == "ERR_110"
    assert fnac.order_record(FNAC, created)["state"] == "ToShip"  # billed at once


def test_26_orders_are_refused_whole(shop, fnac):
    ids = fnac.create_orders(FNAC, 26)
    body = "".join(
        order_update(i, "accept_all_orders", (1, "Accepted", "")) for i in ids
    )
    root = shop.call("orders_update", body)
    assert root.get("status") == "ERROR"
    assert errors(root)[0][0] == "ERR_104"
    assert {fnac.order_record(FNAC, i)["state"] for i in ids} == {"Created"}
    root = shop.call("orders_update", body.rpartition("<order ")[0])
    assert root.get("status") == "OK" and len(root.findall(q("order"))) == 25
    calls = fnac.update_calls(FNAC)
    assert [(len(c["orders"]), c["status"]) for c in calls] == [
        (26, "ERROR"),
        (25, "OK"),
    ]
    assert calls[1]["orders"] == ids[:25]
    assert set(calls[1]["actions"]) == {"accept_all_orders"}
    assert fnac.update_calls(DARTY) == []


def test_the_commission_is_the_live_lines_fees(shop, fnac):
    (order_id,) = fnac.create_orders(FNAC, 1, multi_line_share=1)
    lines = fnac.order_record(FNAC, order_id)["lines"]
    decisions = [(line["line_id"], "Accepted", "") for line in lines[1:]]
    decisions.append((lines[0]["line_id"], "Refused", ""))
    shop.call("orders_update", order_update(order_id, "accept_order", *decisions))
    record = fnac.order_record(FNAC, order_id)
    live = sum(Decimal(line["fees"]) for line in record["lines"] if line["active"])
    assert record["commission"] == str(live)
    fees = shop.order(order_id).findtext(q("fees"))
    assert fees == str(live)  # this order (seed 42) carries its fees


def test_a_wrong_detail_or_action_applies_nothing_to_the_order(shop, fnac):
    (order_id,) = fnac.create_orders(FNAC, 1, multi_line_share=1)
    root = shop.call(
        "orders_update",
        order_update(order_id, "accept_order", (1, "Accepted", ""), (9, "Refused", "")),
    )
    assert errors(result_of(root, order_id))[0][0] == "ERR_114"
    root = shop.call(
        "orders_update", order_update(order_id, "accept_order", (1, "Shipped", ""))
    )
    assert errors(result_of(root, order_id))[0][0] == "ERR_115"
    assert fnac.order_record(FNAC, order_id)["decisions"] == {}


def test_shipping_with_update_and_shipped_details_works_too(shop, fnac):
    (order_id,) = fnac.create_orders(FNAC, 1, state="ToShip")
    root = shop.call(
        "orders_update", order_update(order_id, "update", (1, "Shipped", SHIPPED))
    )
    assert result_of(root, order_id).findtext(q("state")) == "Shipped"
    line = shop.order(order_id).find(q("order_detail"))
    assert line.findtext(q("tracking_number")) == "8R0001"
    root = shop.call(
        "orders_update",
        order_update(order_id, "confirm_to_send", (1, "Shipped", SHIPPED)),
    )
    assert errors(result_of(root, order_id))[0][0] == "ERR_113"


# -- carriers ----------------------------------------------------------------------
def test_carriers_query_lists_the_french_carriers(shop):
    root = shop.call("carriers_query", "<query>all</query>")
    carriers = [
        (c.get("code"), c.findtext(q("name"))) for c in root.findall(q("carrier"))
    ]
    assert carriers == list(CARRIERS)
    assert ("COLISSIMO", "Colissimo") in carriers
