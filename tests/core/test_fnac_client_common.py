"""What the Fnac client tests share (no test here): the sandbox's shops, a
client on the emulator, the emulator's call counts."""

import time
from datetime import datetime, timedelta, timezone

from mphub.fnac.client import FnacClient
from mphub.sandbox.fnac_data import DEFAULT_SHOPS, PARTNER_ID
from mphub.tokens import MemoryTokenStore

(FNAC_SHOP, _FNAC, FNAC_KEY, _FR), (DARTY_SHOP, _DARTY, DARTY_KEY, _MARKET) = (
    DEFAULT_SHOPS[:2]
)
KEYS = {FNAC_SHOP: FNAC_KEY, DARTY_SHOP: DARTY_KEY}
LONG_AGO = datetime.now(timezone.utc) - timedelta(days=30)


def make_client(url, shop=FNAC_SHOP, **settings):
    """A client of ``shop`` on the emulator at ``url``, with its own token
    store (tests never share tokens by accident)."""
    settings = {
        "partner_id": PARTNER_ID,
        "shop_id": shop,
        "key": KEYS.get(shop, FNAC_KEY),
        "timeout": 3,
        "token_store": MemoryTokenStore(),
        **settings,
    }
    return FnacClient(url + "/api.php", **settings)


def calls(emulator, operation):
    return emulator.stats.calls(operation)


def walk_orders(client, until, since=LONG_AGO, between=None):
    """Every order of a list_orders walk, and the number of pages read;
    ``between(page_number, page)`` runs after each page. ``until`` is the
    window's end: the emulator's clock (``fnac.clock.now()``) after creating
    orders, which runs ahead of real time by a millisecond per event of a
    burst (the client's own "now" would leave those for the next run)."""
    orders, page, pages = [], None, 0
    while True:
        result = client.list_orders(since, page=page, updated_before=until)
        orders += result.orders
        pages += 1
        if between is not None:
            between(pages, result)
        page = result.next_page
        if not page:
            return orders, pages


def order_ids(orders):
    return [order["order_id"] for order in orders]


def catch_up(emulator):
    """Wait (a few milliseconds) until real time passes the emulator's
    clock, which a burst of events runs ahead: a walk ending at the client's
    "now" then holds everything made so far."""
    target = emulator.clock.now()
    while datetime.now(timezone.utc) <= target:
        time.sleep(0.001)
