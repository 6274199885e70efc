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


# ----------------------------------------------------------------------
# Amazon: the emulator served alone, and the real python-amazon-sp-api
# ----------------------------------------------------------------------
def pytest_configure(config):
    config.addinivalue_line(
        "markers", "amazon(**options): AmazonEmulator options of amazon_server"
    )


@pytest.fixture
def amazon_server(request):
    """An Amazon emulator on a free port; ``@pytest.mark.amazon(...)`` passes
    keyword arguments (default: ``rate_scale=1000``, feeds done at once)."""
    from mphub.sandbox.amazon import AmazonEmulator
    from mphub.sandbox.server import EmulatorServer

    marker = request.node.get_closest_marker("amazon")
    options = {"rate_scale": 1000, "feed_processing_seconds": 0}
    options.update(marker.kwargs if marker else {})
    server = EmulatorServer(AmazonEmulator(**options)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def amazon(amazon_server):
    return amazon_server.emulator


@pytest.fixture
def sp_client(amazon_server):
    """``sp_client(ApiClass, seller=1, **kwargs)``: a real sp_api client
    pointed at the emulator (LWA included)."""
    import types

    import sp_api.auth.access_token_client as token_cache
    from mphub.sandbox.amazon import FR, LWA_CLIENT_ID, LWA_CLIENT_SECRET, SELLERS
    from sp_api.auth import AccessTokenClient

    url = amazon_server.url
    token_cache.cache.clear()

    class SandboxLWA(AccessTokenClient):
        scheme = "http://"
        host = url.removeprefix("http://")

    def make(cls, seller=1, marketplace=FR, refresh_token=None, **kwargs):
        market = types.SimpleNamespace(
            endpoint=url, marketplace_id=marketplace, region="eu-west-1"
        )
        credentials = {
            "refresh_token": refresh_token or list(SELLERS.values())[seller - 1],
            "lwa_app_id": LWA_CLIENT_ID,
            "lwa_client_secret": LWA_CLIENT_SECRET,
        }
        return cls(
            market,
            credentials=credentials,
            auth_token_client_class=SandboxLWA,
            **kwargs,
        )

    yield make
    token_cache.cache.clear()
