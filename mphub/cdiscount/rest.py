"""Octopia Seller API v2 client (Cdiscount's REST API).

OAuth2 client credentials: a token from ``auth_url``, cached in a
``TokenStore`` (``tokens``) and renewed before it expires; every call bears
``Authorization: Bearer <token>`` and ``SellerId``. A 401 drops the token
and the call is made once more with a new one.

Orders are listed by update date (``updatedAtMin``, ``updatedAtMax`` only
for a bounded window), sorted by creation date: updates during a walk can
then only add orders (seen twice, harmless), never shift one out of the
pages read by ``pageIndex``. The page token carries the page index and the
window, ``"<pageIndex>|<updatedAtMin>|<updatedAtMax>"``.

Field names are read in ``rest_mapping``, the one place to correct them.
"""

import logging
from urllib.parse import quote

from ..client import OrderPage, Outcome
from ..errors import (
    AuthError,
    ConfigError,
    InvalidPayload,
    NotFound,
    RemoteError,
    TransientError,
)
from ..http import DEFAULT_TIMEOUT, HttpTransport, clean_secret
from ..offers import ListingPage
from ..parsing import format_datetime, parse_datetime
from ..tokens import TokenKeeper, expiry
from . import rest_mapping
from .common import REST_DEAD_LINE_STATES, SALES_CHANNEL, tracking_link

_logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100  # GET /orders refuses more
TOKEN_LIFETIME = 7200  # seconds, when the token answer says nothing
# statuses in which an accepted order has been (or is being) handled
ACCEPTED_STATES = frozenset({"Accepted", "InPreparation", "Shipped", "Delivered"})
SHIPPED_STATES = frozenset({"Shipped", "Delivered"})
NOT_YET_SHIPPABLE_STATES = frozenset({"Processing", "WaitingAcceptance", "Accepted"})
NOT_YET_ACCEPTABLE_STATES = frozenset({"Processing"})
# seconds to wait before asking again to ship an order not paid yet
NOT_YET_DELAY = 300
STATE_CONFLICT = 409  # the answer to an action the order's state forbids


def _refused_token(err):
    return isinstance(err, AuthError) and err.status == 401


