"""The offer side of the Mirakl emulator: OF21, STO01-03, PRI01-03.

Offers live per shop, keyed by seller SKU. Stock (STO01) and price (PRI01)
imports are CSV files sent as multipart uploads; an import moves from
WAITING to RUNNING to COMPLETE as it is polled (STO02/PRI02), is applied
when it completes, and keeps an error report of the lines it refused.
"""

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import timezone
from decimal import Decimal, InvalidOperation
from email.parser import BytesParser
from email.policy import HTTP

from . import catalog
from .server import HttpError, Response, format_timestamp

OF21_PARAMS = (
    "offer_state_codes",
    "sku",
    "product_id",
    "max",
    "offset",
    "sort",
    "order",
)
MAX_OFFER_PAGE = 100
DEFAULT_OFFER_PAGE = 10
# polls an import needs before it is complete: WAITING, RUNNING, COMPLETE
POLLS_TO_COMPLETE = 2


@dataclass
class OfferImport:
    import_id: str
    kind: str  # "stock" or "price"
    header: list
    rows: list
    created: object
    polls: int = 0
    status: str = "WAITING"
    errors: list = field(default_factory=list)  # (line number, message, row)
    applied: int = 0


def _ean(prefix, number):
    first12 = f"{prefix}{number:09d}"[:12]
    return first12 + catalog.ean13_checksum(first12)


