"""Fixtures of the sandbox tests; ``sandbox``, ``mirakl`` (the emulator) and
``mirakl_url`` come from ``tests/conftest.py``."""

import pytest
import requests

KEY = "sandbox-carrefour-key"


class MiraklShop:
    """Raw HTTP calls to the Mirakl emulator, as one shop (API key)."""

    def __init__(self, url, key=KEY):
        self.url = url
        self.session = requests.Session()
        if key:
            self.session.headers["Authorization"] = key

    def call(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, self.url + path, **kwargs)

    def orders(self, **params):
        """OR11's answer (asserting a 200)."""
        response = self.call("GET", "/api/orders", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def ids(self, **params):
        return [order["order_id"] for order in self.orders(**params)["orders"]]

    def order(self, order_id):
        (order,) = self.orders(order_ids=order_id)["orders"]
        return order

    def put(self, order_id, action, body=None):
        return self.call("PUT", f"/api/orders/{order_id}/{action}", json=body)

    def decisions(self, order_id, *accepted):
        """An OR21 body: one decision per line, all ``accepted[0]`` unless
        given line by line."""
        lines = [line["order_line_id"] for line in self.order(order_id)["order_lines"]]
        if len(accepted) == 1:
            accepted = accepted * len(lines)
        return {
            "order_lines": [
                {"id": line, "accepted": value}
                for line, value in zip(lines, accepted, strict=True)
            ]
        }

    def admin(self, method, path, body=None):
        response = requests.request(
            method, f"{self.url}/_sandbox/{path}", json=body, timeout=5
        )
        assert response.ok, response.text
        return response.json()


def error_code(response):
    """The first symbolic code of a Mirakl error answer."""
    return response.json()["errors"][0]["code"]


@pytest.fixture
def shop(mirakl_url):
    """The Carrefour sandbox shop, over HTTP."""
    return MiraklShop(mirakl_url)
