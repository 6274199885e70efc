"""Emulator of the Fnac Darty Marketplace API: XML over POST, one URL per
service (``<base>/api.php/<service>``), namespace
``http://www.fnac.com/schemas/mp-dialog.xsd`` on every root.

Services: auth, orders_query, orders_update, carriers_query, offers_update,
batch_status, offers_query, pricing_query (PricingQueryService.xsd),
messages_query, messages_update, incidents_query (``fnac_services``). One
partner with two shops (Fnac and Darty, ``fnac_data.DEFAULT_SHOPS``), each
with its store of orders, offers, batches, messages and incidents
(``fnac_store``).

Every request is checked (root name and namespace, the partner_id / shop_id
/ token attributes, the volume limits) and, when ``xsd_dir`` (or the
environment's ``MPHUB_FNAC_XSD_DIR``) names a directory holding the official
XSDs, validated against its service's XSD (``fnac_validation``: ERR_096).
Answers validate against the XSDs; errors are ``<error severity=".."
code="ERR_nnn">`` elements in the service's response, status attribute OK /
WARNING / ERROR / FATAL, HTTP 200 (the framework's injected 429 / 5xx /
timeouts / corruption are the front end's).

Admin routes (JSON; besides the framework's faults, stats and reset):

- ``GET /_sandbox/shops``: the partner, shops and keys;
- ``POST /_sandbox/orders`` ``{"shop", "count", ...options}`` ->
  ``{"order_ids"}``; ``GET /_sandbox/orders/{order_id}``: its record;
  ``POST /_sandbox/orders/{order_id}/state`` ``{"state"}``;
  ``GET /_sandbox/shipments/{order_id}``;
- ``POST /_sandbox/offers`` ``{"shop", "count", ...shares}``; ``GET
  /_sandbox/offers?shop=``; ``GET /_sandbox/batches?shop=``;
- ``POST /_sandbox/messages`` ``{"shop", "order_id", "text", "subject",
  "from_type"}``; ``GET /_sandbox/replies/{order_id}?shop=``;
- ``POST /_sandbox/incidents`` ``{"shop", "order_id", "reason", ...}``;
- ``POST /_sandbox/competitors`` ``{"shop", "ean", "competitors": [...]}``;
- ``POST /_sandbox/tokens/expire``; ``GET``/``POST /_sandbox/settings``.
"""

import os
from datetime import timedelta

from .fnac_data import DEFAULT_SHOPS, NS, PARTNER_ID
from .fnac_services import FnacServicesMixin, FnacXmlPost
from .fnac_store import FnacStore, StoreError
from .server import Emulator, HttpError, Response

SETTINGS = ("billing_delay_seconds", "batch_polls", "token_ttl", "price_moves")


