"""The Octopia seller REST API (v2) of the Cdiscount emulator.

``CdiscountRestMixin`` gives ``CdiscountEmulator`` (``cdiscount.py``) the
REST generation over the store (``cdiscount_store``), the project's reading
of Octopia's Seller API v2 (``/work/shared/marketplace_apis.md`` §4.8),
lenient with unknown parameters and keys:

- ``POST /auth/realms/maas/protocol/openid-connect/token`` (operation
  ``token``): OAuth2 client credentials -> ``{"access_token", "expires_in",
  "token_type": "Bearer"}``; 401 ``invalid_client``; at most ``token_limit``
  tokens an hour per client, then 429 with ``Retry-After``;
- under ``/seller/v2`` (``Authorization: Bearer``, ``SellerId``): orders
  (``getOrders``, ``countOrders``, ``getOrder``), ``approveOrder``,
  ``shipOrder``, ``getCarriers``, offer packages (``createOfferPackage``,
  ``getOfferPackage``) and ``getOffers``. Errors are problem details
  ``{"type", "title", "status", "detail", "errors"}``.

Renderings are cached on the order (``order.cache["rest"]``) until it
changes; a malformed order's REST-only shape defects (``amount_text``,
``quantity_text``, ``no_lines``) are applied when it is rendered.
"""

import json
import secrets
from collections import deque
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

from .cdiscount_rest_json import (
    order_json,
    render_offer,
    render_package,
    store_error,
)
from .cdiscount_store import REST_STATUSES, SALES_CHANNEL, SUPPLY_MODES, StoreError
from .server import HttpError, Response, date_arg

TOKEN_PATH = "/auth/realms/maas/protocol/openid-connect/token"
API = "/seller/v2"
TOKEN_SECONDS = 7200
TOKEN_LIMIT = 500  # tokens an hour per client
MAX_PAGE = 100
ORDER_PARAMS = (
    "salesChannelId",
    "pageIndex",
    "pageSize",
    "status",
    "supplyMode",
    "reference",
    "orderIds",
    "createdAtMin",
    "createdAtMax",
    "updatedAtMin",
    "updatedAtMax",
    "shippedAtMin",
    "shippedAtMax",
    "sort",
    "desc",
)
SORTS = {"updatedAt": "updated", "createdAt": "created"}


