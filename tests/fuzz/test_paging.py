"""Paging loops end, even when the server repeats its tokens or pages."""

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mphub.amazon import answers
from mphub.amazon.client import AmazonClient
from mphub.errors import InvalidPayload, MphubError
from mphub.mirakl import client as mirakl_client
from mphub.mirakl import offers as mirakl_offers
from mphub.mirakl.client import MiraklClient

from .fuzzing import fuzz_settings
from .samples import AMAZON_ITEM, AMAZON_LISTING, FR, MIRAKL_OFFER

SINCE = datetime(2026, 1, 1, tzinfo=timezone.utc)
LOOP_GUARD = 10_000  # iterations a test walk may take before it is a loop


@fuzz_settings
@given(tokens=st.lists(st.sampled_from(["A", "B", "C", "D", None]), max_size=200))
def test_a_listing_walk_ends_whatever_tokens_the_server_gives(tokens):
    """The server answers page n with token ``tokens[n]`` (then no token):
    the walk ends at the end or with InvalidPayload on a repeat."""
    page, served = None, 0
    for _ in range(LOOP_GUARD):
        token = tokens[served] if served < len(tokens) else None
        served += 1
        payload = {
            "items": [AMAZON_LISTING],
            "numberOfResults": 1,
            "pagination": {"nextToken": token} if token else {},
        }
        try:
            result = answers.read_listing_page(
                payload, FR, answers.PageTokens.load(page)
            )
        except InvalidPayload as err:
            assert "repeats" in str(err)
            return
        page = result.next_page
        if page is None:
            return
    pytest.fail("the walk did not end")


class _Server:
    """A tiny HTTP server answering every GET with ``answer(path)``."""

    def __init__(self, answer):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self):
                outer.calls += 1
                body = json.dumps(answer(self.path)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _reply

            def log_message(self, *args):
                pass

        self.calls = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _amazon_answer(path):
    if path.startswith("/auth/o2/token"):
        return {"access_token": "Atza|x", "token_type": "bearer", "expires_in": 3600}
    if path.startswith("/orders/2026-01-01/orders"):
        return {"orders": [], "pagination": {"nextToken": "SAME"}}
    if "/orderItems" in path:
        # the same NextToken forever
        return {"payload": {"OrderItems": [AMAZON_ITEM], "NextToken": "SAME"}}
    return {"items": [AMAZON_LISTING], "pagination": {"nextToken": "SAME"}}


def _amazon_client(server, **options):
    return AmazonClient(
        server.url,
        "Atzr|refresh",
        "amzn1.application-oa2-client.x",
        "secret",
        "A1SELLER",
        [FR],
        lwa_url=server.url + "/auth/o2/token",
        **options,
    )


def test_amazon_search_pages_with_a_repeated_token_end():
    """searchOrders (2026-01-01) answering the same nextToken forever."""
    server = _Server(_amazon_answer)
    try:
        client = _amazon_client(server)
        with pytest.raises(InvalidPayload, match="repeats"):
            page = None
            for _ in range(LOOP_GUARD):
                page = client.list_orders(SINCE, page).next_page
                assert page is not None
        assert server.calls <= 5  # token, first page, the repeat
    finally:
        server.close()


def test_amazon_item_pages_with_a_repeated_token_end():
    server = _Server(_amazon_answer)
    try:
        client = _amazon_client(server, orders_version="v0")
        with pytest.raises(InvalidPayload, match="repeats"):
            client.orders_api._items("402-1234567-1234567")
        assert server.calls <= 5  # token, first page, the repeat
        first = client.list_listings()
        with pytest.raises(InvalidPayload, match="repeats"):
            client.list_listings(first.next_page)
    finally:
        server.close()


def test_mirakl_walks_end_when_the_server_ignores_the_offset(monkeypatch):
    """OF21 and OR11 answer the same full page whatever the offset, without
    a total: offsets only grow and the bound ends the walk."""
    monkeypatch.setattr(mirakl_offers, "MAX_LISTING_OFFSET", 1000)
    monkeypatch.setattr(mirakl_client, "MAX_ORDER_OFFSET", 1000)

    def answer(path):
        if path.startswith("/api/offers"):
            return {"offers": [MIRAKL_OFFER] * 100}
        return {"orders": [{"order_id": "X"}] * 100}

    server = _Server(answer)
    try:
        client = MiraklClient(server.url, "key")
        for walk in (
            lambda page: client.list_listings(page=page),
            lambda page: client.list_orders(SINCE, page=page),
        ):
            page = None
            for _ in range(LOOP_GUARD):
                try:
                    page = walk(page).next_page
                except MphubError:
                    break
                if page is None:
                    break
            else:
                pytest.fail("the walk did not end")
    finally:
        server.close()
