"""The index every emulator answers at its root URL (``GET /``), over HTTP."""

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import requests
from mphub.sandbox import Sandbox
from mphub.sandbox.amazon import LWA_CLIENT_ID, LWA_CLIENT_SECRET, SELLERS
from mphub.sandbox.mirakl import DEFAULT_SHOPS, MiraklEmulator
from mphub.sandbox.server import (
    Emulator,
    EmulatorServer,
    Request,
    Response,
    link_servers,
    wants_json,
)

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def linked():
    """A sandbox as the command line serves it: emulators linked, 3 orders
    and 4 offers in each account, Amazon's faults changed."""
    with Sandbox(seed=42, faults={"amazon": {"retry_after": 7}}) as box:
        link_servers(box.servers)
        box.populate_offers(4)
        box.populate(3)
        yield box


def index(url, **headers):
    response = requests.get(url + "/", headers=headers, timeout=5)
    assert response.status_code == 200, response.text
    return response


def test_json_index_lists_every_emulator_account_and_count(linked):
    for name in ("mirakl", "amazon"):
        data = index(linked.urls[name], **JSON).json()
        assert data["answered_by"] == name
        assert data["seed"] == 42
        entries = {entry["name"]: entry for entry in data["emulators"]}
        assert {n: e["base_url"] for n, e in entries.items()} == linked.urls
    mirakl, amazon = entries["mirakl"], entries["amazon"]
    assert [
        (shop["shop_id"], shop["api_key"], shop["orders"], shop["offers"])
        for shop in mirakl["accounts"]
    ] == [(spec[0], spec[2], 3, 4) for spec in DEFAULT_SHOPS]
    assert amazon["credentials"] == {
        "lwa_client_id": LWA_CLIENT_ID,
        "lwa_client_secret": LWA_CLIENT_SECRET,
    }
    assert {
        seller["seller_id"]: (seller["refresh_token"], seller["orders"])
        for seller in amazon["accounts"]
    } == {seller_id: (token, 3) for seller_id, token in SELLERS.items()}
    assert all(seller["listings"] == 4 for seller in amazon["accounts"])
    assert mirakl["faults"] == {}
    assert amazon["faults"] == {"retry_after": 7}


def test_index_lists_the_control_endpoints_with_a_description(linked):
    data = index(linked.urls["mirakl"], **JSON).json()
    for entry in data["emulators"]:
        emulator = linked.emulators[entry["name"]]
        endpoints = {(e["method"], e["path"]) for e in entry["control_endpoints"]}
        assert len(endpoints) == len(emulator.admin_routes)
        assert ("POST", "/_sandbox/reset") in endpoints
        assert ("GET", "/_sandbox/orders/{order_id}") in endpoints
        # every admin_help entry names a real route, every route is described
        described = {f"{method} {path}" for method, path in endpoints}
        assert set(emulator.admin_help) <= described
        assert all(e["description"] for e in entry["control_endpoints"])


class _Page(HTMLParser):
    """Text and links of an HTML page."""

    def __init__(self):
        super().__init__()
        self.text, self.links = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_data(self, data):
        self.text.append(data)


def test_html_index_shows_the_keys_links_and_faults(linked):
    response = index(linked.urls["amazon"], Accept="text/html,*/*;q=0.8")
    assert response.headers["Content-Type"] == "text/html;charset=UTF-8"
    page = _Page()
    page.feed(response.text)
    text = " ".join(page.text)
    for _shop_id, name, key in DEFAULT_SHOPS:
        assert name in text and key in text
    for seller_id, token in SELLERS.items():
        assert seller_id in text and token in text
    assert LWA_CLIENT_ID in text and LWA_CLIENT_SECRET in text
    assert "retry_after" in text  # Amazon's active fault
    assert "/_sandbox/faults" in text
    for url in linked.urls.values():
        assert url + "/" in page.links
        assert url + "/_sandbox/stats" in page.links
    # a browser's default Accept, or none at all, gets the page too
    assert index(linked.urls["mirakl"]).text.startswith("<!DOCTYPE html>")


