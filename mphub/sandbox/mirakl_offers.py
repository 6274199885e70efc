"""The offer side of the Mirakl emulator.

API routes, as the seller OpenAPI describes them:

- OF21 ``GET /api/offers``: the shop's offers, offset pagination (``max``
  up to 100, default 10), filters ``sku``, ``product_id``,
  ``offer_state_codes``, ``favorite``, sort ``totalPrice`` (default),
  ``price`` or ``productTitle``, then by offer id;
- STO01 ``POST /api/offers/stock/imports`` (multipart ``file``), STO02
  ``GET .../{import_id}/status``, STO03 ``GET .../{import_id}/error_report``;
- PRI01 ``POST /api/offers/pricing/imports`` (multipart ``file``), PRI02
  ``GET /api/offers/pricing/imports?import_id=...`` (the list of imports, the
  only status PRI has), PRI03 ``GET .../{import_id}/error_report``;
- OF24 ``POST /api/offers`` (JSON: each offer replaced as a whole), OF01
  ``POST /api/offers/imports`` (multipart ``file`` and ``import_mode``), OF02
  ``GET /api/offers/imports/{import}`` (the status of both), OF03
  ``GET /api/offers/imports/{import}/error_report``.

An import is WAITING when created, RUNNING, then COMPLETE (or FAILED when its
file cannot be read): after ``import_polls`` status calls (default 2: RUNNING
at the first, COMPLETE at the second; 0: done at once), or, when
``import_seconds`` is set, that many seconds after its creation, whatever the
polls. Imports of a shop are applied in the order they came, when they
complete; only their valid lines are applied. ``import_interval_seconds``
(default 0: off) allows each import operation once per that many seconds per
shop, answering 429 with ``Retry-After`` (it is the ``call_frequency`` fault
of the four import operations, kept across resets).

Seeded offers follow the product catalogue: offer i is on catalogue product
i (its SKU, EAN and price), except exact shares of defective ones (see
``create_offers``). An order line of an offer of the shop takes the offer's
id, product and price, and the quantity ordered off the offer's stock.

Admin routes (``shop_id`` in the query, or the body of a POST, defaults to
the first shop):

- ``POST /_sandbox/offers`` ``{"shop_id", "count", "unknown_sku_share",
  "ambiguous_share", "ean_only_share", "malformed_share", "quantity",
  "start"}`` -> the summary of ``create_offers``;
- ``GET /_sandbox/offers``: ``{"shop_id", "count", "quantities": {sku: n},
  "prices": {sku: "12.50"}}``; ``DELETE /_sandbox/offers``: no offer left;
- ``GET /_sandbox/offers/{sku}``: the stored offer; ``POST`` ``{"quantity",
  "price", "defect"}``: changed as in the marketplace's back office;
  ``DELETE``: gone;
- ``GET /_sandbox/imports``: the import settings and each shop's imports;
  ``POST`` ``{"polls", "seconds", "interval"}`` changes the settings.
"""

import uuid
from datetime import timedelta
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import unquote

from . import catalog
from .mirakl_offer_imports import apply_import, error_report, parse_csv
from .mirakl_offer_store import (
    OFFER_DEFECTS,
    SEED_KINDS,
    SORT_ORDERS,
    Offer,
    OfferImport,
    cents_to_decimal,
    parse_cents,
    seed_kinds,
    seed_rng,
)
from .server import HttpError, Response, date_arg, format_timestamp

OF21_PARAMS = (
    "offer_state_codes",
    "sku",
    "product_id",
    "favorite",
    "pricing_channel_code",
    "pricing_customer_organization_id",
    "max",
    "offset",
    "sort",
    "order",
)
PRI02_PARAMS = ("import_id", "status", "start_date", "end_date", "origins")
IMPORT_OPERATIONS = ("OF01", "OF24", "STO01", "PRI01")
IMPORT_STATUSES = ("WAITING", "RUNNING", "COMPLETE", "FAILED")
IMPORT_MODES = ("NORMAL", "REPLACE")
MAX_OFFER_PAGE = 100
DEFAULT_OFFER_PAGE = 10
FIRST_OFFER_IMPORT = 3000  # OF01/OF24 import ids are numbers from here
# what an offer shows when nothing else was set (and what OF24 resets to)
PLATFORM_DEFAULTS = {
    "description": "",
    "leadtime_to_ship": 2,
    "logistic_class": "S",
    "min_order_quantity": 1,
    "max_order_quantity": 0,
    "min_quantity_alert": 0,
    "package_quantity": 1,
    "allow_quote_requests": False,
}
LOGISTIC_CLASSES = {"XS": "Très petit", "S": "Petit", "M": "Moyen", "L": "Grand"}
CATEGORY = ("H100", "Maison")
CHANNELS = ["FR"]


