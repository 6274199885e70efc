"""The Mirakl emulator and client agree with the official seller OpenAPI."""

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from mphub.client import Shipment
from mphub.mirakl.client import MiraklClient

from .conftest import OpenApi, load_contract

KEY = "sandbox-carrefour-key"
# documented by Mirakl's "offset pagination and sort" notes, not per operation
PAGINATION = {"max", "offset", "paginate", "sort", "order"}


@pytest.fixture(scope="module")
def spec():
    return OpenApi(load_contract("mirakl/mirakl-mmp-seller-openapi.json"))


def get(url, path, **params):
    response = requests.get(
        url + path, headers={"Authorization": KEY}, params=params, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_or11_orders_in_every_state(spec, mirakl, mirakl_url):
    ids = mirakl.create_orders(2001, 40, unknown_sku_share=0.1)
    for state in ("SHIPPING", "SHIPPED", "CLOSED", "REFUSED", "CANCELED", "STAGING"):
        mirakl.create_orders(2001, 2, state=state)
    client = MiraklClient(mirakl_url, KEY)
    # accepted, then shipped with a tracking number
    lines = client.get_orders([ids[0]])[0]["order_lines"]
    client.accept_order(ids[0], {x["order_line_id"]: True for x in lines})
    client.ship_order(ids[0], Shipment(tracking_number="6A1", carrier_code="COLISSIMO"))
    body = get(mirakl_url, "/api/orders", max=100)
    assert body["total_count"] == 52
    assert spec.response_errors("/api/orders", "get", body) == []
    states = {order["order_state"] for order in body["orders"]}
    assert {"WAITING_ACCEPTANCE", "SHIPPED", "CANCELED", "REFUSED"} <= states
    assert any("organization" in o["customer"] for o in body["orders"])


def test_a01_sh21(spec, mirakl_url):
    assert (
        spec.response_errors("/api/account", "get", get(mirakl_url, "/api/account"))
        == []
    )
    carriers = get(mirakl_url, "/api/shipping/carriers")
    assert spec.response_errors("/api/shipping/carriers", "get", carriers) == []


def test_the_client_sends_what_the_spec_describes(spec, mirakl, mirakl_url):
    (order_id,) = mirakl.create_orders(2001, 1, lines=(2, 2))
    client = MiraklClient(mirakl_url, KEY, shop_id=2001)
    sent = []
    client.transport.session.hooks["response"].append(
        lambda response, *args, **kwargs: sent.append(response.request)
    )
    client.list_orders(datetime.now(timezone.utc) - timedelta(hours=1))
    lines = client.get_orders([order_id])[0]["order_lines"]
    client.accept_order(order_id, {x["order_line_id"]: True for x in lines})
    client.ship_order(
        order_id,
        Shipment(tracking_number="6A1", carrier_name="Local", carrier_url="https://t"),
    )
    client.list_carriers()
    client.test_connection()
    paths = {
        "/api/orders": ("get", None),
        f"/api/orders/{order_id}/accept": ("put", "/api/orders/{order_id}/accept"),
        f"/api/orders/{order_id}/tracking": ("put", "/api/orders/{order_id}/tracking"),
        f"/api/orders/{order_id}/ship": ("put", "/api/orders/{order_id}/ship"),
        "/api/shipping/carriers": ("get", None),
        "/api/account": ("get", None),
    }
    seen = set()
    for request in sent:
        parts = urlsplit(request.url)
        method, template = paths[parts.path]
        template = template or parts.path
        assert request.method.lower() == method
        seen.add(template)
        declared = spec.parameters(template, method) | PAGINATION
        assert set(parse_qs(parts.query)) <= declared, parts.query
        if request.body:
            import json

            assert spec.request_errors(template, method, json.loads(request.body)) == []
    assert len(seen) == 6


def test_every_emulated_route_is_in_the_spec(spec, mirakl):
    for method, pattern, operation, _handler in mirakl.routes:
        path = pattern.pattern.strip("^$").replace("(?P<order_id>[^/]+)", "{order_id}")
        assert method.lower() in spec.spec["paths"][path], (operation, path)
        assert spec.operation(path, method.lower())["operationId"] == operation
