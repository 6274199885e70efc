"""Mirakl seller (shop) API client.

Speaks to one operator instance (``https://<operator>.mirakl.net`` or the
sandbox) with the shop API key in the ``Authorization`` header, as the
Mirakl seller OpenAPI describes. Operations used: A01 (account), OR11 (list
orders, offset pagination by update date), OR21 (accept/refuse lines), OR23
(tracking), OR24 (ship), SH21 (carriers); for offers (``.offers``): OF21
(listings), STO01-03 (stock), PRI01-03 (prices); for competitors
(``.competitors``): P11.
"""

from urllib.parse import quote

from ..client import MarketplaceClient, OrderPage, Outcome
from ..errors import InvalidPayload, RemoteError, TransientError
from ..http import DEFAULT_TIMEOUT, HttpTransport, clean_secret
from ..parsing import Reader, format_datetime
from .competitors import MiraklCompetitorsMixin
from .mapping import map_order, raw_status
from .offers import MiraklOffersMixin, read_offset

MAX_PAGE_SIZE = 100  # OR11 refuses more
# an OR11 walk longer than this is a server repeating pages
MAX_ORDER_OFFSET = 10_000_000
# states in which an accepted order has been (or is being) handled
ACCEPTED_STATES = frozenset(
    {
        "WAITING_DEBIT",
        "WAITING_DEBIT_PAYMENT",
        "SHIPPING",
        "SHIPPED",
        "TO_COLLECT",
        "RECEIVED",
        "CLOSED",
    }
)
SHIPPED_STATES = frozenset({"SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"})
NOT_YET_SHIPPABLE_STATES = frozenset(
    {"STAGING", "WAITING_ACCEPTANCE", "WAITING_DEBIT", "WAITING_DEBIT_PAYMENT"}
)
# seconds to wait before asking again to ship an order still being paid
NOT_YET_SHIPPABLE_DELAY = 300


class MiraklClient(MiraklCompetitorsMixin, MiraklOffersMixin, MarketplaceClient):
    capabilities = frozenset(
        {
            "accept",
            "ship",
            "listings",
            "push_stock",
            "push_prices",
            "push_status",
            "carriers",
            "competitors",
        }
    )

    def __init__(
        self,
        base_url,
        api_key,
        *,
        shop_id=None,
        timeout=DEFAULT_TIMEOUT,
        page_size=MAX_PAGE_SIZE,
    ):
        # a key pasted with a trailing newline would be refused by requests
        # with the key in the error's text
        api_key = clean_secret(api_key)
        self.shop_id = clean_secret(shop_id) or None
        self.page_size = max(1, min(int(page_size or MAX_PAGE_SIZE), MAX_PAGE_SIZE))
        self.transport = HttpTransport(
            base_url,
            headers={"Authorization": api_key, "Accept": "application/json"},
            timeout=timeout,
            secrets=(api_key,),
        )

    # -- helpers ---------------------------------------------------------
    def _params(self, **params):
        if self.shop_id:
            params["shop_id"] = self.shop_id
        return {k: v for k, v in params.items() if v is not None}

    def _order_path(self, order_id, action=""):
        path = f"/api/orders/{quote(str(order_id), safe='')}"
        return f"{path}/{action}" if action else path

    def _get_state(self, order_id):
        """The marketplace's state of an order, read again (OR11)."""
        orders = self.get_orders([order_id])
        if not orders:
            raise RemoteError(f"order {order_id} is not known to the marketplace")
        return read_order_state(orders[0])

    # -- business verbs --------------------------------------------------
    def test_connection(self):
        account = self.transport.json(
            "GET", "/api/account", operation="A01", params=self._params()
        )
        return {
            "name": account.get("shop_name"),
            "id": account.get("shop_id"),
            "currency": account.get("currency_iso_code"),
        }

    def list_orders(self, updated_since, page=None, updated_before=None):
        offset = read_offset(page, "OR11")
        body = self.transport.json(
            "GET",
            "/api/orders",
            operation="OR11",
            params=self._params(
                start_update_date=format_datetime(updated_since),
                sort="dateCreated",
                order="asc",
                max=self.page_size,
                offset=offset,
            ),
        )
        return read_order_page(body, offset, self.page_size)

    def get_orders(self, external_ids):
        result = []
        ids = [str(i) for i in external_ids]
        for start in range(0, len(ids), MAX_PAGE_SIZE):
            chunk = ids[start : start + MAX_PAGE_SIZE]
            body = self.transport.json(
                "GET",
                "/api/orders",
                operation="OR11",
                params=self._params(order_ids=",".join(chunk), max=MAX_PAGE_SIZE),
            )
            result.extend(read_order_page(body, 0, MAX_PAGE_SIZE).orders)
        return result

    def external_id(self, raw):
        order_id = raw.get("order_id") if isinstance(raw, dict) else None
        return order_id if isinstance(order_id, str) and order_id else None

    def raw_state(self, raw):
        state = raw.get("order_state") if isinstance(raw, dict) else None
        return raw_status(raw), state if isinstance(state, str) else None

    def map_order(self, raw):
        return map_order(raw)

    def accept_order(self, external_id, decisions, raw=None):
        body = {
            "order_lines": [
                {"id": line_id, "accepted": bool(accepted)}
                for line_id, accepted in decisions.items()
            ]
        }
        try:
            self.transport.request(
                "PUT",
                self._order_path(external_id, "accept"),
                operation="OR21",
                params=self._params(),
                json=body,
            )
        except RemoteError as err:
            if err.status != 400:
                raise
            # maybe our previous attempt went through: read the order again
            state = self._get_state(external_id)
            wanted_any = any(decisions.values())
            if (wanted_any and state in ACCEPTED_STATES) or (
                not wanted_any and state == "REFUSED"
            ):
                return Outcome.ALREADY
            raise RemoteError(
                f"OR21: order {external_id} is {state} on the marketplace: {err}",
                status=err.status,
                code=err.code,
            ) from err
        return Outcome.DONE

    def ship_order(self, external_id, shipment):
        if shipment.tracking_number or shipment.carrier_code or shipment.carrier_name:
            tracking = {
                "carrier_code": shipment.carrier_code,
                "carrier_name": shipment.carrier_name,
                "carrier_url": shipment.carrier_url,
                "tracking_number": shipment.tracking_number,
            }
            try:
                self.transport.request(
                    "PUT",
                    self._order_path(external_id, "tracking"),
                    operation="OR23",
                    params=self._params(),
                    json={k: v for k, v in tracking.items() if v},
                )
            except RemoteError as err:
                if err.status != 400:
                    raise
                outcome = self._after_refused_shipping(external_id, err, "OR23")
                if outcome:
                    return outcome
        try:
            self.transport.request(
                "PUT",
                self._order_path(external_id, "ship"),
                operation="OR24",
                params=self._params(),
            )
        except RemoteError as err:
            if err.status != 400:
                raise
            return self._after_refused_shipping(external_id, err, "OR24", final=True)
        return Outcome.DONE

    def _after_refused_shipping(self, external_id, err, operation, final=False):
        state = self._get_state(external_id)
        if state in SHIPPED_STATES:
            return Outcome.ALREADY
        if state in NOT_YET_SHIPPABLE_STATES:
            raise TransientError(
                f"{operation}: order {external_id} is {state}, not ready to ship yet",
                retry_after=NOT_YET_SHIPPABLE_DELAY,
            ) from err
        if final or state != "SHIPPING":
            raise RemoteError(
                f"{operation}: order {external_id} is {state} on the marketplace: "
                f"{err}",
                status=err.status,
                code=err.code,
            ) from err
        # OR23 refused while the order can still ship: the tracking data is
        # at fault, report it
        raise err

    def list_carriers(self):
        """SH21: the operator's carriers, as ``{code, label, standard_code,
        tracking_url}`` dicts with a code."""
        body = self.transport.json(
            "GET", "/api/shipping/carriers", operation="SH21", params=self._params()
        )
        return read_carriers(body)