def product_sku(index):
    """The Mirakl product SKU of catalogue product ``index``."""
    return f"MKP{index + 1:08d}"


class MiraklOffersMixin:
    """Offer store, routes and Python API of ``MiraklEmulator`` (which sets
    ``import_polls``, ``import_seconds`` and ``import_interval``)."""

    def register_offer_routes(self):
        stock = "/api/offers/stock/imports"
        pricing = "/api/offers/pricing/imports"
        offer_import = "/api/offers/imports/(?P<import>[0-9]+)"
        self.route("GET", "/api/offers", "OF21", self.list_offers, params=OF21_PARAMS)
        self.route("POST", "/api/offers", "OF24", self.offers_update)
        self.route("POST", "/api/offers/imports", "OF01", self.offers_import)
        self.route("GET", offer_import, "OF02", self.offer_import_status)
        self.route(
            "GET", offer_import + "/error_report", "OF03", self.offer_error_report
        )
        self.route("POST", stock, "STO01", self.stock_import)
        self.route(
            "GET",
            stock + "/(?P<import_id>[^/]+)/status",
            "STO02",
            self.stock_import_status,
        )
        self.route(
            "GET",
            stock + "/(?P<import_id>[^/]+)/error_report",
            "STO03",
            self.stock_error_report,
        )
        self.route("POST", pricing, "PRI01", self.price_import)
        self.route(
            "GET", pricing, "PRI02", self.price_import_status, params=PRI02_PARAMS
        )
        self.route(
            "GET",
            pricing + "/(?P<import_id>[^/]+)/error_report",
            "PRI03",
            self.price_error_report,
        )
        self._register_offer_admin_routes()

    def _register_offer_admin_routes(self):
        one = "/offers/(?P<sku>[^/]+)"
        self.admin_route("POST", "/offers", self._admin_create_offers)
        self.admin_route("GET", "/offers", self._admin_offers)
        self.admin_route("DELETE", "/offers", self._admin_reset_offers)
        self.admin_route("GET", one, self._admin_get_offer)
        self.admin_route("POST", one, self._admin_set_offer)
        self.admin_route("DELETE", one, self._admin_delete_offer)
        self.admin_route("GET", "/imports", self._admin_imports)
        self.admin_route("POST", "/imports", self._admin_set_imports)

    # ------------------------------------------------------------------
    # Python API: seeding
    # ------------------------------------------------------------------
    def create_offers(
        self,
        shop_id,
        count,
        unknown_sku_share=0.0,
        ambiguous_share=0.0,
        ean_only_share=0.0,
        malformed_share=0.0,
        quantity=None,
        start=0,
    ):
        """Create (or put back) ``count`` offers on catalogue products
        ``start`` onwards: offer i has product i's SKU, EAN and price.

        Exactly ``round(count * share)`` offers of each kind, drawn
        reproducibly from the seed, differ:

        - *unknown*: a SKU and an EAN in no catalogue (they match nothing);
        - *ambiguous*: an unknown SKU and the EANs of two catalogue products
          (their own and another of the batch: they match both);
        - *ean_only*: an unknown SKU and their product's EAN (they match it
          by EAN);
        - *malformed*: their product's SKU and EAN, but OF21 spoils them
          (``OFFER_DEFECTS`` in turn: no ``shop_sku``, a price or a quantity
          that is text).

        ``quantity``: every offer's (default: drawn, 0 to 29). An offer put
        back keeps its offer id; offers of other SKUs stay (``reset_offers``
        first for a fresh shop). Returns ``{"created": n, "unknown": [...],
        "ambiguous": [...], "ean_only": [...], "malformed": [...]}``, the
        SKUs of each kind in index order. Raises ``ValueError`` on bad
        arguments.
        """
        shop = self.shop(shop_id)
        count, start = int(count), int(start)
        if count < 0 or start < 0 or start + count - 1 > catalog.MAX_INDEX:
            raise ValueError(
                f"count >= 0 and start >= 0, up to catalogue index {catalog.MAX_INDEX}"
            )
        if quantity is not None and int(quantity) < 0:
            raise ValueError("quantity must be 0 or more")
        rng = seed_rng(self.seed, shop.shop_id, start, count)
        shares = {
            "unknown": unknown_sku_share,
            "ambiguous": ambiguous_share,
            "ean_only": ean_only_share,
            "malformed": malformed_share,
        }
        kinds = seed_kinds(rng, range(start, start + count), shares)
        summary = {"created": count, **{kind: [] for kind in SEED_KINDS}}
        with self.lock, shop.offers.bulk():
            for index in range(start, start + count):
                kind = kinds.get(index, "valid")
                defect = None
                if kind == "malformed":
                    defect = OFFER_DEFECTS[
                        len(summary["malformed"]) % len(OFFER_DEFECTS)
                    ]
                offer = self._seeded_offer(shop, index, kind, (start, count))
                offer.defect = defect
                offer.quantity = (
                    rng.randrange(0, 30) if quantity is None else int(quantity)
                )
                shop.offers.put(offer)
                if kind != "valid":
                    summary[kind].append(offer.sku)
        return summary

    def _seeded_offer(self, shop, index, kind, batch):
        product = catalog.product(self.seed, index)
        sku, eans = product["sku"], (product["ean"],)
        mirakl_sku, title = product_sku(index), product["name"]
        if kind == "unknown":
            sku, eans = catalog.unknown_sku(index), (catalog.unknown_ean(index),)
            mirakl_sku, title = f"MKP9{index:08d}", f"Produit inconnu {index + 1}"
        elif kind == "ambiguous":
            sku = f"AMBIGUOUS-{index:06d}"
            other = catalog.product(self.seed, _other_index(index, *batch))
            eans = (product["ean"], other["ean"])
        elif kind == "ean_only":
            sku = f"SHOP-{index:06d}"
        previous = shop.offers.get(sku)
        return Offer(
            offer_id=previous.offer_id if previous else shop.offers.new_offer_id(),
            sku=sku,
            product_sku=mirakl_sku,
            title=title,
            eans=eans,
            cents=parse_cents(product["price"]),
            quantity=0,
            kind=kind,
        )

    def populate_offers(self, count, **shares):
        """``count`` offers in every shop (the command line's
        ``--offers``)."""
        for shop_id in self.shops:
            self.create_offers(shop_id, count, **shares)

    # ------------------------------------------------------------------
    # Python API: reading and changing offers
    # ------------------------------------------------------------------
    def offer(self, shop_id, sku):
        """The stored offer as a dict (``price`` a string), ``KeyError``
        when the shop has no such offer."""
        with self.lock:
            shop = self.shop(shop_id)
            self._settle_imports(shop)
            return _offer_record(shop.offers[sku])

    def quantities(self, shop_id):
        """SKU -> quantity of every offer of the shop."""
        with self.lock:
            shop = self.shop(shop_id)
            self._settle_imports(shop)
            return {sku: offer.quantity for sku, offer in shop.offers.items()}

    def prices(self, shop_id):
        """SKU -> price (string with 2 decimals) of every offer."""
        with self.lock:
            shop = self.shop(shop_id)
            self._settle_imports(shop)
            return {sku: str(offer.price) for sku, offer in shop.offers.items()}

    def set_offer(
        self, shop_id, sku, quantity=None, price=None, warehouse=None, defect=None
    ):
        """Change an offer as the marketplace's back office would (drift):
        its quantity (of ``warehouse`` if given), its price, or its defect
        (one of ``OFFER_DEFECTS``, or ``""`` to repair it). ``KeyError`` when
        unknown, ``ValueError`` on a bad value."""
        cents = None if price is None else parse_cents(price)
        if price is not None and cents is None:
            raise ValueError(f"bad price {price!r}")
        if quantity is not None and int(quantity) < 0:
            raise ValueError(f"bad quantity {quantity!r}")
        if defect and defect not in OFFER_DEFECTS:
            raise ValueError(f"defect must be one of {', '.join(OFFER_DEFECTS)}")
        with self.lock:
            shop = self.shop(shop_id)
            self._settle_imports(shop)
            offer = shop.offers[sku]
            if quantity is not None:
                offer.set_quantity(int(quantity), warehouse)
            if cents is not None:
                shop.offers.set_price(offer, cents)
                offer.discount = None
            if defect is not None:
                offer.defect = defect or None

    def delete_offer(self, shop_id, sku):
        with self.lock:
            self.shop(shop_id).offers.remove(sku)

    def reset_offers(self, shop_id):
        """No offer left in the shop (its imports stay)."""
        with self.lock:
            self.shop(shop_id).offers.clear()

    def offer_imports(self, shop_id):
        """The shop's imports, oldest first: id, operation, status, lines."""
        with self.lock:
            shop = self.shop(shop_id)
            self._settle_imports(shop)
            return [
                {
                    "import_id": item.import_id,
                    "operation": item.operation,
                    "status": item.status,
                    "lines_read": len(item.rows),
                    "lines_in_error": len(item.errors),
                }
                for item in shop.offers.imports.values()
            ]

    # ------------------------------------------------------------------
    # import settings
    # ------------------------------------------------------------------
    def import_settings(self):
        return {
            "polls": self.import_polls,
            "seconds": self.import_seconds,
            "interval": self.import_interval,
        }

    def set_import_settings(self, polls=None, seconds=None, interval=None):
        """Status calls an import needs before it is complete, seconds it
        takes instead (0: polls decide), seconds between two imports of the
        same operation of a shop (0: no limit)."""
        values = {"polls": polls, "seconds": seconds, "interval": interval}
        checked = {}
        for name, value in values.items():
            if value is None:
                continue
            number = float(value) if name != "polls" else int(value)
            if number < 0:
                raise ValueError(f"{name} must be 0 or more")
            checked[name] = number
        self.import_polls = checked.get("polls", self.import_polls)
        self.import_seconds = checked.get("seconds", self.import_seconds)
        self.import_interval = checked.get("interval", self.import_interval)
        self._apply_import_interval()

    def _apply_import_interval(self):
        """The interval as the ``call_frequency`` of the import operations."""
        frequency = {
            operation: seconds
            for operation, seconds in self.faults["call_frequency"].items()
            if operation not in IMPORT_OPERATIONS
        }
        if self.import_interval:
            frequency.update(dict.fromkeys(IMPORT_OPERATIONS, self.import_interval))
        self.faults.update({"call_frequency": frequency})

    def reset(self):
        """Back to the seeded state; the import settings stay."""
        super().reset()
        self._apply_import_interval()

    # ------------------------------------------------------------------
    # orders take their offers' stock
    # ------------------------------------------------------------------
    def _offer_for_line(self, shop, sku, now):
        """``(offer id, product SKU, unit price)`` of the shop's offer of
        ``sku``, or None when the shop has none."""
        offer = shop.offers.get(sku)
        if offer is None:
            return None
        return (
            offer.offer_id,
            offer.product_sku,
            cents_to_decimal(offer.shown_cents(now)),
        )

    def _take_stock(self, shop, lines):
        """An order was placed: its lines' quantities leave the offers."""
        for line in lines:
            offer = shop.offers.get(line.offer_sku)
            if offer is not None:
                offer.take(line.quantity)

    # ------------------------------------------------------------------
    # OF21
    # ------------------------------------------------------------------
    def list_offers(self, request, shop):
        offset, limit = _offer_page(request)
        sort, descending = _offer_sort(request)
        filters = _offer_filters(request)
        sku = request.arg("sku")
        now = self.clock.now()
        with self.lock:
            self._settle_imports(shop)
            store = shop.offers
            if sku:
                skus = [sku] if sku in store else []
            else:
                skus = store.ordered(sort)
            if descending:
                skus = skus[::-1]
            if filters:
                skus = [s for s in skus if all(test(store[s]) for test in filters)]
            deadlines = {}
            page = [
                _offer_json(store[s], now, deadlines)
                for s in skus[offset : offset + limit]
            ]
            total = len(skus)
        return Response.json({"offers": page, "total_count": total})

    # ------------------------------------------------------------------
    # imports: creation
    # ------------------------------------------------------------------
    def stock_import(self, request, shop):
        """STO01: a CSV file of quantities."""
        header, rows = parse_csv(_part_bytes(_multipart_parts(request), "file"))
        return self._new_import(request, shop, "STO01", header, rows)

    def price_import(self, request, shop):
        """PRI01: a CSV file of prices."""
        header, rows = parse_csv(_part_bytes(_multipart_parts(request), "file"))
        return self._new_import(request, shop, "PRI01", header, rows)

    def offers_import(self, request, shop):
        """OF01: a CSV file of whole offers; ``import_mode`` NORMAL (the
        offers of the file) or REPLACE (also deletes the shop's other
        offers)."""
        parts = _multipart_parts(request)
        mode = _part_bytes(parts, "import_mode").decode("utf-8", "replace")
        mode = mode.strip().upper()
        if mode not in IMPORT_MODES:
            raise HttpError(400, f"import_mode must be NORMAL or REPLACE, not {mode!r}")
        header, rows = parse_csv(_part_bytes(parts, "file"))
        return self._new_import(request, shop, "OF01", header, rows, mode)

    def offers_update(self, request, shop):
        """OF24: every offer given is replaced as a whole. A field left out
        goes back to its default (quantity 0, no description, no discount),
        as Mirakl does, so a client sending only the quantity wipes the
        rest."""
        offers = request.json_object().get("offers")
        if not isinstance(offers, list) or not offers:
            raise HttpError(400, "offers must be a non-empty list")
        rows = list(enumerate(offers, start=1))
        return self._new_import(request, shop, "OF24", [], rows)

    def _new_import(self, request, shop, operation, header, rows, mode="NORMAL"):
        with self.lock:
            store = shop.offers
            store.import_count += 1
            import_id = self._import_id(shop, operation, store.import_count)
            offer_import = OfferImport(
                import_id=import_id,
                operation=operation,
                created=self.clock.now(),
                header=header,
                rows=rows,
                mode=mode,
            )
            if operation == "OF01" and not header:
                offer_import.fail("The file is empty")
            store.imports[import_id] = offer_import
            store.pending.append(offer_import)
            if not self.import_seconds and self.import_polls <= 0:
                self._complete_through(shop, offer_import)
        body_id = int(import_id) if operation in ("OF01", "OF24") else import_id
        location = _status_path(operation, import_id)
        host = request.headers.get("Host")
        if host:
            location = f"http://{host}{location}"
        return Response.json(
            {"import_id": body_id}, status=201, headers={"Location": location}
        )

    def _import_id(self, shop, operation, number):
        """OF01/OF24: a number; STO01/PRI01: a UUID, as in the spec's
        examples (both reproducible from the seed)."""
        if operation in ("OF01", "OF24"):
            return str(FIRST_OFFER_IMPORT + number)
        name = f"mirakl-{self.seed}-{shop.shop_id}-{operation}-{number}"
        return str(uuid.uuid5(uuid.NAMESPACE_URL, name))

    # ------------------------------------------------------------------
    # imports: progress
    # ------------------------------------------------------------------
    def _find_import(self, shop, import_id, operations):
        offer_import = shop.offers.imports.get(import_id)
        if offer_import is None or offer_import.operation not in operations:
            raise HttpError(404, f"Import {import_id} not found")
        return offer_import

    def _poll(self, shop, offer_import):
        """A status call: the import moves on (see the module docstring)."""
        if offer_import.done:
            return
        offer_import.polls += 1
        if self.import_seconds:
            self._settle_imports(shop)
            return
        if offer_import.polls >= self.import_polls:
            self._complete_through(shop, offer_import)
        elif offer_import.polls >= self.import_polls - 1:
            offer_import.status = "RUNNING"

    def _settle_imports(self, shop):
        """With ``import_seconds``: the imports whose time has come are
        applied, the others are RUNNING after half their time."""
        if not self.import_seconds or not shop.offers.pending:
            return
        now = self.clock.now()
        due = timedelta(seconds=self.import_seconds)
        for offer_import in list(shop.offers.pending):
            elapsed = now - offer_import.created
            if elapsed >= due:
                self._complete_through(shop, offer_import)
            elif elapsed >= due / 2:
                offer_import.status = "RUNNING"

    def _complete_through(self, shop, offer_import):
        """Apply the shop's pending imports up to ``offer_import``, in the
        order they came."""
        store = shop.offers
        while store.pending:
            current = store.pending.pop(0)
            if not current.done:
                apply_import(store, current, self._resolve_product)
            if current is offer_import:
                return

    def _resolve_product(self, product_id, id_type):
        """The catalogue product an OF24/OF01 offer names, or None."""
        if id_type == "EAN":
            index = catalog.index_of_ean(self.seed, product_id)
        elif id_type == "SHOP_SKU":
            index = catalog.index_of_sku(product_id)
        elif id_type in ("SKU", "MPID") and product_id.startswith("MKP"):
            number = product_id[3:]
            index = int(number) - 1 if number.isdigit() and int(number) else None
        else:
            index = None
        if index is None or not 0 <= index <= catalog.MAX_INDEX:
            return None
        product = catalog.product(self.seed, index)
        return {
            "product_sku": product_sku(index),
            "title": product["name"],
            "eans": (product["ean"],),
        }

    # ------------------------------------------------------------------
    # imports: status and error reports
    # ------------------------------------------------------------------
    def stock_import_status(self, request, shop):
        """STO02."""
        with self.lock:
            offer_import = self._find_import(
                shop, request.params["import_id"], ("STO01",)
            )
            self._poll(shop, offer_import)
            return Response.json(_sto02_json(shop, offer_import))

    def price_import_status(self, request, shop):
        """PRI02: the shop's price imports, newest first, filtered; each one
        listed counts as a status call."""
        wanted = {i for value in request.args("import_id") for i in value.split(",")}
        status = request.arg("status")
        if status and status not in IMPORT_STATUSES:
            raise HttpError(400, f"Unknown status {status!r}")
        origins = {o for value in request.args("origins") for o in value.split(",")}
        start, end = (
            date_arg(request, "start_date"),
            date_arg(request, "end_date"),
        )
        data = []
        with self.lock:
            for offer_import in reversed(list(shop.offers.imports.values())):
                if offer_import.operation != "PRI01" or (
                    wanted and offer_import.import_id not in wanted
                ):
                    continue
                if (start and offer_import.created < start) or (
                    end and offer_import.created > end
                ):
                    continue
                self._poll(shop, offer_import)
                if (status and offer_import.status != status) or (
                    origins and "API" not in origins
                ):
                    continue
                data.append(_pri02_json(shop, offer_import))
        return Response.json({"data": data})

    def offer_import_status(self, request, shop):
        """OF02: the status of an OF01 or OF24 import."""
        with self.lock:
            offer_import = self._find_import(
                shop, request.params["import"], ("OF01", "OF24")
            )
            self._poll(shop, offer_import)
            return Response.json(_of02_json(offer_import))

    def stock_error_report(self, request, shop):
        """STO03: the lines in error, their number and reason first."""
        return self._error_report(request, shop, "import_id", "STO01", "text/csv")

    def price_error_report(self, request, shop):
        """PRI03: the lines in error, their number and reason first."""
        return self._error_report(request, shop, "import_id", "PRI01", "text/csv")

    def offer_error_report(self, request, shop):
        """OF03: the lines in error, their number and reason last."""
        return self._error_report(
            request, shop, "import", ("OF01", "OF24"), "application/octet-stream"
        )

    def _error_report(self, request, shop, param, operations, content_type):
        import_id = request.params[param]
        operations = (operations,) if isinstance(operations, str) else operations
        with self.lock:
            offer_import = self._find_import(shop, import_id, operations)
            if offer_import.status != "COMPLETE" or not offer_import.errors:
                raise HttpError(404, f"Import {import_id} has no error report")
            text = error_report(offer_import)
        return Response.text(text, content_type=f"{content_type};charset=UTF-8")

    # ------------------------------------------------------------------
    # admin
    # ------------------------------------------------------------------
    def _admin_shop(self, request, body=None):
        shop_id = (body or {}).get("shop_id") or request.arg("shop_id")
        try:
            return self.shop(shop_id or self.shop_specs[0][0])
        except ValueError as err:
            raise HttpError(404, str(err)) from err

    def _admin_create_offers(self, request):
        body = request.json_object()
        shop = self._admin_shop(request, body)
        summary = self.create_offers(
            shop.shop_id,
            body.get("count", 1),
            unknown_sku_share=body.get("unknown_sku_share", 0.0),
            ambiguous_share=body.get("ambiguous_share", 0.0),
            ean_only_share=body.get("ean_only_share", 0.0),
            malformed_share=body.get("malformed_share", 0.0),
            quantity=body.get("quantity"),
            start=body.get("start", 0),
        )
        return Response.json(summary)

    def _admin_offers(self, request):
        shop = self._admin_shop(request)
        quantities = self.quantities(shop.shop_id)
        return Response.json(
            {
                "shop_id": shop.shop_id,
                "count": len(quantities),
                "quantities": quantities,
                "prices": self.prices(shop.shop_id),
            }
        )

    def _admin_reset_offers(self, request):
        shop = self._admin_shop(request)
        self.reset_offers(shop.shop_id)
        return Response.json({"shop_id": shop.shop_id, "count": 0})

    def _admin_get_offer(self, request):
        shop = self._admin_shop(request)
        try:
            return Response.json(self.offer(shop.shop_id, _sku_param(request)))
        except KeyError as err:
            raise HttpError(404, "No such offer") from err

    def _admin_set_offer(self, request):
        body = request.json_object()
        shop = self._admin_shop(request, body)
        sku = _sku_param(request)
        try:
            self.set_offer(
                shop.shop_id,
                sku,
                quantity=body.get("quantity"),
                price=body.get("price"),
                warehouse=body.get("warehouse"),
                defect=body.get("defect"),
            )
        except KeyError as err:
            raise HttpError(404, "No such offer") from err
        return Response.json(self.offer(shop.shop_id, sku))

    def _admin_delete_offer(self, request):
        shop = self._admin_shop(request)
        sku = _sku_param(request)
        with self.lock:
            if sku not in shop.offers:
                raise HttpError(404, "No such offer")
            self.delete_offer(shop.shop_id, sku)
        return Response.json({"deleted": sku})

    def _admin_imports(self, request):
        return Response.json(
            {
                **self.import_settings(),
                "shops": {
                    str(shop_id): self.offer_imports(shop_id) for shop_id in self.shops
                },
            }
        )

    def _admin_set_imports(self, request):
        body = request.json_object()
        unknown = sorted(set(body) - {"polls", "seconds", "interval"})
        if unknown:
            raise HttpError(400, f"unknown setting(s): {', '.join(unknown)}")
        self.set_import_settings(**body)
        return Response.json(self.import_settings())


