"""The Mirakl emulator over real HTTP."""

import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
import requests
from mphub.sandbox import Sandbox, catalog
from mphub.sandbox.mirakl import DEFECTS

KEY = "sandbox-carrefour-key"


def call(url, method, path, key=KEY, **kwargs):
    headers = {"Authorization": key} if key else {}
    return requests.request(method, url + path, headers=headers, timeout=5, **kwargs)


def orders(url, key=KEY, **params):
    response = call(url, "GET", "/api/orders", key=key, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_auth_is_the_raw_key_per_shop(mirakl, mirakl_url):
    mirakl.create_orders(2001, 2)
    mirakl.create_orders(2002, 3)
    assert call(mirakl_url, "GET", "/api/orders", key=None).status_code == 401
    wrong = call(mirakl_url, "GET", "/api/orders", key="Bearer " + KEY)
    assert wrong.status_code == 401
    assert wrong.json() == {"status": 401, "message": "Unauthorized"}
    assert orders(mirakl_url)["total_count"] == 2
    assert orders(mirakl_url, key="sandbox-boulanger-key")["total_count"] == 3
    assert orders(mirakl_url, shop_id=2001)["total_count"] == 2
    other = call(mirakl_url, "GET", "/api/orders", params={"shop_id": 2002})
    assert other.status_code == 403


def test_offset_pagination(mirakl, mirakl_url):
    ids = mirakl.create_orders(2001, 25)
    body = orders(mirakl_url)
    assert body["total_count"] == 25
    assert len(body["orders"]) == 10  # Mirakl's default page
    seen = []
    for offset in range(0, 25, 7):
        page = orders(mirakl_url, max=7, offset=offset)
        assert page["total_count"] == 25
        seen += [o["order_id"] for o in page["orders"]]
    assert seen == ids  # sorted by creation date, ascending
    everything = orders(mirakl_url, paginate="false")
    assert len(everything["orders"]) == 25
    desc = orders(mirakl_url, max=3, order="desc")
    assert [o["order_id"] for o in desc["orders"]] == ids[::-1][:3]
    too_big = call(mirakl_url, "GET", "/api/orders", params={"max": 101})
    assert too_big.status_code == 400
    assert too_big.json()["status"] == 400


def test_filters(mirakl, mirakl_url):
    first = mirakl.create_orders(2001, 3)
    time.sleep(0.05)
    middle = datetime.now(timezone.utc)
    time.sleep(0.05)
    second = mirakl.create_orders(2001, 2, state="SHIPPING")
    stamp = middle.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    assert [
        o["order_id"] for o in orders(mirakl_url, start_date=stamp)["orders"]
    ] == second
    assert [
        o["order_id"] for o in orders(mirakl_url, end_date=stamp)["orders"]
    ] == first
    assert orders(mirakl_url, start_update_date=middle.isoformat())["total_count"] == 2
    assert orders(mirakl_url, end_update_date=stamp)["total_count"] == 3
    shipping = orders(mirakl_url, order_state_codes="SHIPPING,SHIPPED")
    assert [o["order_id"] for o in shipping["orders"]] == second
    picked = orders(mirakl_url, order_ids=f"{first[0]},{second[1]}")
    assert [o["order_id"] for o in picked["orders"]] == [first[0], second[1]]
    bad = call(mirakl_url, "GET", "/api/orders", params={"start_update_date": "soon"})
    assert bad.status_code == 400
    unknown_state = call(
        mirakl_url, "GET", "/api/orders", params={"order_state_codes": "LOST"}
    )
    assert unknown_state.status_code == 400


def test_updates_move_orders_into_the_update_window(mirakl, mirakl_url):
    ids = mirakl.create_orders(2001, 3)
    time.sleep(0.05)
    after = datetime.now(timezone.utc).isoformat()
    assert orders(mirakl_url, start_update_date=after)["total_count"] == 0
    line = orders(mirakl_url, order_ids=ids[1])["orders"][0]["order_lines"]
    decisions = [{"id": item["order_line_id"], "accepted": True} for item in line]
    response = call(
        mirakl_url,
        "PUT",
        f"/api/orders/{ids[1]}/accept",
        json={"order_lines": decisions},
    )
    assert response.status_code == 204
    updated = orders(mirakl_url, start_update_date=after)
    assert [o["order_id"] for o in updated["orders"]] == [ids[1]]


def accept_body(url, order_id, accepted=True):
    lines = orders(url, order_ids=order_id)["orders"][0]["order_lines"]
    return {
        "order_lines": [{"id": x["order_line_id"], "accepted": accepted} for x in lines]
    }


def test_acceptance_state_machine_and_errors(mirakl, mirakl_url):
    first, second, third = mirakl.create_orders(2001, 3, lines=(2, 2))
    body = accept_body(mirakl_url, first)
    missing = {"order_lines": body["order_lines"][:1]}
    response = call(mirakl_url, "PUT", f"/api/orders/{first}/accept", json=missing)
    assert response.status_code == 400
    assert (
        response.json()["errors"][0]["code"] == "ORDER_LINE_ACCEPTANCE_DECISION_MISSING"
    )
    duplicate = {"order_lines": body["order_lines"] + body["order_lines"][:1]}
    response = call(mirakl_url, "PUT", f"/api/orders/{first}/accept", json=duplicate)
    assert response.json()["errors"][0]["code"] == "ORDER_LINE_DUPLICATE_ID"
    stranger = {"order_lines": body["order_lines"] + [{"id": "nope", "accepted": True}]}
    response = call(mirakl_url, "PUT", f"/api/orders/{first}/accept", json=stranger)
    assert response.json()["errors"][0]["code"] == "ORDER_LINE_NOT_FOUND"
    response = call(mirakl_url, "PUT", "/api/orders/NOPE/accept", json=body)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "ORDER_NOT_FOUND"

    assert (
        call(mirakl_url, "PUT", f"/api/orders/{first}/accept", json=body).status_code
        == 204
    )
    accepted = orders(mirakl_url, order_ids=first)["orders"][0]
    assert accepted["order_state"] == "SHIPPING"  # debit delay 0
    assert accepted["can_shop_ship"] is True
    again = call(mirakl_url, "PUT", f"/api/orders/{first}/accept", json=body)
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "ORDER_INVALID_STATE"

    refused = accept_body(mirakl_url, second, accepted=False)
    assert (
        call(
            mirakl_url, "PUT", f"/api/orders/{second}/accept", json=refused
        ).status_code
        == 204
    )
    assert orders(mirakl_url, order_ids=second)["orders"][0]["order_state"] == "REFUSED"

    partial = accept_body(mirakl_url, third)
    partial["order_lines"][1]["accepted"] = False
    assert (
        call(mirakl_url, "PUT", f"/api/orders/{third}/accept", json=partial).status_code
        == 204
    )
    lines = orders(mirakl_url, order_ids=third)["orders"][0]["order_lines"]
    assert [x["order_line_state"] for x in lines] == ["SHIPPING", "REFUSED"]


def test_debit_delay_keeps_orders_waiting_for_payment():
    with Sandbox(options={"mirakl": {"debit_delay_seconds": 0.3}}) as box:
        url = box.urls["mirakl"]
        (order_id,) = box.emulators["mirakl"].create_orders(2001, 1)
        call(
            url,
            "PUT",
            f"/api/orders/{order_id}/accept",
            json=accept_body(url, order_id),
        )
        state = orders(url, order_ids=order_id)["orders"][0]["order_state"]
        assert state == "WAITING_DEBIT_PAYMENT"
        ship = call(url, "PUT", f"/api/orders/{order_id}/ship")
        assert ship.json()["errors"][0]["code"] == "ORDER_INVALID_STATE"
        time.sleep(0.35)
        assert orders(url, order_ids=order_id)["orders"][0]["order_state"] == "SHIPPING"


def test_tracking_and_ship(mirakl, mirakl_url):
    (order_id,) = mirakl.create_orders(2001, 1, state="SHIPPING")
    path = f"/api/orders/{order_id}"
    no_number = call(
        mirakl_url, "PUT", path + "/tracking", json={"carrier_code": "DPD"}
    )
    assert no_number.status_code == 400
    unknown = call(mirakl_url, "PUT", path + "/tracking", json={"carrier_code": "XYZ"})
    assert unknown.status_code == 400
    tracking = {"carrier_code": "COLISSIMO", "tracking_number": "6A123"}
    assert call(mirakl_url, "PUT", path + "/tracking", json=tracking).status_code == 204
    assert call(mirakl_url, "PUT", path + "/ship").status_code == 204
    order = orders(mirakl_url, order_ids=order_id)["orders"][0]
    assert order["order_state"] == "SHIPPED"
    assert order["shipping_tracking"] == "6A123"
    assert order["shipping_carrier_code"] == "COLISSIMO"
    assert order["shipping_tracking_url"].endswith("6A123")
    assert {line["order_line_state"] for line in order["order_lines"]} == {"SHIPPED"}
    again = call(mirakl_url, "PUT", path + "/ship")
    assert again.json()["errors"][0]["code"] == "ORDER_INVALID_STATE"
    assert call(mirakl_url, "PUT", path + "/cancel").status_code == 400
    other = {"carrier_name": "Transporteur local", "tracking_number": "L1"}
    assert call(mirakl_url, "PUT", path + "/tracking", json=other).status_code == 204
    assert orders(mirakl_url, order_ids=order_id)["orders"][0]["shipping_company"] == (
        "Transporteur local"
    )


def test_cancel(mirakl, mirakl_url):
    (order_id,) = mirakl.create_orders(2001, 1)
    assert call(mirakl_url, "PUT", f"/api/orders/{order_id}/cancel").status_code == 204
    order = orders(mirakl_url, order_ids=order_id)["orders"][0]
    assert order["order_state"] == "CANCELED"
    assert order["can_cancel"] is False


def test_amounts_add_up(mirakl, mirakl_url):
    mirakl.create_orders(2001, 30)
    for order in orders(mirakl_url, max=100)["orders"]:
        lines = order["order_lines"]
        assert round(sum(x["price"] for x in lines), 2) == order["price"]
        assert (
            round(sum(x["shipping_price"] for x in lines), 2) == order["shipping_price"]
        )
        assert (
            round(order["price"] + order["shipping_price"], 2) == order["total_price"]
        )
        for line in lines:
            assert round(line["price_unit"] * line["quantity"], 2) == line["price"]
            rate = line["taxes"][0]["rate"]
            tax = round(line["price"] * rate / (100 + rate), 2)
            assert abs(line["taxes"][0]["amount"] - tax) <= 0.01
            assert line["offer_sku"].startswith("MPH-")


def test_generation_is_deterministic():
    def snapshot(seed):
        with Sandbox(seed=seed) as box:
            ids = box.emulators["mirakl"].create_orders(
                2001, 20, unknown_sku_share=0.1, malformed_share=0.1
            )
            body = orders(box.urls["mirakl"], max=100)["orders"]
            for order in body:
                for key in ("created_date", "last_updated_date", "shipping_deadline"):
                    order.pop(key, None)
                for line in order.get("order_lines") or []:
                    line.pop("created_date")
                    line.pop("last_updated_date")
            return ids, json.dumps(body, sort_keys=True)

    assert snapshot(42) == snapshot(42)
    assert snapshot(42)[1] != snapshot(43)[1]


def test_unknown_sku_and_malformed_shares_are_exact(mirakl, mirakl_url):
    ids = mirakl.create_orders(2001, 200, unknown_sku_share=0.1, malformed_share=0.02)
    kinds = [mirakl.order_record(i)["kind"] for i in ids]
    assert kinds.count("unknown_sku") == 20
    assert kinds.count("malformed") == 4
    known = {p["sku"] for p in catalog.products(42, 60)}
    for order in orders(mirakl_url, paginate="false")["orders"]:
        kind = mirakl.order_record(order["order_id"])["kind"]
        skus = {x["offer_sku"] for x in order.get("order_lines") or []}
        if kind == "unknown_sku":
            assert len(skus - known) == 1
        elif kind == "valid":
            assert skus <= known


@pytest.mark.parametrize("defect", DEFECTS)
def test_every_defect_is_served_the_same_way(defect, mirakl, mirakl_url, monkeypatch):
    monkeypatch.setattr("mphub.sandbox.mirakl.DEFECTS", (defect,))
    (order_id,) = mirakl.create_orders(2001, 1, malformed_share=1.0)
    record = mirakl.order_record(order_id)
    assert record["defect"] == defect
    first = orders(mirakl_url, order_ids=order_id)["orders"]
    second = orders(mirakl_url, order_ids=order_id)["orders"]
    assert first == second
    assert first[0]["order_id"] == order_id


def test_faults_429_and_5xx(mirakl_url, sandbox):
    admin = sandbox.urls["mirakl"] + "/_sandbox/faults"
    assert requests.post(admin, json={"rate_429": 1.0, "retry_after": 7}, timeout=5).ok
    response = call(mirakl_url, "GET", "/api/orders")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["status"] == 429
    requests.post(admin, json={"rate_429": 0, "rate_5xx": 1.0}, timeout=5)
    assert call(mirakl_url, "GET", "/api/orders").status_code in (500, 502, 503)
    assert requests.post(admin, json={"rate_5xx": 2}, timeout=5).status_code == 400
    assert requests.post(admin, json={"nope": 1}, timeout=5).status_code == 400
    stats = requests.get(sandbox.urls["mirakl"] + "/_sandbox/stats", timeout=5).json()
    assert stats["OR11"]["calls"] == 2
    assert stats["OR11"]["429"] == 1
    assert stats["OR11"]["5xx"] == 1


def test_fault_timeout_corrupt_and_expired_credentials(mirakl, mirakl_url):
    mirakl.set_faults({"rate_timeout": 1.0, "timeout_seconds": 0.5})
    with pytest.raises(requests.Timeout):
        requests.get(
            mirakl_url + "/api/version", headers={"Authorization": KEY}, timeout=0.2
        )
    mirakl.set_faults({"rate_timeout": 0, "rate_corrupt": 1.0})
    mirakl.create_orders(2001, 2)
    response = call(mirakl_url, "GET", "/api/orders")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    mirakl.set_faults({"rate_corrupt": 0, "expired_credentials": True})
    assert call(mirakl_url, "GET", "/api/account").status_code == 401
    mirakl.set_faults({"expired_credentials": False})
    assert call(mirakl_url, "GET", "/api/account").status_code == 200
    stats = mirakl.get_stats()
    assert stats["V01"]["timeout"] == 1
    assert stats["OR11"]["corrupt"] == 1
    assert stats["A01"]["401"] == 1


def test_call_frequency(mirakl, mirakl_url):
    mirakl.set_faults({"call_frequency": {"OR11": 30}})
    assert call(mirakl_url, "GET", "/api/orders").status_code == 200
    second = call(mirakl_url, "GET", "/api/orders")
    assert second.status_code == 429
    assert 29 <= int(second.headers["Retry-After"]) <= 30
    # another key has its own budget
    assert call(mirakl_url, "GET", "/api/orders", key="sandbox-boulanger-key").ok
    assert call(mirakl_url, "GET", "/api/account").ok


def test_admin_endpoints_and_reset(sandbox, mirakl):
    base = sandbox.urls["mirakl"] + "/_sandbox"
    created = requests.post(
        base + "/orders",
        json={"shop_id": 2002, "count": 4, "unknown_sku_share": 0.25},
        timeout=5,
    ).json()
    assert len(created["order_ids"]) == 4
    order_id = created["order_ids"][0]
    record = requests.get(f"{base}/orders/{order_id}", timeout=5).json()
    assert record["shop_id"] == 2002
    assert record["state"] == "WAITING_ACCEPTANCE"
    cancelled = requests.post(
        f"{base}/orders/{order_id}/state", json={"state": "CANCELED"}, timeout=5
    ).json()
    assert cancelled["state"] == "CANCELED"
    assert cancelled["last_updated_date"] > record["last_updated_date"]
    assert requests.get(f"{base}/orders/NOPE", timeout=5).status_code == 404
    mirakl.set_faults({"rate_429": 0.5})
    assert requests.post(base + "/reset", timeout=5).ok
    assert mirakl.get_faults()["rate_429"] == 0
    assert not mirakl.shops[2002].orders
    # faults never touch the admin routes
    mirakl.set_faults({"rate_429": 1.0, "expired_credentials": True})
    assert requests.get(base + "/stats", timeout=5).ok


def test_command_line():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mphub.sandbox",
            "--orders",
            "5",
            "--fault",
            "mirakl.retry_after=3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        urls = json.loads(process.stdout.readline())
        assert set(urls) == {"mirakl"}
        body = orders(urls["mirakl"])
        assert body["total_count"] == 5
        faults = requests.get(urls["mirakl"] + "/_sandbox/faults", timeout=5).json()
        assert faults["retry_after"] == 3
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_catalog():
    items = catalog.products(42, 60)
    assert catalog.products(42, 10) == items[:10]
    assert len({p["sku"] for p in items}) == 60
    assert all(catalog.is_valid_ean13(p["ean"]) for p in items)
    assert {p["tax_rate"] for p in items} <= {"20.0", "10.0", "5.5"}
    assert catalog.products(43, 5) != items[:5]
    assert catalog.is_valid_ean13("3760000000000")
    assert not catalog.is_valid_ean13("3760000000001")
    assert not catalog.is_valid_ean13("376000000000")
