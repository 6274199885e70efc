"""Emulator of Cdiscount (Octopia): the seller REST API and the legacy SOAP
Marketplace API, on one port, over one order store per seller.

A seller's orders read by either API are the same orders (same numbers):

- the Octopia seller REST API v2 (``cdiscount_rest``): OAuth2 token
  endpoint, orders with their state machine, approval, shipments, carriers,
  offer packages and offers;
- the SOAP Marketplace API (``cdiscount_soap``): the STS token, the
  project's WSDL/XSDs, GetOrderList, ValidateOrderList, offer packages...

The store (``cdiscount_store``) generates deterministic orders with the
contract's variety (``create_orders``), some with an unknown SKU or
malformed on purpose, each with its internal record (``order_record``: its
kind, defect and the total the Odoo sale order must equal).

Admin routes (besides the framework's faults, stats and reset, and the
SOAP mixin's ``/_sandbox/soap``):

- ``GET /_sandbox/sellers``: the sellers and their credentials;
- ``POST /_sandbox/orders`` ``{"seller", "count", ...shares, "state",
  "created"}`` -> ``{"order_numbers"}``;
- ``GET /_sandbox/orders/{order_id}``: the order's record;
- ``POST /_sandbox/orders/{order_id}/state`` ``{"state", "soap_state"}``: a
  marketplace-side transition (REST status);
- ``GET /_sandbox/shipments/{order_id}``: the shipments of an order;
- ``POST /_sandbox/offers`` ``{"seller", "count", ...shares}``, ``GET
  /_sandbox/offers?seller=``;
- ``GET /_sandbox/packages/{id}``: an offer package (REST id or SOAP
  number) with its rows and results;
- ``POST /_sandbox/tokens/expire``: every REST token expires;
- ``GET``/``POST /_sandbox/settings``: ``payment_delay_seconds``,
  ``package_polls``, ``token_limit``, ``token_seconds``.
"""

from datetime import timedelta

from .cdiscount_rest import TOKEN_PATH, CdiscountRestMixin, token_error_body
from .cdiscount_rest_json import problem
from .cdiscount_soap import CdiscountSoapMixin
from .cdiscount_store import DEFAULT_SELLERS, CdiscountStore, StoreError
from .server import FAULT_DEFAULTS, Emulator, HttpError, Response

SETTINGS = ("payment_delay_seconds", "package_polls", "token_limit", "token_seconds")