# ----------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------
def _other_index(index, start, count):
    """Another catalogue product for an ambiguous offer: the next one of
    the batch (so that both products exist wherever the batch does)."""
    if count > 1:
        return start + (index - start + 1) % count
    return index - 1 if index > 0 else index + 1


def _sku_param(request):
    return unquote(request.params["sku"])


def _status_path(operation, import_id):
    return {
        "STO01": f"/api/offers/stock/imports/{import_id}/status",
        "PRI01": f"/api/offers/pricing/imports?import_id={import_id}",
        "OF01": f"/api/offers/imports/{import_id}",
        "OF24": f"/api/offers/imports/{import_id}",
    }[operation]


def _offer_page(request):
    try:
        limit = int(request.arg("max") or DEFAULT_OFFER_PAGE)
        offset = int(request.arg("offset") or 0)
    except ValueError as err:
        raise HttpError(400, "max and offset must be whole numbers") from err
    if not 1 <= limit <= MAX_OFFER_PAGE or offset < 0:
        raise HttpError(400, f"max must be 1 to {MAX_OFFER_PAGE} and offset 0 or more")
    return offset, limit


def _offer_sort(request):
    sort = request.arg("sort") or "totalPrice"
    if sort not in SORT_ORDERS:
        raise HttpError(
            400, f"Unknown sort field {sort!r}: {', '.join(SORT_ORDERS)} only"
        )
    order = (request.arg("order") or "asc").lower()
    if order not in ("asc", "desc"):
        raise HttpError(400, f"order must be asc or desc, not {order!r}")
    return sort, order == "desc"