def read_order_page(body, offset, page_size):
    """The ``OrderPage`` of an OR11 answer read from ``offset``: the raw
    orders (mapped later, each on its own) and the next offset. Offsets only
    grow and ``MAX_ORDER_OFFSET`` bounds the walk."""
    orders = body.get("orders") if isinstance(body, dict) else None
    if not isinstance(orders, list):
        raise TransientError("OR11: the answer has no order list")
    reader = Reader()
    total = reader.count(body, "total_count", "OR11")
    reader.raise_if_errors()
    next_offset = offset + len(orders)
    if total is None:
        more = len(orders) >= page_size
    else:
        more = bool(orders) and next_offset < total
    if more and next_offset >= MAX_ORDER_OFFSET:
        raise InvalidPayload(
            f"OR11: paging goes on past {MAX_ORDER_OFFSET} orders"
            f" (total_count {total!r})"
        )
    return OrderPage(
        orders=orders, next_page=str(next_offset) if more else None, total=total
    )


def read_order_state(order):
    """The ``order_state`` of an OR11 order record, a known text."""
    reader = Reader()
    if not isinstance(order, dict):
        raise InvalidPayload("OR11: the order record is not an object")
    state = reader.identifier(order, "order_state", "OR11")
    reader.raise_if_errors()
    return state


def read_carriers(body):
    """The carriers of an SH21 answer; an entry without a usable code is
    left out, a wrong answer shape is ``TransientError``."""
    carriers = body.get("carriers") if isinstance(body, dict) else None
    if not isinstance(carriers, list):
        raise TransientError("SH21: the answer has no carrier list")
    result = []
    for entry in carriers:
        reader = Reader()
        code = reader.identifier(entry, "code", "carrier")
        carrier = {
            "code": code,
            "label": reader.text(entry, "label", "carrier", max_length=200) or "",
            "standard_code": reader.identifier(
                entry, "standard_code", "carrier", required=False
            ),
            "tracking_url": reader.text(
                entry, "tracking_url", "carrier", max_length=1000
            ),
        }
        if not reader.errors:
            result.append(carrier)
    return result
