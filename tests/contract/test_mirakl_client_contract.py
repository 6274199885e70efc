"""The Mirakl client (``mphub.mirakl``) sends what the official seller
OpenAPI describes: paths, methods, query parameters and request bodies,
recorded while it works against the emulator."""

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from mphub.client import Shipment
from mphub.mirakl.client import MiraklClient

from .conftest import OpenApi, load_contract

KEY = "sandbox-carrefour-key"
PAGINATION = {"max", "offset", "paginate", "sort", "order"}


@pytest.fixture(scope="module")
def spec():
    return OpenApi(load_contract("mirakl/mirakl-mmp-seller-openapi.json"))


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
    order_path = "/api/orders/{order_id}"
    templates = {
        "/api/orders": "/api/orders",
        f"/api/orders/{order_id}/accept": order_path + "/accept",
        f"/api/orders/{order_id}/tracking": order_path + "/tracking",
        f"/api/orders/{order_id}/ship": order_path + "/ship",
        "/api/shipping/carriers": "/api/shipping/carriers",
        "/api/account": "/api/account",
    }
    seen = set()
    for request in sent:
        parts = urlsplit(request.url)
        template = templates[parts.path]
        method = request.method.lower()
        assert method in spec.spec["paths"][template]
        seen.add(template)
        declared = spec.parameters(template, method) | PAGINATION
        assert set(parse_qs(parts.query)) <= declared, parts.query
        if request.body:
            body = json.loads(request.body)
            assert spec.request_errors(template, method, body) == []
    assert seen == set(templates.values())