def _offer_filters(request):
    """OF21's filters other than ``sku``, as predicates on an ``Offer``."""
    filters = []
    states = {s.strip() for s in (request.arg("offer_state_codes") or "").split(",")}
    states.discard("")
    if states:
        filters.append(lambda offer: offer.state_code in states)
    product = request.arg("product_id")
    if product:
        filters.append(lambda offer: offer.product_sku == product)
    favorite = (request.arg("favorite") or "false").lower()
    if favorite not in ("true", "false"):
        raise HttpError(400, f"favorite must be true or false, not {favorite!r}")
    if favorite == "true":
        filters.append(lambda offer: False)  # no favourite in the sandbox
    return filters


def _amount(cents):
    return float(cents_to_decimal(cents))


def _details(offer):
    details = dict(PLATFORM_DEFAULTS)
    if offer.details is None:  # seeded
        details["description"] = f"Offre {offer.title}"
    else:
        details.update(offer.details)
    return details


def _offer_json(offer, now, deadlines):
    """An offer as OF21 writes it (spoiled if the offer is malformed);
    ``deadlines`` caches the shipping deadline per lead time."""
    details = _details(offer)
    leadtime = details["leadtime_to_ship"] or 1  # Mirakl shows 0 as 1
    if leadtime not in deadlines:  # the end of the day it ships at the latest
        day = (now + timedelta(days=leadtime)).replace(
            hour=23, minute=59, second=59, microsecond=0
        )
        deadlines[leadtime] = format_timestamp(day)
    origin = _amount(offer.cents)
    discounted = offer.discount_on(now)
    shown = origin if discounted is None else _amount(discounted)
    prices = {
        "price": shown,
        "unit_origin_price": origin,
        "volume_prices": [
            {
                "price": shown,
                "quantity_threshold": 1,
                "unit_discount_price": shown,
                "unit_origin_price": origin,
            }
        ],
    }
    logistic = details["logistic_class"]
    record = {
        "active": offer.quantity > 0,
        "all_prices": [prices],
        "allow_quote_requests": details["allow_quote_requests"],
        "category_code": CATEGORY[0],
        "category_label": CATEGORY[1],
        "channels": CHANNELS,
        "currency_iso_code": "EUR",
        "description": details["description"],
        "fulfillment": {"center": {"code": "DEFAULT"}},
        "leadtime_to_ship": leadtime,
        "logistic_class": {
            "code": logistic,
            "label": LOGISTIC_CLASSES.get(logistic, logistic),
        },
        "max_order_quantity": details["max_order_quantity"],
        "min_order_quantity": details["min_order_quantity"],
        "min_quantity_alert": details["min_quantity_alert"],
        "min_shipping_price": 0.0,
        "min_shipping_price_additional": 0.0,
        "min_shipping_type": "STD",
        "min_shipping_zone": "FR-METRO",
        "offer_id": offer.offer_id,
        "package_quantity": details["package_quantity"],
        "price": shown,
        "product_references": [
            {"reference": ean, "reference_type": "EAN"} for ean in offer.eans
        ],
        "product_sku": offer.product_sku,
        "product_title": offer.title,
        "quantity": offer.quantity,
        "shipping_deadline": deadlines[leadtime],
        "shop_sku": offer.sku,
        "state_code": offer.state_code,
        "total_price": shown,
    }
    _optional_fields(record, offer, details, discounted)
    if offer.defect:
        _spoil(record, offer.defect)
    return record