class MiraklOffersMixin:
    """Offer store and routes of ``MiraklEmulator``."""

    def register_offer_routes(self):
        self.route("GET", "/api/offers", "OF21", self.list_offers, params=OF21_PARAMS)
        self.route("POST", "/api/offers/stock/imports", "STO01", self.stock_import)
        self.route(
            "GET",
            "/api/offers/stock/imports/(?P<import_id>[^/]+)/status",
            "STO02",
            self.stock_import_status,
        )
        self.route(
            "GET",
            "/api/offers/stock/imports/(?P<import_id>[^/]+)/error_report",
            "STO03",
            self.import_error_report,
        )
        self.route("POST", "/api/offers/pricing/imports", "PRI01", self.price_import)
        self.route(
            "GET",
            "/api/offers/pricing/imports",
            "PRI02",
            self.price_import_status,
            params=("import_id", "status", "start_date", "end_date", "origins"),
        )
        self.route(
            "GET",
            "/api/offers/pricing/imports/(?P<import_id>[^/]+)/error_report",
            "PRI03",
            self.import_error_report,
        )
        self.route("POST", "/api/offers", "OF24", self.offers_update)
        self.route(
            "GET",
            "/api/offers/imports/(?P<import>[0-9]+)",
            "OF02",
            self.offer_import_status,
        )
        self.admin_route("POST", "/offers", self._admin_create_offers)
        self.admin_route("GET", "/offers/(?P<sku>[^/]+)", self._admin_get_offer)
        self.admin_route("POST", "/offers/(?P<sku>[^/]+)", self._admin_set_offer)

    # ------------------------------------------------------------------
    # store
    # ------------------------------------------------------------------
    def create_offers(
        self,
        shop_id,
        count,
        unknown_sku_share=0.0,
        ambiguous_share=0.0,
        ean_only_share=0.0,
        quantity=None,
        start=0,
    ):
        """``count`` offers from catalogue products ``start`` onwards.

        Exactly ``round(count * share)`` offers of each kind: *unknown* (a
        SKU and an EAN in no catalogue), *ambiguous* (an unknown SKU and the
        EANs of two catalogue products), *ean_only* (an unknown SKU and the
        product's EAN). Returns the SKUs of each kind and the count.
        """
        shop = self.shop(shop_id)
        rng = random.Random(f"mirakl-offers-{self.seed}-{shop.shop_id}-{start}-{count}")
        indexes = list(range(start, start + count))
        kinds = {}
        pool = list(indexes)
        rng.shuffle(pool)
        for kind, share in (
            ("unknown", unknown_sku_share),
            ("ambiguous", ambiguous_share),
            ("ean_only", ean_only_share),
        ):
            for index in pool[: round(count * share)]:
                kinds[index] = kind
            pool = pool[round(count * share) :]
        summary = {"created": 0, "unknown": [], "ambiguous": [], "ean_only": []}
        with self.lock:
            for index in indexes:
                product = catalog.product(self.seed, index)
                kind = kinds.get(index)
                sku, eans = product["sku"], [product["ean"]]
                if kind == "unknown":
                    sku, eans = catalog.unknown_sku(index), [_ean("299", index)]
                elif kind == "ambiguous":
                    sku = f"AMBIGUOUS-{index:06d}"
                    other = start + (index - start + 1) % count
                    eans.append(catalog.product(self.seed, other)["ean"])
                elif kind == "ean_only":
                    sku = f"SHOP-{index:06d}"
                if kind:
                    summary[kind].append(sku)
                shop.next_offer_id = getattr(shop, "next_offer_id", 2000) + 1
                shop.offers[sku] = {
                    "offer_id": shop.next_offer_id,
                    "shop_sku": sku,
                    "product_sku": f"MKP{index + 1:08d}",
                    "product_title": product["name"],
                    "eans": eans,
                    "price": Decimal(product["price"]),
                    "quantity": rng.randrange(0, 30) if quantity is None else quantity,
                    "state_code": "11",
                    "active": True,
                }
                summary["created"] += 1
            shop.offer_order = None
        return summary

    def offer(self, shop_id, sku):
        """The stored offer (a copy), ``KeyError`` when unknown."""
        with self.lock:
            record = dict(self.shop(shop_id).offers[sku])
        record["price"] = str(record["price"])
        return record

    def set_offer(self, shop_id, sku, quantity=None, price=None):
        """Change an offer as the marketplace's back office would."""
        with self.lock:
            offer = self.shop(shop_id).offers[sku]
            if quantity is not None:
                offer["quantity"] = int(quantity)
            if price is not None:
                offer["price"] = Decimal(str(price))
                self.shop(shop_id).offer_order = None

    def delete_offer(self, shop_id, sku):
        with self.lock:
            self.shop(shop_id).offers.pop(sku, None)
            self.shop(shop_id).offer_order = None

    def reset_offers(self, shop_id):
        with self.lock:
            shop = self.shop(shop_id)
            shop.offers.clear()
            shop.offer_order = None

    # ------------------------------------------------------------------
    # OF21
    # ------------------------------------------------------------------
    def _sorted_offers(self, shop):
        """Offers by total price, then offer id (OF21's default sort)."""
        if getattr(shop, "offer_order", None) is None:
            shop.offer_order = sorted(
                shop.offers,
                key=lambda sku: (
                    shop.offers[sku]["price"],
                    shop.offers[sku]["offer_id"],
                ),
            )
        return shop.offer_order

    def list_offers(self, request, shop):
        try:
            limit = int(request.arg("max") or DEFAULT_OFFER_PAGE)
            offset = int(request.arg("offset") or 0)
        except ValueError as err:
            raise HttpError(400, "max and offset must be whole numbers") from err
        if not 1 <= limit <= MAX_OFFER_PAGE or offset < 0:
            raise HttpError(
                400, f"max must be 1 to {MAX_OFFER_PAGE} and offset 0 or more"
            )
        sku = request.arg("sku")
        states = set(filter(None, (request.arg("offer_state_codes") or "").split(",")))
        product = request.arg("product_id")
        with self.lock:
            order = self._sorted_offers(shop)
            if sku or states or product:
                order = [
                    s
                    for s in order
                    if (not sku or s == sku)
                    and (not states or shop.offers[s]["state_code"] in states)
                    and (not product or shop.offers[s]["product_sku"] == product)
                ]
            page = [
                self._render_offer(shop.offers[s])
                for s in order[offset : offset + limit]
            ]
            total = len(order)
        return Response.json({"offers": page, "total_count": total})

    def _render_offer(self, offer):
        price = float(offer["price"])
        created = format_timestamp(self.clock.now().astimezone(timezone.utc))
        record = {
            "active": offer["active"],
            "all_prices": [
                {
                    "price": price,
                    "unit_origin_price": price,
                    "volume_prices": [],
                }
            ],
            "category_code": "sandbox",
            "category_label": "Sandbox",
            "channels": [],
            "currency_iso_code": "EUR",
            "description": "",
            "fulfillment": {"center": {"code": "DEFAULT"}},
            "leadtime_to_ship": 2,
            "logistic_class": {"code": "S", "label": "Small"},
            "max_order_quantity": 0,
            "min_order_quantity": 0,
            "min_quantity_alert": 0,
            "min_shipping_price": 0.0,
            "min_shipping_price_additional": 0.0,
            "min_shipping_type": "STD",
            "min_shipping_zone": "FR",
            "offer_id": offer["offer_id"],
            "package_quantity": 1,
            "price": price,
            "product_references": [
                {"reference": ean, "reference_type": "EAN"} for ean in offer["eans"]
            ],
            "product_sku": offer["product_sku"],
            "product_title": offer["product_title"],
            "quantity": offer["quantity"],
            "shipping_deadline": created,
            "shop_sku": offer["shop_sku"],
            "state_code": offer["state_code"],
            "total_price": price,
        }
        return record

    # ------------------------------------------------------------------
    # STO01-03, PRI01-03
    # ------------------------------------------------------------------
    def stock_import(self, request, shop):
        return self._new_import(request, shop, "stock", ("offer-sku", "quantity"))

    def price_import(self, request, shop):
        return self._new_import(request, shop, "price", ("offer-sku", "price"))

    def _new_import(self, request, shop, kind, required):
        content = _multipart_file(request)
        text = content.decode("utf-8-sig", "replace")
        reader = csv.reader(io.StringIO(text), delimiter=";")
        header = next(reader, None) or []
        missing = [column for column in required if column not in header]
        if missing:
            raise HttpError(400, f"The file misses the column(s) {', '.join(missing)}")
        with self.lock:
            shop.next_import_id = getattr(shop, "next_import_id", 5000) + 1
            import_id = str(shop.next_import_id)
            shop.imports[import_id] = OfferImport(
                import_id=import_id,
                kind=kind,
                header=header,
                rows=[row for row in reader if row],
                created=self.clock.now(),
            )
        return Response.json({"import_id": import_id}, status=201)

    def _find_import(self, shop, import_id, kind):
        offer_import = shop.imports.get(import_id)
        if offer_import is None or offer_import.kind != kind:
            raise HttpError(404, f"Import {import_id} not found")
        return offer_import

    def _poll(self, shop, offer_import):
        """Move the import on; apply it when it completes."""
        if offer_import.status in ("COMPLETE", "FAILED"):
            return
        offer_import.polls += 1
        if offer_import.polls < POLLS_TO_COMPLETE:
            offer_import.status = "RUNNING"
            return
        if offer_import.kind == "of24":
            self._apply_of24(shop, offer_import)
        else:
            self._apply_import(shop, offer_import)
        offer_import.status = "COMPLETE"

    def _apply_import(self, shop, offer_import):
        column = {name: index for index, name in enumerate(offer_import.header)}
        value_column = "quantity" if offer_import.kind == "stock" else "price"
        for number, row in enumerate(offer_import.rows, start=2):
            sku = row[column["offer-sku"]] if len(row) > column["offer-sku"] else ""
            raw = row[column[value_column]] if len(row) > column[value_column] else ""
            offer = shop.offers.get(sku)
            error = None
            if offer is None:
                error = f"The offer with SKU '{sku}' does not exist"
            elif offer_import.kind == "stock":
                if not raw.isdigit():
                    error = f"The quantity '{raw}' must be a positive whole number"
                else:
                    offer["quantity"] = int(raw)
            else:
                try:
                    price = Decimal(raw)
                except InvalidOperation:
                    price = None
                if price is None or price <= 0:
                    error = f"The price '{raw}' must be a positive number"
                else:
                    offer["price"] = price.quantize(Decimal("0.01"))
                    shop.offer_order = None
            if error:
                offer_import.errors.append((number, error, row))
            else:
                offer_import.applied += 1

    def _import_json(self, shop, offer_import):
        return {
            "date_created": format_timestamp(
                offer_import.created.astimezone(timezone.utc)
            ),
            "has_error_report": bool(offer_import.errors),
            "import_id": offer_import.import_id,
            "lines_in_error": len(offer_import.errors),
            "lines_in_success": offer_import.applied,
            "shop_id": shop.shop_id,
            "status": offer_import.status,
        }

    def stock_import_status(self, request, shop):
        with self.lock:
            offer_import = self._find_import(shop, request.params["import_id"], "stock")
            self._poll(shop, offer_import)
            return Response.json(self._import_json(shop, offer_import))

    def price_import_status(self, request, shop):
        wanted = set(request.args("import_id"))
        data = []
        with self.lock:
            for offer_import in shop.imports.values():
                if offer_import.kind != "price":
                    continue
                if wanted and offer_import.import_id not in wanted:
                    continue
                self._poll(shop, offer_import)
                record = self._import_json(shop, offer_import)
                record.update(
                    offers_in_error=len(offer_import.errors),
                    offers_updated=offer_import.applied,
                    origin="API",
                    reason_status="",
                )
                data.append(record)
        return Response.json({"data": data})

    def import_error_report(self, request, shop):
        import_id = request.params["import_id"]
        kind = "stock" if "/stock/" in request.path else "price"
        with self.lock:
            offer_import = self._find_import(shop, import_id, kind)
            if offer_import.status != "COMPLETE" or not offer_import.errors:
                raise HttpError(404, f"Import {import_id} has no error report")
            buffer = io.StringIO()
            writer = csv.writer(
                buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n"
            )
            writer.writerow(["line-number", "error-message", *offer_import.header])
            for number, message, row in offer_import.errors:
                writer.writerow([number, message, *row])
        return Response.text(buffer.getvalue(), content_type="text/csv;charset=UTF-8")

    # ------------------------------------------------------------------
    # OF24 (and OF02 for its status)
    # ------------------------------------------------------------------
    def offers_update(self, request, shop):
        """OF24: every offer given is replaced as a whole. A field left out
        goes back to its default (quantity 0, no description, no discount),
        as Mirakl does, so a client sending only the quantity wipes the rest.
        """
        body = request.json_object()
        offers = body.get("offers")
        if not isinstance(offers, list) or not offers:
            raise HttpError(400, "offers must be a non-empty list")
        with self.lock:
            shop.next_import_id = getattr(shop, "next_import_id", 5000) + 1
            offer_import = OfferImport(
                import_id=str(shop.next_import_id),
                kind="of24",
                header=[],
                rows=offers,
                created=self.clock.now(),
            )
            shop.imports[offer_import.import_id] = offer_import
        return Response.json({"import_id": int(offer_import.import_id)}, status=201)

    def _apply_of24(self, shop, offer_import):
        for number, item in enumerate(offer_import.rows, start=1):
            error = _of24_error(item)
            if error:
                offer_import.errors.append((number, error, item))
                continue
            sku = item["shop_sku"]
            if item["update_delete"] == "delete":
                shop.offers.pop(sku, None)
            else:
                previous = shop.offers.get(sku)
                shop.next_offer_id = getattr(shop, "next_offer_id", 2000) + 1
                shop.offers[sku] = {
                    "offer_id": previous["offer_id"]
                    if previous
                    else shop.next_offer_id,
                    "shop_sku": sku,
                    "product_sku": previous["product_sku"]
                    if previous
                    else item["product_id"],
                    "product_title": previous["product_title"] if previous else sku,
                    "eans": [item["product_id"]]
                    if item["product_id_type"] == "EAN"
                    else (previous["eans"] if previous else []),
                    "price": Decimal(str(item["price"])).quantize(Decimal("0.01")),
                    "quantity": int(item.get("quantity") or 0),  # omitted: 0
                    "state_code": item["state_code"],
                    "active": True,
                    "description": item.get("description") or "",
                }
            offer_import.applied += 1
        shop.offer_order = None

    def offer_import_status(self, request, shop):
        with self.lock:
            offer_import = self._find_import(shop, request.params["import"], "of24")
            self._poll(shop, offer_import)
            record = self._import_json(shop, offer_import)
        record.update(
            import_id=int(offer_import.import_id),
            lines_in_pending=0,
            lines_read=len(offer_import.rows),
            mode="NORMAL",
            offer_deleted=0,
            offer_inserted=0,
            offer_updated=offer_import.applied,
            reason_status="",
            type="API",
        )
        record.pop("shop_id")
        return Response.json(record)

    # ------------------------------------------------------------------
    # admin
    # ------------------------------------------------------------------
    def _admin_create_offers(self, request):
        body = request.json_object()
        summary = self.create_offers(
            body.get("shop_id", self.shop_specs[0][0]),
            body.get("count", 1),
            unknown_sku_share=body.get("unknown_sku_share", 0.0),
            ambiguous_share=body.get("ambiguous_share", 0.0),
            ean_only_share=body.get("ean_only_share", 0.0),
            quantity=body.get("quantity"),
            start=body.get("start", 0),
        )
        return Response.json(summary)

    def _admin_shop(self, request):
        try:
            return self.shop(request.arg("shop_id") or self.shop_specs[0][0])
        except ValueError as err:
            raise HttpError(404, str(err)) from err

    def _admin_get_offer(self, request):
        shop = self._admin_shop(request)
        try:
            return Response.json(self.offer(shop.shop_id, request.params["sku"]))
        except KeyError as err:
            raise HttpError(404, "No such offer") from err

    def _admin_set_offer(self, request):
        shop = self._admin_shop(request)
        body = request.json_object()
        try:
            self.set_offer(
                shop.shop_id,
                request.params["sku"],
                quantity=body.get("quantity"),
                price=body.get("price"),
            )
        except KeyError as err:
            raise HttpError(404, "No such offer") from err
        return Response.json(self.offer(shop.shop_id, request.params["sku"]))


OF24_REQUIRED = (
    "shop_sku",
    "product_id",
    "product_id_type",
    "state_code",
    "update_delete",
)


def _of24_error(item):
    """Why an OF24 offer is refused, or None."""
    if not isinstance(item, dict):
        return "The offer is not an object"
    missing = [key for key in OF24_REQUIRED if not item.get(key)]
    if item.get("update_delete") != "delete" and item.get("price") is None:
        missing.append("price")
    if missing:
        return f"Missing field(s): {', '.join(missing)}"
    if item["update_delete"] not in ("update", "delete"):
        return f"update_delete must be update or delete, not {item['update_delete']!r}"
    quantity = item.get("quantity")
    if quantity is not None and (not isinstance(quantity, int) or quantity < 0):
        return f"The quantity {quantity!r} must be a positive whole number"
    return None


def _multipart_file(request, name="file"):
    """The content of the uploaded file ``name`` of a multipart request."""
    content_type = request.headers.get("Content-Type") or ""
    if "multipart/form-data" not in content_type:
        raise HttpError(400, "The file must be sent as multipart/form-data")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + (request.body or b"")
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == name:
            return part.get_payload(decode=True) or b""
    raise HttpError(400, f"The multipart body has no '{name}' part")