class FnacEmulator(FnacServicesMixin, Emulator):
    """The Fnac Darty API (module docstring).

    ``billing_delay_seconds``: how long an accepted order stays Accepted
    (waiting for billing) before ToShip (0: at once, on the next read).
    ``batch_polls``: batch_status polls answered ACTIVE / RUNNING before the
    result. ``token_ttl``: the tokens' lifetime (seconds). ``price_moves``:
    competitors' prices move with the clock (by hour). ``xsd_dir``: the
    official XSDs, to validate requests.
    """

    name = "fnac"
    title = "Fnac Darty"
    admin_help = {
        "GET /_sandbox/shops": "the partner, its shops and their keys",
        "POST /_sandbox/orders": 'create orders: {"shop", "count", '
        '"unknown_sku_share", "malformed_share", "state"...}',
        "GET /_sandbox/orders/{order_id}": "an order's internal record",
        "POST /_sandbox/orders/{order_id}/state": 'force an order state: {"state"}',
        "GET /_sandbox/shipments/{order_id}": "the shipments of an order",
        "POST /_sandbox/offers": 'create offers: {"shop", "count"...}',
        "GET /_sandbox/offers": "a shop's offers (?shop=)",
        "GET /_sandbox/batches": "a shop's offer batches and results (?shop=)",
        "POST /_sandbox/messages": 'a buyer\'s message: {"shop", "order_id", "text"}',
        "GET /_sandbox/replies/{order_id}": "the shop's replies on an order (?shop=)",
        "POST /_sandbox/incidents": 'open an incident: {"shop", "order_id", "reason"}',
        "POST /_sandbox/competitors": 'set competitors: {"shop", "ean", "competitors"}',
        "POST /_sandbox/tokens/expire": "every auth token expires",
        "GET /_sandbox/settings": "billing delay, batch polls, token lifetime...",
        "POST /_sandbox/settings": 'change them: {"batch_polls": 2...}',
    }

    def __init__(
        self,
        seed=42,
        faults=None,
        catalog_size=60,
        shops=DEFAULT_SHOPS,
        partner_id=PARTNER_ID,
        billing_delay_seconds=0,
        batch_polls=1,
        token_ttl=3600,
        price_moves=True,
        xsd_dir=None,
    ):
        self.shop_specs = tuple(tuple(spec) for spec in shops)
        self.partner_id = partner_id
        self.settings = {
            "billing_delay_seconds": float(billing_delay_seconds),
            "batch_polls": int(batch_polls),
            "token_ttl": float(token_ttl),
            "price_moves": bool(price_moves),
        }
        self.xsd_dir = xsd_dir or os.environ.get("MPHUB_FNAC_XSD_DIR") or None
        self.protocol = FnacXmlPost(namespace=NS)
        self.store = None
        super().__init__(seed=seed, faults=faults, catalog_size=catalog_size)
        self.init_validation(self.xsd_dir)
        self.reset_store()

    # ------------------------------------------------------------------
    # store and Python API
    # ------------------------------------------------------------------
    def reset_store(self):
        with self.lock:
            self.store = FnacStore(
                self.seed,
                self.clock,
                self.lock,
                self.catalog_size,
                self.shop_specs,
                self.partner_id,
                **self.settings,
            )

    @property
    def shop_ids(self):
        return [spec[0] for spec in self.shop_specs]

    def update_settings(self, values):
        """Change ``SETTINGS`` (``ValueError`` on an unknown or bad one)."""
        unknown = sorted(set(values) - set(SETTINGS))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        with self.lock:
            for key, value in values.items():
                if key == "price_moves":
                    value = str(value).lower() in ("1", "true")
                else:
                    value = float(value)
                    if value < 0:
                        raise ValueError(f"{key} must be 0 or more")
                self.settings[key] = int(value) if key == "batch_polls" else value
            store = self.store
            store.billing_delay = timedelta(
                seconds=self.settings["billing_delay_seconds"]
            )
            store.batch_polls = self.settings["batch_polls"]
            store.token_ttl = self.settings["token_ttl"]
            store.price_moves = self.settings["price_moves"]

    def create_orders(self, shop_id, count, **options):
        """See ``FnacStore.create_orders``."""
        return self.store.create_orders(shop_id, count, **options)

    def populate(self, orders, unknown_sku_share=0.0, malformed_share=0.0):
        """``orders`` new orders in every shop (a few with a message)."""
        for shop_id in self.shop_ids:
            self.create_orders(
                shop_id,
                orders,
                unknown_sku_share=unknown_sku_share,
                malformed_share=malformed_share,
                message_share=0.1,
            )

    def create_offers(self, shop_id, count, **shares):
        """See ``FnacStore.create_offers``."""
        return self.store.create_offers(shop_id, count, **shares)

    def populate_offers(self, count, **shares):
        """``count`` offers in every shop; of ``shares`` (the command line's
        for every emulator) only ``unknown_sku_share`` and
        ``malformed_share`` apply."""
        known = {
            k: v
            for k, v in shares.items()
            if k in ("unknown_sku_share", "malformed_share")
        }
        for shop_id in self.shop_ids:
            self.create_offers(shop_id, count, **known)

    def order_record(self, shop_id, order_id):
        return self.store.order_record(shop_id, order_id)

    def set_order_state(self, shop_id, order_id, state):
        """Force an order's state; returns its record."""
        return self.store.set_order_state(shop_id, order_id, state)

    def shipments(self, shop_id, order_id):
        return self.store.shipments(shop_id, order_id)

    def update_calls(self, shop_id):
        """Every orders_update that reached the service for the shop, in
        arrival order (the refused ones too, e.g. ERR_104; not those refused
        before it: token, XSD): ``{"orders": [order ids], "actions":
        [order@action], "status": root status}``."""
        shop = self.store.shop(shop_id)
        with self.lock:
            return [dict(call) for call in self.store.update_calls[shop.shop_id]]

    def offers(self, shop_id):
        return self.store.offers(shop_id)

    def batches(self, shop_id):
        return self.store.batches(shop_id)

    def set_competitors(self, shop_id, ean, rows):
        self.store.set_competitors(shop_id, ean, rows)

    def post_message(self, shop_id, order_id, text, subject=None, from_type="CLIENT"):
        return self.store.post_message(shop_id, order_id, text, subject, from_type)

    def replies(self, shop_id, order_id):
        return self.store.replies(shop_id, order_id)

    def open_incident(self, shop_id, order_id, reason, **options):
        return self.store.open_incident(shop_id, order_id, reason, **options)

    def close_incident(self, shop_id, incident_id, **options):
        return self.store.close_incident(shop_id, incident_id, **options)

    def expire_tokens(self):
        """Every token issued so far answers "expired" on its next use."""
        self.store.expire_tokens()

    def index_info(self):
        with self.lock:
            accounts = [
                {
                    "partner_id": self.partner_id,
                    "shop_id": shop.shop_id,
                    "name": shop.name,
                    "key": shop.key,
                    "market": shop.market,
                    "orders": len(shop.orders),
                    "offers": len(self.store.offer_tables[shop.shop_id]),
                }
                for shop in self.store.shops.values()
            ]
        return {
            "account_kind": "shop",
            "authentication": "POST <base>/api.php/auth with partner_id, shop_id "
            "and key (sandbox keys, fine to show) -> a token; every other service "
            "carries partner_id, shop_id and token as attributes of its root.",
            "credentials": {"partner_id": self.partner_id},
            "accounts": accounts,
            "settings": {
                "catalog_size": self.catalog_size,
                **self.settings,
                "xsd_validation": bool(self.schemas),
            },
        }

    # ------------------------------------------------------------------
    # admin
    # ------------------------------------------------------------------
    def register_routes(self):
        self.register_services()
        route = self.admin_route
        route("GET", "/shops", lambda r: Response.json(self.index_info()["accounts"]))
        route("POST", "/orders", self._admin_create_orders)
        route("GET", "/orders/(?P<order_id>[^/]+)", self._admin_order)
        route("POST", "/orders/(?P<order_id>[^/]+)/state", self._admin_state)
        route("GET", "/shipments/(?P<order_id>[^/]+)", self._admin_shipments)
        route("POST", "/offers", self._admin_create_offers)
        route("GET", "/offers", lambda r: Response.json(self.offers(self._shop_arg(r))))
        route(
            "GET", "/batches", lambda r: Response.json(self.batches(self._shop_arg(r)))
        )
        route("POST", "/messages", self._admin_message)
        route("GET", "/replies/(?P<order_id>[^/]+)", self._admin_replies)
        route("POST", "/incidents", self._admin_incident)
        route("POST", "/competitors", self._admin_competitors)
        route("POST", "/tokens/expire", self._admin_expire_tokens)
        route("GET", "/settings", self._admin_settings)
        route("POST", "/settings", self._admin_settings)

    def _shop_arg(self, request):
        return request.arg("shop") or self.shop_ids[0]

    def _body_shop(self, body):
        return body.pop("shop", body.pop("shop_id", self.shop_ids[0]))

    def _shop_of_order(self, request, order_id):
        shop_id = request.arg("shop") or self.store.order_index.get(order_id)
        if shop_id is None:
            raise HttpError(404, f"Order {order_id} not found")
        return shop_id

    def _admin_create_orders(self, request):
        body = dict(request.json_object())
        shop = self._body_shop(body)
        try:
            ids = self.create_orders(shop, body.pop("count", 1), **body)
        except TypeError as err:
            raise HttpError(400, f"Bad order options: {err}") from err
        return Response.json({"order_ids": ids})

    def _record(self, shop_id, order_id):
        try:
            return self.order_record(shop_id, order_id)
        except StoreError as err:
            raise HttpError(404, err.message) from err

    def _admin_order(self, request):
        order_id = request.params["order_id"]
        return Response.json(
            self._record(self._shop_of_order(request, order_id), order_id)
        )

    def _admin_state(self, request):
        order_id = request.params["order_id"]
        shop_id = self._shop_of_order(request, order_id)
        self._record(shop_id, order_id)
        state = request.json_object().get("state")
        return Response.json(self.set_order_state(shop_id, order_id, state))

    def _admin_shipments(self, request):
        order_id = request.params["order_id"]
        shop_id = self._shop_of_order(request, order_id)
        self._record(shop_id, order_id)
        return Response.json(self.shipments(shop_id, order_id))

    def _admin_create_offers(self, request):
        body = dict(request.json_object())
        shop = self._body_shop(body)
        try:
            keys = self.create_offers(shop, body.pop("count", 1), **body)
        except TypeError as err:
            raise HttpError(400, f"Bad offer options: {err}") from err
        return Response.json({"offers": keys})

    def _admin_message(self, request):
        body = dict(request.json_object())
        order_id = str(body.get("order_id", ""))
        shop = body.get("shop") or self._shop_of_order(request, order_id)
        try:
            message_id = self.post_message(
                shop,
                order_id,
                body.get("text", ""),
                body.get("subject"),
                body.get("from_type", "CLIENT"),
            )
        except StoreError as err:
            raise HttpError(404, err.message) from err
        return Response.json({"message_id": message_id})

    def _admin_replies(self, request):
        order_id = request.params["order_id"]
        return Response.json(
            self.replies(self._shop_of_order(request, order_id), order_id)
        )

    def _admin_incident(self, request):
        body = dict(request.json_object())
        order_id = str(body.pop("order_id", ""))
        shop = body.pop("shop", None) or self._shop_of_order(request, order_id)
        reason = body.pop("reason", "")
        try:
            incident_id = self.open_incident(shop, order_id, reason, **body)
        except StoreError as err:
            raise HttpError(404, err.message) from err
        except TypeError as err:
            raise HttpError(400, f"Bad incident options: {err}") from err
        return Response.json({"incident_id": incident_id})

    def _admin_competitors(self, request):
        body = dict(request.json_object())
        shop = self._body_shop(body)
        self.set_competitors(
            shop, str(body.get("ean", "")), body.get("competitors") or []
        )
        return Response.json({"set": True})

    def _admin_expire_tokens(self, request):
        self.expire_tokens()
        return Response.json({"expired": True})

    def _admin_settings(self, request):
        if request.method == "POST":
            self.update_settings(request.json_object())
        return Response.json(self.settings)