def _optional_fields(record, offer, details, discounted):
    if not record["active"]:
        record["inactivity_reasons"] = ["ZERO_QUANTITY"]
    if offer.warehouses:
        record["warehouses"] = [
            {"code": code, "quantity": quantity}
            for code, quantity in sorted(offer.warehouses.items())
        ]
    for name, key in (
        ("internal_description", "internal_description"),
        ("price_additional_info", "price_additional_info"),
        ("available_started", "available_start_date"),
        ("available_ended", "available_end_date"),
    ):
        if details.get(name):
            record[key] = details[name]
    discount = offer.discount
    if discount:
        record["discount"] = {
            "discount_price": _amount(discount["cents"]),
            "origin_price": _amount(offer.cents),
            "ranges": [],
            **{k: discount[k] for k in ("start_date", "end_date") if discount[k]},
        }
        prices = record["all_prices"][0]
        prices["unit_discount_price"] = _amount(discount["cents"])
        for key in ("start_date", "end_date"):
            if discount[key]:
                prices[f"discount_{key}"] = discount[key]


def _spoil(record, defect):
    """What a malformed offer looks like in OF21."""
    if defect == "no_shop_sku":
        del record["shop_sku"]
    elif defect == "price_text":
        record["price"] = f"{record['price']:.2f} EUR".replace(".", ",")
    elif defect == "quantity_text":
        record["quantity"] = "beaucoup"


