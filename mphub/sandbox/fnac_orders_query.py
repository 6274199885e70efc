"""The orders_query service of the Fnac Darty emulator.

Filters (OrdersQueryService.xsd), every kind ANDed, the values of one kind
ORed: ``date type=...`` with ``min``/``max`` (both inclusive; offset-less:
Europe/Paris; an order without that date is left out), ``state`` and
``states/state``, ``order_fnac_id`` and ``orders_fnac_id/order_fnac_id`` (at
most 50 in ``orders_fnac_id``, ERR_107), ``product_fnac_id``,
``offer_fnac_id``, ``offer_seller_id`` (an order with such a line).
``UpdatedAt`` is the store's last change of the order (the order element
carries no update date). Sorted by the date of the first ``date`` filter
(else CreatedAt), then by order id, ``sort_by`` ASC (default) or DESC:
stable across pages. ``results_count``: the page size, default 100, at most
500 (more is served as 500: ``nb_total_per_page`` says it); ``paging``:
1-based.
"""

from datetime import datetime, timezone

from .fnac_data import ORDER_STATES
from .fnac_requests import (
    date_windows,
    fail,
    in_window,
    page_number,
    page_of,
    page_size,
    sort_direction,
    text_of,
    texts,
)
from .fnac_xml import answer, order_el, paging_el

MAX_PAGE = 500
MAX_IDS = 50
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HISTORY_DATES = {
    "AcceptedAt": ("Accepted", "ToShip"),
    "ShippedAt": ("Shipped",),
    "CancelledAt": ("Cancelled",),
}
_LINE_DATES = {"ReceivedAt": "received", "DebitedAt": "debited", "RefusedAt": "refused"}
DATE_TYPES = ("CreatedAt", "UpdatedAt", *_HISTORY_DATES, *_LINE_DATES)


def order_date(order, kind):
    """The order's date of a ``date`` filter type (None: it has none)."""
    if kind == "CreatedAt":
        return order.created
    if kind == "UpdatedAt":
        return order.updated
    if kind in _HISTORY_DATES:
        states = _HISTORY_DATES[kind]
        return next((when for when, state in order.history if state in states), None)
    moments = [getattr(line, _LINE_DATES[kind]) for line in order.lines]
    moments = [moment for moment in moments if moment is not None]
    return min(moments) if moments else None


class OrdersQueryMixin:
    """``_orders_query`` (the emulator gives ``store`` and ``lock``)."""

    def _orders_query(self, request, shop):
        root = request.xml()
        size, page = page_size(root, MAX_PAGE), page_number(root)
        windows = date_windows(root)
        for kind, _low, _high in windows:
            if kind not in DATE_TYPES:
                raise fail("ERR_106", f"Unknown date type {kind!r}")
        matches = _matcher(root, windows)
        descending = sort_direction(text_of(root, "sort_by")) == "DESC"
        sort_kind = windows[0][0] if windows else "CreatedAt"
        with self.lock:
            selected = [order for order in self.store.orders(shop) if matches(order)]
            selected.sort(
                key=lambda order: (
                    order_date(order, sort_kind) or EPOCH,
                    order.order_id,
                ),
                reverse=descending,
            )
            items, total_paging = page_of(selected, page, size)
            body = paging_el(page, total_paging, size, len(selected)) + "".join(
                order_el(order) for order in items
            )
        return answer("orders_query_response", "OK", body)


def _matcher(root, windows):
    """The predicate of the request's filters (module docstring)."""
    states = set(texts(root, "state", "states"))
    unknown = sorted(states - set(ORDER_STATES))
    if unknown:
        raise fail("ERR_106", f"Unknown order state(s) {', '.join(unknown)}")
    ids = set(texts(root, "order_fnac_id", "orders_fnac_id", limit=MAX_IDS))
    products = set(texts(root, "product_fnac_id"))
    offers = set(texts(root, "offer_fnac_id"))
    skus = set(texts(root, "offer_seller_id"))

    def matches(order):
        if states and order.state not in states:
            return False
        if ids and order.order_id not in ids:
            return False
        for kind, low, high in windows:
            if not in_window(order_date(order, kind), low, high):
                return False
        lines = order.lines
        if products and not any(line.product_fnac_id in products for line in lines):
            return False
        if offers and not any(line.offer_fnac_id in offers for line in lines):
            return False
        return not skus or any(line.sku in skus for line in lines)

    return matches
