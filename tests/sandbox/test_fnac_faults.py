"""The Fnac Darty emulator on the framework: faults, stats per operation
and per caller (token), request validation against the official XSDs,
protocol errors, the index and the admin routes."""

import pytest
import requests
from lxml import etree
from mphub.sandbox.fnac import FnacEmulator
from mphub.sandbox.fnac_data import NS, PARTNER_ID
from mphub.sandbox.fnac_services import SERVICES
from mphub.sandbox.server import EmulatorServer

from tests.sandbox.test_fnac_support import FNAC, FnacShop, errors, needs_xsd, q


@pytest.fixture
def shop(fnac_url):
    shop = FnacShop(fnac_url)
    shop.auth()
    return shop


def raw(shop, service, body):
    return requests.post(
        f"{shop.url}/api.php/{service}",
        data=body.encode(),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )


def test_injected_5xx_and_429_are_front_end_pages(shop, fnac):
    fnac.set_faults({"rate_5xx": 1.0})
    response = raw(shop, "orders_query", shop.request("orders_query"))
    assert response.status_code in (500, 502, 503)
    assert response.headers["Content-Type"].startswith("text/html")
    fnac.set_faults({"rate_5xx": 0.0, "rate_429": 1.0, "retry_after": 7})
    response = raw(shop, "orders_query", shop.request("orders_query"))
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    stats = fnac.get_stats()["orders_query"]
    assert (stats["5xx"], stats["429"], stats["calls"]) == (1, 1, 2)


def test_corrupted_answers_are_cut_xml(shop, fnac):
    fnac.create_orders(FNAC, 3)
    fnac.set_faults({"rate_corrupt": 1.0})
    response = raw(shop, "orders_query", shop.request("orders_query"))
    assert response.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)


def test_expired_credentials_answer_the_token_error_document(shop, fnac):
    fnac.set_faults({"expired_credentials": True})
    for service, inner in (("orders_query", ""), ("messages_query", "")):
        root = shop.call(service, inner)  # valid against the service's XSD
        assert root.get("status") == "ERROR"
        assert errors(root) == [("ERR_002", "Invalid or expired token")]
    status, root = shop.post(
        "pricing_query",
        shop.request(
            "pricing_query",
            '<product_reference type="Ean">3760420000000</product_reference>',
        ),
    )
    (product,) = root.findall(q("pricing_product"))
    assert errors(product)[0][0] == "ERR_002"


def test_stats_are_per_operation_and_per_token(shop, fnac):
    shop.call("carriers_query", "<query>all</query>")
    shop.call("orders_query")
    shop.call("orders_query")
    stats = fnac.get_stats()
    assert stats["auth"]["calls"] == 1 and stats["orders_query"]["calls"] == 2
    callers = fnac.stats.by_caller()
    assert callers[shop.token]["orders_query"]["calls"] == 2
    assert callers[FNAC]["auth"]["calls"] == 1


def test_call_frequency_limits_one_operation_per_token(shop, fnac):
    fnac.set_faults({"call_frequency": {"orders_query": 60}})
    assert shop.call("orders_query").get("status") == "OK"
    response = raw(shop, "orders_query", shop.request("orders_query"))
    assert response.status_code == 429
    assert shop.call("carriers_query", "<query>all</query>").get("status") == "OK"


@needs_xsd
def test_requests_are_validated_against_the_official_xsd(shop, fnac):
    # paging after a filter: the XSD's sequence is violated
    root = shop.call("orders_query", "<state>Created</state><paging>1</paging>")
    assert root.get("status") == "ERROR"
    (code, text), *_rest = errors(root)
    assert code == "ERR_096" and text.startswith("XML Validation failed: ")
    # an order id of 12 characters, an unknown detail action
    bad = (
        '<order order_id="ABCDEF012345" action="accept_order">'
        "<order_detail><action>Maybe</action></order_detail></order>"
    )
    assert errors(shop.call("orders_update", bad))[0][0] == "ERR_096"
    fnac.schemas = None  # without XSDs, the emulator's own checks only
    assert (
        shop.call("orders_query", "<state>Created</state><paging>1</paging>").get(
            "status"
        )
        == "OK"
    )


@needs_xsd
def test_the_xsd_directory_comes_from_the_environment_too(monkeypatch):
    from tests.conftest import FNAC_XSD_DIR

    monkeypatch.setenv("MPHUB_FNAC_XSD_DIR", str(FNAC_XSD_DIR))
    assert FnacEmulator().schemas is not None
    monkeypatch.delenv("MPHUB_FNAC_XSD_DIR")
    assert FnacEmulator().schemas is None
    assert FnacEmulator(xsd_dir="/nowhere").schemas is None