def _offer_record(offer):
    """An offer for tests and the admin routes (JSON-ready)."""
    record = {
        "offer_id": offer.offer_id,
        "shop_sku": offer.sku,
        "product_sku": offer.product_sku,
        "product_title": offer.title,
        "eans": list(offer.eans),
        "price": str(offer.price),
        "quantity": offer.quantity,
        "state_code": offer.state_code,
        "active": offer.quantity > 0,
        "kind": offer.kind,
        "defect": offer.defect,
        "warehouses": dict(offer.warehouses or {}),
        "discount": None,
    }
    if offer.discount:
        record["discount"] = {
            "price": str(cents_to_decimal(offer.discount["cents"])),
            "start_date": offer.discount["start_date"],
            "end_date": offer.discount["end_date"],
        }
    record.update(_details(offer))
    return record


def _counts(offer_import):
    done = offer_import.status == "COMPLETE"
    return {
        "has_error_report": done and bool(offer_import.errors),
        "lines_in_error": len(offer_import.errors),
        "lines_in_success": offer_import.lines_ok,
    }


def _date_created(offer_import):
    return format_timestamp(offer_import.created)


def _sto02_json(shop, offer_import):
    return {
        "date_created": _date_created(offer_import),
        "import_id": offer_import.import_id,
        "shop_id": shop.shop_id,
        "status": offer_import.status,
        **_counts(offer_import),
    }