# ----------------------------------------------------------------------
# the API
# ----------------------------------------------------------------------
class CdiscountRestMixin:
    """The REST routes, tokens and handlers (see the module docstring)."""

    token_seconds = TOKEN_SECONDS
    token_limit = TOKEN_LIMIT

    def init_rest(self):
        """Forget every token (at start and on reset)."""
        self.rest_tokens = {}  # access token -> (seller, client id, expires at)
        self.token_issues = {}  # client id -> deque of issue times (monotonic)

    @staticmethod
    def is_rest_request(request):
        return request.path == TOKEN_PATH or request.path.startswith(API + "/")

    def register_rest_routes(self):
        order = API + "/orders/(?P<order_id>[^/]+)"
        package = API + "/offer-packages/(?P<package_id>[^/]+)"
        self.route("POST", TOKEN_PATH, "token", self.rest_token)
        self.route("GET", API + "/orders", "getOrders", self.rest_orders, ORDER_PARAMS)
        self.route(
            "GET", API + "/orders/count", "countOrders", self.rest_count, ORDER_PARAMS
        )
        self.route("GET", order, "getOrder", self.rest_order)
        self.route(
            "POST", order + "/approval-status", "approveOrder", self.rest_approve
        )
        self.route("POST", order + "/shipments", "shipOrder", self.rest_ship)
        self.route("GET", API + "/carriers", "getCarriers", self.rest_carriers)
        self.route(
            "POST",
            API + "/offer-packages",
            "createOfferPackage",
            self.rest_create_package,
        )
        self.route("GET", package, "getOfferPackage", self.rest_package)
        self.route(
            "GET",
            API + "/offers",
            "getOffers",
            self.rest_offers,
            ("salesChannelId", "pageIndex", "pageSize"),
        )

    # -- tokens --------------------------------------------------------------
    @staticmethod
    def token_form(request):
        """The token request's form fields (last value of each)."""
        try:
            form = parse_qs(request.body.decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            return {}
        return {key: values[-1] for key, values in form.items()}

    def rest_caller_key(self, request):
        """The client id: of the form on the token route, of the token else."""
        if request.path == TOKEN_PATH:
            return self.token_form(request).get("client_id", "")
        token = _bearer(request)
        entry = self.rest_tokens.get(token) if token else None
        return entry[1] if entry else (request.headers.get("Authorization") or "")

    def rest_authenticate(self, request):
        """The seller of the Bearer token, which must be the ``SellerId``'s."""
        if request.path == TOKEN_PATH:
            return None  # the handler reads the client's credentials
        token = _bearer(request)
        with self.lock:
            entry = self.rest_tokens.get(token) if token else None
        if entry is None:
            raise HttpError(401, "The access token is missing or unknown")
        seller, _client, expires = entry
        if datetime.now(timezone.utc) >= expires:
            raise HttpError(401, "The access token has expired")
        wanted = (request.headers.get("SellerId") or "").strip()
        if not wanted:
            raise HttpError(403, "The SellerId header is required")
        if wanted != str(seller.seller_id):
            raise HttpError(403, f"This token does not give access to seller {wanted}")
        return seller

    def rest_token(self, request, _caller):
        form = self.token_form(request)
        if form.get("grant_type") != "client_credentials":
            raise HttpError(
                400,
                "unsupported_grant_type: client_credentials only",
                errors=[{"code": "unsupported_grant_type"}],
            )
        client_id = form.get("client_id", "")
        seller = self.store.seller_by("client_id", client_id) if client_id else None
        if seller is None or not secrets.compare_digest(
            form.get("client_secret", "").encode(), seller.client_secret.encode()
        ):
            raise HttpError(
                401, "Invalid client credentials", errors=[{"code": "invalid_client"}]
            )
        with self.lock:
            wait = self._token_wait(client_id)
            if wait:
                raise HttpError(
                    429,
                    f"Too many tokens asked: {self.token_limit} an hour at most",
                    errors=[{"code": "too_many_requests"}],
                    headers={"Retry-After": str(wait)},
                )
            token = secrets.token_urlsafe(32)
            expires = datetime.now(timezone.utc) + timedelta(seconds=self.token_seconds)
            self.rest_tokens[token] = (seller, client_id, expires)
        return Response.json(
            {
                "access_token": token,
                "expires_in": self.token_seconds,
                "token_type": "Bearer",
            }
        )

    def _token_wait(self, client_id):
        """Seconds before ``client_id`` may have another token (0: now,
        and the token is counted)."""
        now = datetime.now(timezone.utc).timestamp()
        issues = self.token_issues.setdefault(client_id, deque())
        while issues and now - issues[0] >= 3600:
            issues.popleft()
        if len(issues) >= self.token_limit:
            return max(1, int(3600 - (now - issues[0])) + 1)
        issues.append(now)
        return 0

    def expire_rest_tokens(self):
        """Every REST token issued so far expires (the next call: 401)."""
        with self.lock:
            past = datetime.now(timezone.utc) - timedelta(seconds=1)
            self.rest_tokens = {
                t: (s, c, past) for t, (s, c, _e) in self.rest_tokens.items()
            }

    # -- orders --------------------------------------------------------------
    def _matching(self, request, seller):
        filters = _order_filters(request)
        sort = request.arg("sort") or "updatedAt"
        if sort not in SORTS:
            raise HttpError(400, f"Unknown sort {sort!r}: {', '.join(SORTS)}")
        descending = _bool(request, "desc")
        orders = [
            o for o in self.store.orders(seller) if all(test(o) for test in filters)
        ]
        attribute = SORTS[sort]
        orders.sort(
            key=lambda o: (getattr(o, attribute), o.number), reverse=bool(descending)
        )
        return orders

    def rest_orders(self, request, seller):
        index, size = _page(request)
        with self.lock:
            matching = self._matching(request, seller)
            page = matching[(index - 1) * size : index * size]
            parts = [order_json(order) for order in page]
        body = b'{"items":[%b],"pageIndex":%d,"pageSize":%d,"totalCount":%d}' % (
            b",".join(parts),
            index,
            size,
            len(matching),
        )
        return Response(200, body)

    def rest_count(self, request, seller):
        with self.lock:
            return Response.json({"count": len(self._matching(request, seller))})

    def _order(self, request, seller):
        try:
            return self.store.find_order(request.params["order_id"], seller)
        except StoreError as err:
            raise store_error(err) from err

    def rest_order(self, request, seller):
        with self.lock:
            return Response(200, order_json(self._order(request, seller)))

    def rest_approve(self, request, seller):
        body = request.json_object()
        status = body.get("approvalStatus", body.get("approval_status"))
        if status not in ("Accepted", "Refused"):
            raise HttpError(400, "approvalStatus must be Accepted or Refused")
        line_ids = body.get("orderLineIds")
        if line_ids is not None and (
            not isinstance(line_ids, list)
            or not all(isinstance(i, (str, int)) for i in line_ids)
        ):
            raise HttpError(400, "orderLineIds must be a list of order line ids")
        with self.lock:
            order = self._order(request, seller)
            pending = [
                line.line_id
                for line in order.lines
                if line.line_id not in order.decisions
            ]
            named = [str(line_id) for line_id in line_ids or ()]
            accepted = status == "Accepted"
            if not named:
                decisions = dict.fromkeys(pending, accepted)
            elif accepted:
                decisions = {
                    **dict.fromkeys(pending, False),
                    **dict.fromkeys(named, True),
                }
            else:
                decisions = dict.fromkeys(named, False)
            try:
                self.store.decide(order, decisions)
            except StoreError as err:
                raise store_error(err) from err
        return Response.empty()

    def rest_ship(self, request, seller):
        body = request.json()
        if isinstance(body, dict):
            body = body.get("parcels", body.get("shipments"))
        if (
            not isinstance(body, list)
            or not body
            or not all(isinstance(p, dict) for p in body)
        ):
            raise HttpError(400, "The body must be a non-empty list of parcels")
        parcels = []
        for parcel in body:
            line_ids = parcel.get("orderLineIds")
            if not isinstance(line_ids, list):
                raise HttpError(400, "Each parcel needs orderLineIds, a list")
            parcels.append(
                {
                    "parcel_number": parcel.get("parcelNumber"),
                    "carrier_name": parcel.get("carrierName")
                    or parcel.get("carrierCode"),
                    "tracking_url": parcel.get("trackingUrl"),
                    "line_ids": [str(line_id) for line_id in line_ids],
                }
            )
        with self.lock:
            order = self._order(request, seller)
            try:
                shipments = self.store.ship(order, parcels)
            except StoreError as err:
                raise store_error(err) from err
        return Response.json(
            {"shipmentIds": [s.shipment_id for s in shipments]}, status=201
        )

    def rest_carriers(self, request, seller):
        items = [
            {"code": c["code"], "name": c["name"], "trackingUrl": c["tracking_url"]}
            for c in self.store.carriers()
        ]
        return Response.json({"items": items})

    # -- offers ----------------------------------------------------------------
    def rest_create_package(self, request, seller):
        body = request.json_object()
        channel = body.get("salesChannelId", SALES_CHANNEL)
        if channel != SALES_CHANNEL:
            raise HttpError(400, f"Unknown salesChannelId {channel!r}")
        kind = body.get("type", "Update")
        if kind not in ("Update", "Upsert", "Delete"):
            raise HttpError(400, "type must be Update, Upsert or Delete")
        offers = body.get("offers")
        if (
            not isinstance(offers, list)
            or not offers
            or not all(isinstance(o, dict) for o in offers)
        ):
            raise HttpError(400, "offers must be a non-empty list of offers")
        rows = [
            {
                "sku": offer.get("sellerProductId"),
                "ean": offer.get("ean"),
                "price": offer.get("price"),
                "stock": offer.get("stock"),
            }
            for offer in offers
        ]
        package = self.store.submit_package(seller, rows, kind, "rest")
        return Response.json(
            {"packageId": package.package_id, "status": package.status}, status=201
        )

    def rest_package(self, request, seller):
        with self.lock:
            package = self.store.package(request.params["package_id"], seller)
            if package is None or package.generation != "rest":
                raise HttpError(
                    404, f"Offer package {request.params['package_id']} not found"
                )
            self.store.poll_package(package)
            return Response.json(render_package(package))

    def rest_offers(self, request, seller):
        channel = request.arg("salesChannelId") or SALES_CHANNEL
        index, size = _page(request)
        with self.lock:
            offers = self.store.offer_list(seller) if channel == SALES_CHANNEL else []
            page = offers[(index - 1) * size : index * size]
            items = [render_offer(offer) for offer in page]
        return Response.json(
            {
                "items": items,
                "pageIndex": index,
                "pageSize": size,
                "totalCount": len(offers),
            }
        )


# ----------------------------------------------------------------------
# request reading
# ----------------------------------------------------------------------
def _bearer(request):
    scheme, _space, token = (request.headers.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _csv(request, name):
    return [
        item.strip()
        for value in request.args(name)
        for item in value.split(",")
        if item.strip()
    ]


def _bool(request, name):
    value = (request.arg(name) or "").lower()
    if value in ("", "false"):
        return False
    if value == "true":
        return True
    raise HttpError(400, f"{name} must be true or false, not {value!r}")


def _page(request):
    try:
        index = int(request.arg("pageIndex") or 1)
        size = int(request.arg("pageSize") or MAX_PAGE)
    except ValueError as err:
        raise HttpError(400, "pageIndex and pageSize must be whole numbers") from err
    if index < 1 or not 1 <= size <= MAX_PAGE:
        raise HttpError(400, f"pageIndex starts at 1; pageSize is 1 to {MAX_PAGE}")
    return index, size


def _order_filters(request):
    """The filters of GET /orders, as predicates on an ``Order``."""
    channel = request.arg("salesChannelId")
    if channel and channel != SALES_CHANNEL:
        return [lambda o: False]
    filters = []
    statuses = _csv(request, "status")
    unknown = sorted(set(statuses) - set(REST_STATUSES))
    if unknown:
        raise HttpError(400, f"Unknown status {', '.join(unknown)}")
    if statuses:
        filters.append(lambda o: o.status in statuses)
    modes = _csv(request, "supplyMode")
    if set(modes) - set(SUPPLY_MODES):
        raise HttpError(400, f"supplyMode must be among {', '.join(SUPPLY_MODES)}")
    if modes:
        filters.append(lambda o: o.supply_mode in modes)
    numbers = set(_csv(request, "reference")) | set(_csv(request, "orderIds"))
    if numbers:
        filters.append(lambda o: o.number in numbers)
    for name, attribute in (
        ("createdAt", "created"),
        ("updatedAt", "updated"),
        ("shippedAt", "shipped_at"),
    ):
        low, high = date_arg(request, name + "Min"), date_arg(request, name + "Max")
        if low:
            filters.append(
                lambda o, a=attribute, d=low: (
                    getattr(o, a) is not None and getattr(o, a) >= d
                )
            )
        if high:
            filters.append(
                lambda o, a=attribute, d=high: (
                    getattr(o, a) is not None and getattr(o, a) <= d
                )
            )
    return filters


def token_error_body(err):
    """The OAuth2 error body of the token endpoint."""
    code = (err.errors or [{}])[0].get("code")
    if not code:
        code = {401: "invalid_client", 429: "too_many_requests"}.get(
            err.status, "invalid_request"
        )
        if err.status >= 500:
            code = "server_error"
    return json.dumps({"error": code, "error_description": err.message})