class CdiscountEmulator(CdiscountRestMixin, CdiscountSoapMixin, Emulator):
    """Cdiscount's two API generations (see the module docstring).

    ``sellers``: (seller id, name, client id, client secret, SOAP login,
    password) tuples. ``payment_delay_seconds``: how long an accepted order
    stays Accepted before InPreparation (0: at once, on the next read).
    ``package_polls``: polls of an offer package answered with an
    intermediate state before it is integrated. ``token_limit``: REST tokens
    an hour per client; ``token_seconds``: their lifetime.
    """

    name = "cdiscount"
    title = "Cdiscount (Octopia)"
    admin_help = {
        "GET /_sandbox/sellers": "the sellers, their REST and SOAP credentials",
        "POST /_sandbox/orders": 'create orders: {"seller", "count", '
        '"unknown_sku_share", "malformed_share", "state"...}',
        "GET /_sandbox/orders/{order_id}": "an order's internal record",
        "POST /_sandbox/orders/{order_id}/state": 'force a REST status: {"state"}',
        "GET /_sandbox/shipments/{order_id}": "the shipments of an order",
        "POST /_sandbox/offers": 'create offers: {"seller", "count"...}',
        "GET /_sandbox/offers": "a seller's offers (?seller=)",
        "GET /_sandbox/packages/{package_id}": "an offer package and its results",
        "POST /_sandbox/tokens/expire": "every REST access token expires",
        "GET /_sandbox/settings": "payment delay, package polls, token limits",
        "POST /_sandbox/settings": 'change them: {"package_polls": 2...}',
    }

    def __init__(
        self,
        seed=42,
        faults=None,
        catalog_size=60,
        sellers=DEFAULT_SELLERS,
        payment_delay_seconds=0,
        package_polls=1,
        token_limit=None,
        token_seconds=None,
    ):
        self.seller_specs = tuple(tuple(spec) for spec in sellers)
        self.settings = {
            "payment_delay_seconds": payment_delay_seconds,
            "package_polls": package_polls,
        }
        self.store = None
        super().__init__(seed=seed, faults=faults, catalog_size=catalog_size)
        if token_limit is not None:
            self.token_limit = int(token_limit)
        if token_seconds is not None:
            self.token_seconds = int(token_seconds)
        self.reset_store()

    # ------------------------------------------------------------------
    # store and Python API
    # ------------------------------------------------------------------
    def reset_store(self):
        with self.lock:
            self.store = CdiscountStore(
                self.seed,
                self.clock,
                self.lock,
                self.catalog_size,
                self.seller_specs,
                **self.settings,
            )
            self.init_rest()

    def update_settings(self, values):
        """Change ``SETTINGS`` (``ValueError`` on an unknown or bad one)."""
        unknown = sorted(set(values) - set(SETTINGS))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        checked = {key: float(value) for key, value in values.items()}
        if any(value < 0 for value in checked.values()):
            raise ValueError("settings must be 0 or more")
        with self.lock:
            if "payment_delay_seconds" in checked:
                seconds = checked["payment_delay_seconds"]
                self.settings["payment_delay_seconds"] = seconds
                self.store.payment_delay = timedelta(seconds=seconds)
            if "package_polls" in checked:
                self.settings["package_polls"] = int(checked["package_polls"])
                self.store.package_polls = int(checked["package_polls"])
            if "token_limit" in checked:
                self.token_limit = int(checked["token_limit"])
            if "token_seconds" in checked:
                self.token_seconds = max(1, int(checked["token_seconds"]))

    def current_settings(self):
        return {
            **self.settings,
            "token_limit": self.token_limit,
            "token_seconds": self.token_seconds,
        }

    def create_orders(self, seller_id, count, **options):
        """See ``CdiscountStore.create_orders``."""
        return self.store.create_orders(seller_id, count, **options)

    def populate(self, orders, unknown_sku_share=0.0, malformed_share=0.0):
        """``orders`` new orders for every seller."""
        for seller_id in self.store.sellers:
            self.create_orders(
                seller_id,
                orders,
                unknown_sku_share=unknown_sku_share,
                malformed_share=malformed_share,
            )

    def create_offers(self, seller_id, count, **shares):
        """See ``CdiscountStore.create_offers``."""
        return self.store.create_offers(seller_id, count, **shares)

    def populate_offers(self, count, **shares):
        """``count`` offers for every seller."""
        for seller_id in self.store.sellers:
            self.create_offers(seller_id, count, **shares)

    def order_record(self, number):
        return self.store.order_record(number)

    def set_order_state(self, number, rest_status, soap_state=None):
        """Force an order to a REST status; returns its record."""
        self.store.set_order_state(number, rest_status, soap_state)
        return self.order_record(number)

    def shipments(self, number):
        return self.store.shipments(number)

    def package_record(self, key):
        return self.store.package_record(key)

    def soap_seller(self, seller_id):
        """The seller ``seller_id`` (SOAP mixin)."""
        return self.store.seller(seller_id)

    def soap_seller_by_login(self, login, password):
        """The seller of this SOAP login and password, or None."""
        seller = self.store.seller_by("login", login)
        return seller if seller and seller.password == password else None

    def index_info(self):
        with self.lock:
            accounts = [
                {
                    "seller_id": seller.seller_id,
                    "name": seller.name,
                    "client_id": seller.client_id,
                    "client_secret": seller.client_secret,
                    "soap_login": seller.login,
                    "soap_password": seller.password,
                    "orders": len(seller.orders),
                    "offers": len(seller.offers),
                }
                for seller in self.store.sellers.values()
            ]
        return {
            "account_kind": "seller",
            "authentication": "REST: a token of POST " + TOKEN_PATH + " (client "
            "credentials) as Bearer, and the SellerId header. SOAP: a token of "
            "GET /users/httpIssue.svc/?realm=... (Basic auth with the SOAP login) "
            "in headerMessage/Security/TokenId.",
            "credentials": {"sales_channel": "CDISFR"},
            "accounts": accounts,
            "settings": {
                "catalog_size": self.catalog_size,
                **self.current_settings(),
                "soap_closed": bool(getattr(self, "soap_closed", False)),
            },
        }

    def active_faults(self):
        """The fault switches not at their default (``rate_quota`` too)."""
        defaults = {**FAULT_DEFAULTS, "rate_quota": 0.0}
        return {
            key: value
            for key, value in self.get_faults().items()
            if value != defaults.get(key)
        }

    # ------------------------------------------------------------------
    # hooks: REST requests here, the others to the SOAP mixin
    # ------------------------------------------------------------------
    def register_routes(self):
        self.register_rest_routes()
        self.register_soap_routes()
        self.admin_route("GET", "/sellers", self._admin_sellers)
        self.admin_route("POST", "/orders", self._admin_create_orders)
        self.admin_route("GET", "/orders/(?P<order_id>[^/]+)", self._admin_order)
        self.admin_route("POST", "/orders/(?P<order_id>[^/]+)/state", self._admin_state)
        self.admin_route("GET", "/shipments/(?P<order_id>[^/]+)", self._admin_shipments)
        self.admin_route("POST", "/offers", self._admin_create_offers)
        self.admin_route("GET", "/offers", self._admin_offers)
        self.admin_route("GET", "/packages/(?P<package_id>[^/]+)", self._admin_package)
        self.admin_route("POST", "/tokens/expire", self._admin_expire_tokens)
        self.admin_route("GET", "/settings", self._admin_settings)
        self.admin_route("POST", "/settings", self._admin_settings)

    def caller_key(self, request):
        if self.is_rest_request(request):
            return self.rest_caller_key(request)
        return super().caller_key(request)

    def authenticate(self, request):
        if self.is_rest_request(request):
            return self.rest_authenticate(request)
        return super().authenticate(request)

    def error_body(self, status, message, errors=None):
        return problem(status, message, errors)

    def error_response(self, err):
        request = err.request
        if request is not None and request.path == TOKEN_PATH:
            return Response(
                err.status,
                token_error_body(err).encode(),
                headers=err.headers,
            )
        return super().error_response(err)

    # ------------------------------------------------------------------
    # admin
    # ------------------------------------------------------------------
    def _admin_sellers(self, request):
        return Response.json(self.index_info()["accounts"])

    def _admin_create_orders(self, request):
        body = dict(request.json_object())
        seller = body.pop("seller", body.pop("seller_id", self.seller_specs[0][0]))
        count = body.pop("count", 1)
        try:
            numbers = self.create_orders(seller, count, **body)
        except TypeError as err:
            raise HttpError(400, f"Bad order options: {err}") from err
        return Response.json({"order_numbers": numbers})

    def _admin_order(self, request):
        return Response.json(self._record(request.params["order_id"]))

    def _record(self, number):
        try:
            return self.order_record(number)
        except StoreError as err:
            raise HttpError(404, err.message) from err

    def _admin_state(self, request):
        body = request.json_object()
        self._record(request.params["order_id"])  # 404 when unknown
        record = self.set_order_state(
            request.params["order_id"], body.get("state"), body.get("soap_state")
        )
        return Response.json(record)

    def _admin_shipments(self, request):
        self._record(request.params["order_id"])
        return Response.json(self.shipments(request.params["order_id"]))

    def _admin_create_offers(self, request):
        body = dict(request.json_object())
        seller = body.pop("seller", body.pop("seller_id", self.seller_specs[0][0]))
        try:
            result = self.create_offers(seller, body.pop("count", 1), **body)
        except TypeError as err:
            raise HttpError(400, f"Bad offer options: {err}") from err
        return Response.json(result)

    def _admin_offers(self, request):
        seller = self.store.seller(request.arg("seller") or self.seller_specs[0][0])
        return Response.json(
            [
                {
                    "sku": offer.sku,
                    "ean": offer.ean,
                    "price": str(offer.price),
                    "stock": offer.stock,
                    "status": offer.status,
                    "kind": offer.kind,
                    "defect": offer.defect,
                }
                for offer in self.store.offer_list(seller)
            ]
        )

    def _admin_package(self, request):
        try:
            return Response.json(self.package_record(request.params["package_id"]))
        except ValueError as err:
            raise HttpError(404, str(err)) from err

    def _admin_expire_tokens(self, request):
        self.expire_rest_tokens()
        return Response.json({"expired": True})

    def _admin_settings(self, request):
        if request.method == "POST":
            self.update_settings(request.json_object())
        return Response.json(self.current_settings())