def test_the_index_meets_no_fault_nor_authentication(linked):
    amazon = linked.emulators["amazon"]
    amazon.set_faults({"expired_credentials": True, "rate_5xx": 1.0})
    try:
        stats = amazon.get_stats()
        data = index(linked.urls["amazon"], **JSON).json()
        assert amazon.get_stats() == stats  # not counted as an API call
        faults = {e["name"]: e["faults"] for e in data["emulators"]}["amazon"]
        assert faults == {"retry_after": 7, "expired_credentials": True, "rate_5xx": 1}
        api = requests.get(linked.urls["amazon"] + "/orders/v0/orders", timeout=5)
        assert api.status_code == 403
    finally:
        amazon.set_faults({"expired_credentials": False, "rate_5xx": 0.0})


def test_unknown_paths_and_other_methods_keep_the_api_404(linked):
    mirakl, amazon = linked.urls["mirakl"], linked.urls["amazon"]
    for path in ("/nope", "/index.html", "/api"):
        missing = requests.get(mirakl + path, headers=JSON, timeout=5)
        assert missing.status_code == 404
        assert missing.json()["status"] == 404
    missing = requests.get(amazon + "/nope", headers=JSON, timeout=5)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "NotFound"
    posted = requests.post(mirakl + "/", timeout=5)
    assert posted.status_code == 404
    assert posted.json() == {"status": 404, "message": "No resource at /"}
    # the API itself still answers
    version = requests.get(
        mirakl + "/api/version",
        headers={"Authorization": DEFAULT_SHOPS[0][2]},
        timeout=5,
    )
    assert version.status_code == 200


def test_an_in_process_sandbox_lists_every_emulator(sandbox):
    data = index(sandbox.urls["mirakl"], **JSON).json()
    assert sorted((e["name"], e["base_url"]) for e in data["emulators"]) == sorted(
        sandbox.urls.items()
    )


def test_an_unlinked_emulator_lists_itself_as_the_client_reached_it():
    server = EmulatorServer(MiraklEmulator()).start()
    try:
        data = index(server.url, **JSON).json()
    finally:
        server.stop()
    assert [(e["name"], e["base_url"]) for e in data["emulators"]] == [
        ("mirakl", server.url)
    ]


def test_html_escapes_every_value():
    emulator = MiraklEmulator(shops=((7, "<b>Evil & co</b>", 'key"<i>'),))
    server = EmulatorServer(emulator).start()
    try:
        page = index(server.url).text
    finally:
        server.stop()
    assert "&lt;b&gt;Evil &amp; co&lt;/b&gt;" in page
    assert "key&quot;&lt;i&gt;" in page
    assert "<b>" not in page and "<i>" not in page


class Rooted(Emulator):
    """An API with a route of its own on ``/``."""

    name = "rooted"

    def register_routes(self):
        self.route("GET", "/", "ROOT", lambda r, c: Response.json({"api": True}))


def test_an_api_route_on_the_root_wins():
    server = EmulatorServer(Rooted()).start()
    try:
        assert index(server.url, **JSON).json() == {"api": True}
    finally:
        server.stop()


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("application/json", True),
        ("application/json, */*", True),
        ("text/html,application/json;q=0.9", False),
        ("application/json;q=0.5, text/html;q=0.4", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("*/*", False),
        ("", False),
        (None, False),
        ("application/json;q=0", False),
    ],
)
def test_wants_json(accept, expected):
    assert wants_json(accept) is expected


def test_peers_listening_everywhere_take_the_host_the_client_used():
    emulator = MiraklEmulator()
    request = Request("GET", "/", {"Host": "sandbox.example:8901"}, b"")
    peers = {
        "mirakl": SimpleNamespace(emulator=emulator, host="0.0.0.0", port=8901),
        "amazon": SimpleNamespace(
            emulator=MiraklEmulator(), host="127.0.0.1", port=8902, url="http://x:1"
        ),
    }
    emulator.peers = peers
    urls = [entry["base_url"] for entry in emulator.index_data(request)["emulators"]]
    assert urls == ["http://sandbox.example:8901", "http://x:1"]