def test_a_root_out_of_the_namespace_or_at_the_wrong_url_is_refused(shop):
    response = raw(shop, "orders_query", '<orders_query partner_id="x" shop_id="y"/>')
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == q("response") and root.get("status") == "ERROR"
    response = raw(shop, "orders_query", shop.request("orders_update"))
    assert etree.fromstring(response.content).get("status") == "ERROR"
    response = raw(shop, "orders_query", "not xml")
    assert etree.fromstring(response.content).get("status") == "ERROR"


def test_a_missing_header_attribute_is_refused(shop):
    body = (
        f'<orders_query xmlns="{NS}" partner_id="{PARTNER_ID}" token="{shop.token}"/>'
    )
    status, root = shop.post("orders_query", body, validate=False)
    assert root.get("status") == "ERROR"
    assert errors(root)[0][0] in ("ERR_096", "ERR_003")


def test_every_service_has_its_route(fnac):
    routes = {(route.pattern.pattern, route.operation) for route in fnac.routes}
    assert routes == {(f"/api.php/{service}", service) for service in SERVICES}


def test_index_shows_the_partner_shops_and_keys(fnac_url, fnac):
    fnac.create_orders(FNAC, 2)
    index = requests.get(
        fnac_url + "/", headers={"Accept": "application/json"}, timeout=5
    ).json()
    (entry,) = [e for e in index["emulators"] if e["name"] == "fnac"]
    assert entry["title"] == "Fnac Darty"
    assert [a["name"] for a in entry["accounts"]] == ["Sandbox Fnac", "Sandbox Darty"]
    assert entry["accounts"][0]["orders"] == 2
    assert entry["credentials"] == {"partner_id": PARTNER_ID}


def test_admin_routes_drive_the_store(fnac_url, fnac):
    def admin(method, path, body=None):
        response = requests.request(
            method, f"{fnac_url}/_sandbox/{path}", json=body, timeout=5
        )
        assert response.ok, response.text
        return response.json()

    (order_id,) = admin(
        "POST", "orders", {"shop": FNAC, "count": 1, "state": "ToShip"}
    )["order_ids"]
    assert admin("GET", f"orders/{order_id}")["state"] == "ToShip"
    assert (
        admin("POST", f"orders/{order_id}/state", {"state": "Received"})["state"]
        == "Received"
    )
    assert admin("GET", f"shipments/{order_id}") == []
    message = admin("POST", "messages", {"order_id": order_id, "text": "Bonjour"})[
        "message_id"
    ]
    assert fnac.store.message_record(FNAC, message)["body"] == "Bonjour"
    assert admin("GET", f"replies/{order_id}") == []
    assert admin("POST", "incidents", {"order_id": order_id, "reason": "Cassé"})[
        "incident_id"
    ]
    assert admin("POST", "offers", {"shop": FNAC, "count": 2})["offers"] == [
        "MPH-0001",
        "MPH-0002",
    ]
    assert set(admin("GET", f"offers?shop={FNAC}")) == {"MPH-0001", "MPH-0002"}
    assert admin("GET", "batches") == []
    assert admin(
        "POST",
        "competitors",
        {"ean": "3760420000000", "competitors": [{"seller": "A", "price": "5"}]},
    )
    assert admin("POST", "settings", {"batch_polls": 2})["batch_polls"] == 2
    assert admin("POST", "tokens/expire") == {"expired": True}
    assert len(admin("GET", "shops")) == 2
    response = requests.get(f"{fnac_url}/_sandbox/orders/0000000000000", timeout=5)
    assert response.status_code == 404
    response = requests.post(
        f"{fnac_url}/_sandbox/settings", json={"nope": 1}, timeout=5
    )
    assert response.status_code == 400


def test_the_reset_forgets_orders_tokens_and_faults():
    emulator = FnacEmulator()
    server = EmulatorServer(emulator).start()
    try:
        shop = FnacShop(server.url)
        shop.auth()
        emulator.create_orders(FNAC, 3)
        emulator.set_faults({"rate_429": 0.5})
        requests.post(server.url + "/_sandbox/reset", timeout=5)
        assert emulator.get_faults()["rate_429"] == 0
        assert errors(shop.call("orders_query"))[0][0] == "ERR_002"
        shop.auth()
        assert shop.orders() == []
    finally:
        server.stop()