class OctopiaRest:
    """The REST generation behind ``CdiscountClient``."""

    def __init__(
        self,
        *,
        api_url,
        auth_url,
        client_id,
        client_secret,
        seller_id,
        sales_channel=SALES_CHANNEL,
        timeout=DEFAULT_TIMEOUT,
        token_store=None,
        page_size=MAX_PAGE_SIZE,
    ):
        self.client_id = clean_secret(client_id)
        self._secret = clean_secret(client_secret)
        self.seller_id = clean_secret(seller_id)
        if not (self.client_id and self._secret):
            raise ConfigError("The Octopia client id and client secret are not set.")
        if not self.seller_id:
            raise ConfigError("The Cdiscount seller id is not set.")
        self.sales_channel = clean_secret(sales_channel) or SALES_CHANNEL
        self.page_size = max(1, min(int(page_size or MAX_PAGE_SIZE), MAX_PAGE_SIZE))
        self.transport = HttpTransport(
            api_url,
            headers={"SellerId": self.seller_id, "Accept": "application/json"},
            timeout=timeout,
            secrets=(self._secret,),
            error_parser=rest_mapping.problem_parser,
        )
        self.auth = HttpTransport(
            auth_url,
            headers={"Accept": "application/json"},
            timeout=timeout,
            secrets=(self._secret,),
            error_parser=rest_mapping.problem_parser,
        )
        self.tokens = TokenKeeper(
            token_store, (self.auth.base_url, self.client_id), self._fetch_token
        )
        self._carriers = None

    def close(self):
        self.transport.close()
        self.auth.close()

    listing_parts = staticmethod(rest_mapping.listing_parts)

    # -- token and calls ---------------------------------------------------------
    def _fetch_token(self):
        """``(token, expires_at)`` from the OAuth2 token endpoint."""
        body = self.auth.json(
            "POST",
            "",
            operation="token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._secret,
            },
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise TransientError("token: the answer has no access token")
        token = token.strip()
        self._mask(token)
        return token, expiry(body.get("expires_in"), default=TOKEN_LIFETIME)

    def _mask(self, token):
        """Mask ``token`` in every message of the transports from now on."""
        for transport in (self.transport, self.auth):
            if token not in transport.secrets:
                transport.secrets = (self._secret, token)

    def _call(self, method, path, operation, *, json_answer=True, **kwargs):
        """One API call with the account's token (renewed once on a 401)."""

        def send(token):
            self._mask(token)
            headers = {"Authorization": f"Bearer {token}"}
            if json_answer:
                return self.transport.json(
                    method, path, operation=operation, headers=headers, **kwargs
                )
            return self.transport.request(
                method, path, operation=operation, headers=headers, **kwargs
            )

        return self.tokens.call(send, _refused_token)

    @staticmethod
    def _order_path(order_id, action=""):
        path = f"/orders/{quote(str(order_id), safe='')}"
        return f"{path}/{action}" if action else path

    # -- orders ----------------------------------------------------------------
    def test_connection(self):
        body = self._call(
            "GET",
            "/orders/count",
            "countOrders",
            params={"salesChannelId": self.sales_channel},
        )
        count = body.get("count") if isinstance(body, dict) else None
        return {
            "name": f"Cdiscount seller {self.seller_id}",
            "id": self.seller_id,
            "sales_channel": self.sales_channel,
            "orders": count if isinstance(count, int) else None,
        }

    def list_orders(self, updated_since, page=None, updated_before=None):
        index, start, end = self._read_page_token(page, updated_since, updated_before)
        params = {
            "salesChannelId": self.sales_channel,
            "pageIndex": index,
            "pageSize": self.page_size,
            "updatedAtMin": start,
            "sort": "createdAt",
            "desc": "false",
        }
        if end:
            params["updatedAtMax"] = end
        body = self._call("GET", "/orders", "getOrders", params=params)
        orders, total, more = rest_mapping.read_page(
            body, "getOrders", index, self.page_size
        )
        next_page = f"{index + 1}|{start}|{end}" if more else None
        return OrderPage(orders=orders, next_page=next_page, total=total)

    @staticmethod
    def _read_page_token(page, updated_since, updated_before):
        """``(pageIndex, updatedAtMin, updatedAtMax or "")`` of a page token
        of ours, or of the first page of the window."""
        if page in (None, ""):
            end = format_datetime(updated_before) if updated_before else ""
            return 1, format_datetime(updated_since), end
        parts = str(page).split("|")
        try:
            index, start, end = parts
            if not (index.isascii() and index.isdigit() and 0 < int(index) < 10**6):
                raise ValueError(index)
            for moment in (start, end) if end else (start,):
                parse_datetime(moment)
        except ValueError:
            raise InvalidPayload(
                f"getOrders: page {str(page)[:60]!r} is not a page token"
            ) from None
        return int(index), start, end

    def get_orders(self, external_ids):
        ids = list(dict.fromkeys(str(i) for i in external_ids if i))
        wanted, found = set(ids), {}
        for start in range(0, len(ids), MAX_PAGE_SIZE):
            chunk = ids[start : start + MAX_PAGE_SIZE]
            body = self._call(
                "GET",
                "/orders",
                "getOrders",
                params={
                    "salesChannelId": self.sales_channel,
                    "orderIds": ",".join(chunk),
                    "pageIndex": 1,
                    "pageSize": MAX_PAGE_SIZE,
                },
            )
            orders, _total, _more = rest_mapping.read_page(
                body, "getOrders", 1, MAX_PAGE_SIZE
            )
            for raw in orders:
                order_id = rest_mapping.external_id(raw)
                if order_id in wanted:
                    found.setdefault(order_id, raw)
        return [found[i] for i in ids if i in found]

    def get_order(self, external_id):
        """The raw order, read again; ``RemoteError`` when unknown."""
        try:
            raw = self._call("GET", self._order_path(external_id), "getOrder")
        except NotFound:
            raise RemoteError(
                f"order {external_id} is not known to Cdiscount", status=404
            ) from None
        if not isinstance(raw, dict) or rest_mapping.external_id(raw) is None:
            raise TransientError(f"getOrder: the answer for {external_id} is no order")
        return raw

    # -- acceptance ------------------------------------------------------------
    def accept_order(self, external_id, decisions, raw=None):
        """Accept the lines decided True, refuse the others: the whole order
        at once when all decisions agree, else the refused lines then the
        accepted ones (two approval calls)."""
        refused = sorted(str(i) for i, ok in decisions.items() if not ok)
        accepted = sorted(str(i) for i, ok in decisions.items() if ok)
        if not accepted:
            return self._approve(external_id, "Refused", None, refused)
        if refused:
            self._approve(external_id, "Refused", refused, refused)
        return self._approve(external_id, "Accepted", accepted if refused else None)

    def _approve(self, external_id, decision, line_ids, targets=None):
        """One approval call; after a state conflict, ``Outcome.ALREADY``
        when the order (or ``targets``, the lines refused) already is as
        asked."""
        body = {"approvalStatus": decision}
        if line_ids:
            body["orderLineIds"] = line_ids
        try:
            self._call(
                "POST",
                self._order_path(external_id, "approval-status"),
                "approveOrder",
                json_answer=False,
                json=body,
            )
        except RemoteError as err:
            if err.status != STATE_CONFLICT:
                raise
            return self._after_refused_approval(external_id, decision, targets, err)
        return Outcome.DONE

    def _after_refused_approval(self, external_id, decision, targets, err):
        raw = self.get_order(external_id)
        status = raw.get("status")
        lines = rest_mapping.order_line_states(raw)
        if decision == "Accepted" and status in ACCEPTED_STATES:
            return Outcome.ALREADY
        if decision == "Refused" and targets:
            if all(lines.get(i) in REST_DEAD_LINE_STATES for i in targets):
                return Outcome.ALREADY
        elif decision == "Refused" and status == "Refused":
            return Outcome.ALREADY
        if status in NOT_YET_ACCEPTABLE_STATES:
            raise TransientError(
                f"approveOrder: order {external_id} is {status}, not open to "
                "acceptance yet",
                retry_after=NOT_YET_DELAY,
            ) from err
        raise RemoteError(
            f"approveOrder: order {external_id} is {status} on Cdiscount: {err}",
            status=err.status,
            code=err.code,
        ) from err

    # -- shipments -------------------------------------------------------------
    def ship_order(self, external_id, shipment):
        """Declare the lines ``shipment`` completes shipped, with its parcel
        number, carrier and tracking URL. A line ships whole on Cdiscount:
        it is declared by the delivery that completes its quantity
        (``shipment.declared`` holds what earlier deliveries shipped); lines
        already shipped on Cdiscount beyond ``declared`` were declared by an
        attempt whose answer was lost (``Outcome.ALREADY``)."""
        raw = self.get_order(external_id)
        line_ids = self._shippable_lines(external_id, raw, shipment)
        if line_ids is None:
            return Outcome.ALREADY
        if not line_ids:
            return Outcome.DONE  # part of a line: declared with its rest
        name, url = self._carrier(shipment)
        parcel = {
            "parcelNumber": shipment.tracking_number,
            "carrierName": name,
            "trackingUrl": url,
            "orderLineIds": line_ids,
        }
        try:
            self._call(
                "POST",
                self._order_path(external_id, "shipments"),
                "shipOrder",
                json=[{k: v for k, v in parcel.items() if v}],
            )
        except RemoteError as err:
            if err.status != STATE_CONFLICT:
                raise
            raw = self.get_order(external_id)
            if self._shippable_lines(external_id, raw, shipment, err) is None:
                return Outcome.ALREADY
            raise
        return Outcome.DONE

    def _shippable_lines(self, external_id, raw, shipment, err=None):
        """The line ids to declare shipped now, None when every one of them
        already is shipped on Cdiscount; raises when the order cannot ship
        (yet)."""
        status = raw.get("status")
        if rest_mapping.is_fulfilment(raw):
            raise RemoteError(
                f"shipOrder: order {external_id} is fulfilled by Cdiscount, "
                "which ships it: the seller does not declare its shipment",
                status=STATE_CONFLICT,
                code="Fulfillment",
            )
        states = rest_mapping.order_line_states(raw)
        live = {i: s for i, s in states.items() if s not in REST_DEAD_LINE_STATES}
        wanted = self._completed_lines(raw, shipment, live)
        if wanted and all(live.get(i) in SHIPPED_STATES for i in wanted):
            return None
        if status in SHIPPED_STATES and not wanted:
            return None
        if status in NOT_YET_SHIPPABLE_STATES:
            raise TransientError(
                f"shipOrder: order {external_id} is {status}, not ready to ship yet",
                retry_after=NOT_YET_DELAY,
            ) from err
        if status != "InPreparation":
            raise RemoteError(
                f"shipOrder: order {external_id} is {status} on Cdiscount, it "
                "cannot be shipped",
                status=STATE_CONFLICT,
            ) from err
        return [i for i in wanted if live.get(i) not in SHIPPED_STATES]

    @staticmethod
    def _completed_lines(raw, shipment, live):
        """The live lines ``shipment`` ships the last units of (every live
        line for a shipment of the whole order)."""
        if shipment.lines is None:
            return sorted(live)
        quantities = rest_mapping.order_line_quantities(raw)
        declared = shipment.declared or {}
        return sorted(
            str(line_id)
            for line_id, quantity in shipment.lines.items()
            if str(line_id) in live
            and declared.get(line_id, 0) + quantity >= quantities.get(str(line_id), 0)
        )

    def _carrier(self, shipment):
        """``(name, tracking URL)`` of a shipment's carrier as Cdiscount knows
        it: for a ``carrier_code``, the carrier's name and its tracking link
        (``GET /carriers``, read once) unless the shipment gives a URL; else
        the free name and URL."""
        if not shipment.carrier_code:
            return shipment.carrier_name, shipment.carrier_url
        if self._carriers is None:
            self._carriers = {c["code"]: c for c in self.list_carriers()}
        carrier = self._carriers.get(shipment.carrier_code, {})
        url = shipment.carrier_url or tracking_link(
            carrier.get("tracking_url"), shipment.tracking_number
        )
        return carrier.get("label") or shipment.carrier_code, url

    def list_carriers(self):
        body = self._call("GET", "/carriers", "getCarriers")
        return rest_mapping.read_carriers(body)

    # -- offers ----------------------------------------------------------------
    def push_offers(self, rows):
        """One offer package of the rows (stock and/or price); returns its
        package id, polled with ``push_status``."""
        if not rows:
            return None
        body = self._call(
            "POST",
            "/offer-packages",
            "createOfferPackage",
            json={
                "salesChannelId": self.sales_channel,
                "type": "Update",
                "offers": [rest_mapping.offer_message(row) for row in rows],
            },
        )
        package_id = body.get("packageId") if isinstance(body, dict) else None
        if package_id in (None, "") or isinstance(package_id, bool | dict | list):
            raise TransientError("createOfferPackage: the answer has no package id")
        return str(package_id)

    def push_status(self, kind, batch_id, skus=None):
        body = self._call(
            "GET",
            f"/offer-packages/{quote(str(batch_id), safe='')}",
            "getOfferPackage",
        )
        if not isinstance(body, dict):
            raise TransientError("getOfferPackage: the answer is no package")
        return rest_mapping.read_package_status(body)

    def list_listings(self, page=None):
        index = 1
        if page not in (None, ""):
            text = str(page)
            if not (text.isascii() and text.isdigit() and 0 < int(text) < 10**6):
                raise InvalidPayload(f"getOffers: page {text[:40]!r} is not a page")
            index = int(text)
        body = self._call(
            "GET",
            "/offers",
            "getOffers",
            params={
                "salesChannelId": self.sales_channel,
                "pageIndex": index,
                "pageSize": MAX_PAGE_SIZE,
            },
        )
        listings, invalid, total, more = rest_mapping.read_listing_page(
            body, index, MAX_PAGE_SIZE
        )
        return ListingPage(
            listings=listings,
            next_page=str(index + 1) if more else None,
            total=total,
            invalid=invalid,
        )