def _pri02_json(shop, offer_import):
    return {
        "date_created": _date_created(offer_import),
        "import_id": offer_import.import_id,
        "offers_in_error": len(offer_import.skus_in_error),
        "offers_updated": len(offer_import.updated),
        "origin": "API",
        "reason_status": offer_import.reason,
        "shop_id": shop.shop_id,
        "status": offer_import.status,
        **_counts(offer_import),
    }


def _of02_json(offer_import):
    done = offer_import.done
    return {
        "date_created": _date_created(offer_import),
        "import_id": int(offer_import.import_id),
        "lines_in_pending": 0 if done else len(offer_import.rows),
        "lines_read": len(offer_import.rows) if done else 0,
        "mode": offer_import.mode,
        "offer_deleted": offer_import.deleted,
        "offer_inserted": offer_import.inserted,
        "offer_updated": len(offer_import.updated),
        "reason_status": offer_import.reason,
        "status": offer_import.status,
        "type": "MIRAKL",
        **_counts(offer_import),
    }


def _multipart_parts(request):
    """The parts of a multipart/form-data body, by name (400 if it is
    not one)."""
    content_type = request.headers.get("Content-Type") or ""
    if "multipart/form-data" not in content_type:
        raise HttpError(400, "The file must be sent as multipart/form-data")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + (request.body or b"")
    )
    if not message.is_multipart():
        raise HttpError(400, "The multipart body cannot be read")
    return {
        part.get_param("name", header="content-disposition"): part
        for part in message.iter_parts()
    }


def _part_bytes(parts, name):
    """The bytes of the part ``name`` of a multipart body (400 if none)."""
    part = parts.get(name)
    if part is None:
        raise HttpError(400, f"The multipart body has no '{name}' part")
    return part.get_payload(decode=True) or b""
