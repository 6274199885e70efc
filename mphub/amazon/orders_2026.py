"""Orders API v2026-01-01 behind the Amazon client's order verbs.

- ``list_orders``: searchOrders on the import window (lastUpdatedAfter and
  lastUpdatedBefore, ``IMPORT_LAG`` before now at the latest), on every
  marketplace of the account (python-amazon-sp-api would send its first
  one only), 100 orders a page, with every dataset the mapping needs
  (``mapping_2026.INCLUDED_DATA``): everything comes in the search, no
  getOrder per order (searchOrders allows one call every 3 minutes past
  its burst, getOrder two a second). Every following page repeats every
  parameter with the server's token: our page token carries the query,
  the server's token and the digests of the tokens used (``PageTokens``:
  a token seen before is an error, not a loop). The server's tokens live
  24 hours: a token refused (a job retried a day later) walks the window
  again from its start, the run's cursor, which loses nothing (the orders
  already stored are unchanged), at most ``MAX_RESTARTS`` times a run.
- ``get_orders``: one getOrder each (there is no order-id filter), the
  missing ones left out.
- ``confirm_shipment``: Amazon keeps v0's confirmShipment; what it reads
  first (items, quantities shipped, status, marketplace) comes from
  getOrder with FULFILLMENT.
"""

import json
import logging
from datetime import datetime, timezone

from sp_api.api import Orders

from ..client import OrderPage
from ..errors import InvalidPayload, NotFound, RemoteError
from ..parsing import format_datetime, identifier_problem
from . import mapping_2026
from .answers import PageTokens, read_order, read_search_page, shippable_items

_logger = logging.getLogger(__name__)

VERSION = "2026-01-01"
PAGE_SIZE = 100
MAX_ORDER_PAGES = 100_000  # searchOrders pages of one import run
MAX_RESTARTS = 3  # walks of a window again after a refused page token
SHIPMENT_DATA = ("FULFILLMENT",)  # what confirmShipment needs of getOrder
QUERY_KEYS = frozenset(
    {
        "lastUpdatedAfter",
        "lastUpdatedBefore",
        "marketplaceIds",
        "maxResultsPerPage",
        "includedData",
    }
)


class Orders20260101:
    """The client's order verbs on Orders API v2026-01-01."""

    version = VERSION

    def __init__(self, client):
        self.client = client

    def map_order(self, raw):
        return mapping_2026.map_order(raw)

    def _orders(self):
        return self.client.api(Orders, version=VERSION)

    # ------------------------------------------------------------------
    # import
    # ------------------------------------------------------------------
    def list_orders(self, updated_since, page=None, updated_before=None):
        state = _search_state(page)
        if state is None:
            until = (
                updated_before or datetime.now(timezone.utc) - self.client.import_lag
            )
            state = {
                "query": self._query(updated_since, until),
                "tokens": PageTokens(),
                "restarts": 0,
            }
        response = self._search(state)
        orders, token = read_search_page(
            self.client.expect(response, "orders"),
            getattr(response, "pagination", None),
        )
        tokens = state["tokens"].advance(
            token, "searchOrders.pagination.nextToken", MAX_ORDER_PAGES
        )
        following = None
        if tokens is not None:
            following = _dump_state(state["query"], tokens, state["restarts"])
        return OrderPage(orders=orders, next_page=following)

    def _query(self, updated_since, until):
        return {
            "lastUpdatedAfter": format_datetime(updated_since),
            "lastUpdatedBefore": format_datetime(until),
            # every marketplace of the account: the library would add its
            # first one only
            "marketplaceIds": list(self.client.marketplace_ids),
            "maxResultsPerPage": PAGE_SIZE,
            "includedData": list(mapping_2026.INCLUDED_DATA),
        }

    def _search(self, state):
        """One searchOrders call of the walk ``state``; a page token refused
        (expired after 24 hours) starts the window again (``state`` is
        updated)."""
        search = self._orders().search_orders
        tokens = state["tokens"]
        if not tokens.token:
            return self.client.call("searchOrders", search, **state["query"])
        try:
            return self.client.call(
                "searchOrders",
                search,
                **state["query"],
                paginationToken=tokens.token,
            )
        except RemoteError as err:
            if err.status != 400 or state["restarts"] >= MAX_RESTARTS:
                raise
            _logger.warning(
                "searchOrders refused the page token (%s): the window is read "
                "again from its start",
                err,
            )
        # the seen tokens go: the server may give the same ones again
        state["tokens"] = PageTokens(None, (), tokens.pages)
        state["restarts"] += 1
        return self.client.call("searchOrders", search, **state["query"])

    # ------------------------------------------------------------------
    # known orders
    # ------------------------------------------------------------------
    def _get_order(self, external_id, included=mapping_2026.INCLUDED_DATA):
        response = self.client.call(
            "getOrder",
            self._orders().get_order,
            external_id,
            includedData=list(included),
        )
        return read_order(self.client.expect(response, "order"))

    def get_orders(self, external_ids):
        raws = []
        for external_id in external_ids:
            try:
                raws.append(self._get_order(external_id))
            except NotFound:
                continue
        return raws

    def confirm_shipment(self, external_id, shipment):
        raw = self._get_order(external_id, SHIPMENT_DATA)
        fulfillment = raw.get("fulfillment")
        status = mapping_2026.status_code(raw) or (
            fulfillment.get("fulfillmentStatus")
            if isinstance(fulfillment, dict)
            else None
        )
        return self.client.declare_shipment(
            external_id,
            shipment,
            shippable_items(raw.get("orderItems"), v2026=True),
            status,
            _marketplace_of(raw),
        )


def _search_state(page):
    """The walk our page token carries (query, ``PageTokens``, restarts);
    None for a first page, or for a page token of Orders v0 (the account
    was switched during a run: the window starts again)."""
    if not page:
        return None
    try:
        loaded = json.loads(page)
    except (TypeError, ValueError, RecursionError):
        loaded = None
    if not isinstance(loaded, dict):
        raise InvalidPayload(f"searchOrders: page token {str(page)[:40]!r} is not ours")
    if loaded.get("api") != VERSION:
        return None
    query, token = loaded.get("query"), loaded.get("token")
    seen, pages = loaded.get("seen"), loaded.get("pages")
    restarts = loaded.get("restarts")
    if not (
        isinstance(query, dict)
        and set(query) == QUERY_KEYS
        and isinstance(token, str)
        and token
        and isinstance(seen, list)
        and all(isinstance(digest, str) for digest in seen)
        and all(
            isinstance(n, int) and not isinstance(n, bool) for n in (pages, restarts)
        )
    ):
        raise InvalidPayload("searchOrders: our page token is damaged")
    return {
        "query": query,
        "tokens": PageTokens(token, seen, pages),
        "restarts": restarts,
    }


def _dump_state(query, tokens, restarts):
    return json.dumps(
        {
            "api": VERSION,
            "query": query,
            "token": tokens.token,
            "seen": tokens.seen,
            "pages": tokens.pages,
            "restarts": restarts,
        },
        separators=(",", ":"),
    )


def _marketplace_of(raw):
    sales = raw.get("salesChannel") if isinstance(raw, dict) else None
    value = sales.get("marketplaceId") if isinstance(sales, dict) else None
    if isinstance(value, str) and not identifier_problem(value):
        return value.strip()
    return None
