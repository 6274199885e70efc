"""Emulator of the Mirakl seller (shop) API.

Mirrors the official seller OpenAPI for what the connectors use: V01 (health),
A01 (shop account), SH21 (carriers), OR11 (orders with offset pagination and
update-date filters), OR21 (accept/refuse lines), OR23 (tracking), OR24
(ship), OR29 (cancel). Each shop is reached with its own API key in the
``Authorization`` header (the raw key, no "Bearer"), as on a Mirakl instance.
Errors answer ``{"status": <code>, "message": ...}`` plus
``"errors": [{"code": ..., "message": ...}]`` for the documented symbolic
codes (``ORDER_INVALID_STATE``...).

Orders are generated deterministically from the seed: the Nth order of a
shop is the same whatever else happens. Some orders can be generated with an
unknown SKU or malformed on purpose; a malformed order is served the same way
on every call, with one defect a strict client must refuse.
"""

import copy
import random
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from . import catalog
from .server import Emulator, HttpError, Response

ORDER_STATES = (
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
    "SHIPPED",
    "TO_COLLECT",
    "RECEIVED",
    "CLOSED",
    "REFUSED",
    "CANCELED",
)
CANCELLABLE_STATES = (
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
)
DEFECTS = (
    "quantity_text",
    "price_unit_null",
    "no_order_lines",
    "no_shipping_address",
    "negative_quantity",
    "bad_created_date",
    "totals_mismatch",
)
CARRIERS = (
    (
        "COLISSIMO",
        "Colissimo",
        "https://www.laposte.fr/outils/suivre-vos-envois?code={trackingId}",
    ),
    (
        "CHRONOPOST",
        "Chronopost",
        "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={trackingId}",
    ),
    ("DPD", "DPD", "https://trace.dpd.fr/fr/trace/{trackingId}"),
    ("GLS", "GLS", "https://gls-group.com/FR/fr/suivi-colis?match={trackingId}"),
    ("UPS", "UPS", "https://www.ups.com/track?tracknum={trackingId}"),
    (
        "DHL",
        "DHL",
        "https://www.dhl.com/fr-fr/home/tracking.html?tracking-id={trackingId}",
    ),
    ("FEDEX", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={trackingId}"),
)
DEFAULT_SHOPS = (
    (2001, "Carrefour sandbox shop", "sandbox-carrefour-key", "carrefour"),
    (2002, "Boulanger sandbox shop", "sandbox-boulanger-key", "boulanger"),
    (2003, "Leroy Merlin sandbox shop", "sandbox-leroymerlin-key", "leroymerlin"),
    (2004, "Conforama sandbox shop", "sandbox-conforama-key", "conforama"),
)
MAX_PAGE = 100
DEFAULT_PAGE = 10
CENT = Decimal("0.01")

_FIRST_NAMES = (
    "Jeanne",
    "Louis",
    "Camille",
    "Hugo",
    "Léa",
    "Lucas",
    "Chloé",
    "Nathan",
    "Manon",
    "Théo",
    "Inès",
    "Jules",
    "Sarah",
    "Gabriel",
    "Emma",
    "Arthur",
    "Zoé",
    "Raphaël",
    "Alice",
    "Paul",
    "Juliette",
    "Tom",
    "Lina",
    "Noah",
)
_LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
)
_STREETS = (
    "rue des Lilas",
    "avenue Jean Jaurès",
    "boulevard Victor Hugo",
    "rue de la Paix",
    "place de la République",
    "rue Pasteur",
    "allée des Tilleuls",
    "chemin du Moulin",
    "rue Nationale",
    "impasse des Roses",
    "quai de la Loire",
    "rue du Château",
)
_FR_CITIES = (
    ("69003", "Lyon"),
    ("75011", "Paris"),
    ("13008", "Marseille"),
    ("31000", "Toulouse"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("34000", "Montpellier"),
    ("35000", "Rennes"),
    ("06000", "Nice"),
    ("21000", "Dijon"),
)
_BE_CITIES = (("1000", "Bruxelles"), ("4000", "Liège"), ("5000", "Namur"))
_CATEGORIES = (
    ("H100", "Maison"),
    ("H200", "Cuisine"),
    ("B300", "Bricolage"),
    ("L400", "Livres"),
    ("E500", "Électroménager"),
    ("J600", "Jeux"),
)


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def iso(moment):
    """UTC timestamp as Mirakl writes it: milliseconds and ``Z``."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_date(value, name):
    text = (value or "").strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise HttpError(400, f"Invalid date for parameter {name}: {value!r}") from err
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class Shop:
    def __init__(self, shop_id, name, api_key, operator):
        self.shop_id = shop_id
        self.name = name
        self.api_key = api_key
        self.operator = operator
        self.orders = {}  # order_id -> order record (dict), in creation order
        self.next_index = 1


class MiraklEmulator(Emulator):
    name = "mirakl"

    def __init__(
        self,
        seed=42,
        faults=None,
        shops=DEFAULT_SHOPS,
        catalog_size=60,
        debit_delay_seconds=0,
        update_date_delta_seconds=0,
    ):
        self.shop_specs = tuple(shops)
        self.catalog_size = catalog_size
        self.debit_delay = timedelta(seconds=debit_delay_seconds)
        self.update_date_delta = timedelta(seconds=update_date_delta_seconds)
        super().__init__(seed=seed, faults=faults)
        self.reset_store()

    # ------------------------------------------------------------------
    # store
    # ------------------------------------------------------------------
    def reset_store(self):
        with self.lock:
            self.shops = {spec[0]: Shop(*spec) for spec in self.shop_specs}
            self.keys = {shop.api_key: shop for shop in self.shops.values()}
            self.products = catalog.products(self.seed, max(self.catalog_size, 1))
            self.customers = [self._customer(i) for i in range(300)]
            self._last_moment = None

    def _now(self):
        """Now, strictly after the previous timestamp given (1 ms apart)."""
        now = datetime.now(timezone.utc)
        moment = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last_moment and moment <= self._last_moment:
            moment = self._last_moment + timedelta(milliseconds=1)
        self._last_moment = moment
        return moment

    def _customer(self, index):
        rng = random.Random(f"mirakl-customer-{self.seed}-{index}")
        first = rng.choice(_FIRST_NAMES)
        last = rng.choice(_LAST_NAMES)
        belgian = rng.random() < 0.08
        zip_code, city = rng.choice(_BE_CITIES if belgian else _FR_CITIES)
        address = {
            "civility": rng.choice(("M", "MME")),
            "firstname": first,
            "lastname": last,
            "street_1": f"{rng.randint(1, 150)} {rng.choice(_STREETS)}",
            "zip_code": zip_code,
            "city": city,
            "country": "Belgique" if belgian else "France",
            "country_iso_code": "BEL" if belgian else "FRA",
            "phone": f"0{rng.randint(1, 7)}{rng.randint(10000000, 99999999)}",
        }
        customer = {
            "customer_id": f"C-{self.seed}-{index:05d}",
            "civility": address["civility"],
            "firstname": first,
            "lastname": last,
            "locale": "fr_BE" if belgian else "fr_FR",
            "billing_address": dict(address),
            "shipping_address": dict(address),
        }
        if rng.random() < 0.25:
            other = dict(address)
            other["street_1"] = f"{rng.randint(1, 150)} {rng.choice(_STREETS)}"
            other["street_2"] = f"Bâtiment {rng.choice('ABCD')}"
            customer["shipping_address"] = other
        if rng.random() < 0.1:
            company = f"{last} {rng.choice(('SARL', 'SAS', 'EURL'))}"
            vat_number = f"FR{rng.randint(10, 99)}{rng.randint(100000000, 999999999)}"
            customer["organization"] = {
                "organization_id": f"ORG-{index:05d}",
                "name": company,
                "tax_identification_number": vat_number,
                "address": {
                    "street_1": address["street_1"],
                    "zip_code": zip_code,
                    "city": city,
                    "country_iso_code": address["country_iso_code"],
                },
            }
            customer["billing_address"]["company"] = company
        return customer

    def create_orders(
        self,
        shop_id,
        count,
        unknown_sku_share=0.0,
        malformed_share=0.0,
        lines=(1, 3),
        state="WAITING_ACCEPTANCE",
        catalog_size=None,
    ):
        """Create ``count`` orders in a shop; return their ids.

        Exactly ``round(count * unknown_sku_share)`` orders get one line with
        an unknown SKU and ``round(count * malformed_share)`` others are
        malformed, chosen deterministically.
        """
        if state not in ORDER_STATES:
            raise HttpError(400, f"Unknown order state {state!r}")
        shop = self._shop(shop_id)
        count = int(count)
        n_unknown = round(count * float(unknown_sku_share))
        n_malformed = round(count * float(malformed_share))
        if n_unknown + n_malformed > count:
            raise HttpError(400, "More unknown-SKU and malformed orders than orders")
        size = min(int(catalog_size or self.catalog_size), len(self.products))
        with self.lock:
            start = shop.next_index
            picker = random.Random(
                f"mirakl-batch-{self.seed}-{shop_id}-{start}-{count}"
            )
            chosen = picker.sample(range(count), n_unknown + n_malformed)
            unknown = set(chosen[:n_unknown])
            malformed = set(chosen[n_unknown:])
            ids = []
            for offset in range(count):
                index = start + offset
                kind = (
                    "unknown_sku"
                    if offset in unknown
                    else "malformed"
                    if offset in malformed
                    else "valid"
                )
                record = self._new_order(shop, index, kind, tuple(lines), state, size)
                shop.orders[record["order_id"]] = record
                ids.append(record["order_id"])
            shop.next_index = start + count
        return ids

    def _new_order(self, shop, index, kind, lines, state, size):
        rng = random.Random(f"mirakl-order-{self.seed}-{shop.shop_id}-{index}")
        order_id = f"MKP-{shop.shop_id}-{index:06d}-A"
        now = self._now()
        customer_index = rng.randrange(len(self.customers))
        n_lines = rng.randint(lines[0], lines[1])
        order_lines = []
        for number in range(1, n_lines + 1):
            product = self.products[rng.randrange(size)]
            quantity = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
            shipping = rng.choice(
                (Decimal(0), Decimal("2.90"), Decimal("4.90"), Decimal("6.90"))
            )
            order_lines.append(
                {
                    "id": f"{order_id}-{number}",
                    "index": number,
                    "sku": product["sku"],
                    "title": product["name"],
                    "product_sku": f"MKP{product['ean'][-9:]}",
                    "offer_id": 10000 + int(product["sku"][-4:]),
                    "quantity": quantity,
                    "price_unit": Decimal(product["price"]),
                    "rate": Decimal(product["tax_rate"]),
                    "shipping": shipping,
                    "category": rng.choice(_CATEGORIES),
                    "state": state,
                }
            )
        defect = None
        if kind == "unknown_sku":
            line = order_lines[rng.randrange(len(order_lines))]
            line["sku"] = catalog.unknown_sku(shop.shop_id * 100000 + index)
            line["title"] = "Produit inconnu"
        elif kind == "malformed":
            defect = DEFECTS[rng.randrange(len(DEFECTS))]
        accepted = state not in ("STAGING", "WAITING_ACCEPTANCE")
        return {
            "order_id": order_id,
            "shop_id": shop.shop_id,
            "index": index,
            "kind": kind,
            "defect": defect,
            "state": state,
            "created": now,
            "updated": now,
            "accepted_at": now if accepted else None,
            "shipped_at": now
            if state in ("SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED")
            else None,
            "customer_index": customer_index,
            "lines": order_lines,
            "shipping_type": rng.choice((("STD", "Standard"), ("EXP", "Express"))),
            "tracking": {},
            "decisions": {},
            "history": [(iso(now), state)],
        }

    def _shop(self, shop_id):
        try:
            return self.shops[int(shop_id)]
        except (KeyError, TypeError, ValueError) as err:
            raise HttpError(404, f"Unknown shop {shop_id}") from err

    def _set_state(self, record, state, lines_state=None, moment=None):
        moment = moment or self._now()
        record["state"] = state
        record["updated"] = moment
        record["history"].append((iso(moment), state))
        for line in record["lines"]:
            if lines_state and line["state"] != "REFUSED":
                line["state"] = lines_state

    def _refresh(self, record):
        """Lazy clock: an accepted order becomes payable after the delay."""
        if record["state"] == "WAITING_DEBIT_PAYMENT":
            due = record["accepted_at"] + self.debit_delay
            if not self.debit_delay or datetime.now(timezone.utc) >= due:
                self._set_state(
                    record, "SHIPPING", "SHIPPING", moment=max(due, record["updated"])
                )

    def order_record(self, order_id):
        """The internal record of an order (for tests), JSON-ready."""
        with self.lock:
            record = self._find_order(order_id)
            self._refresh(record)
            return {
                "order_id": record["order_id"],
                "shop_id": record["shop_id"],
                "kind": record["kind"],
                "defect": record["defect"],
                "state": record["state"],
                "created_date": iso(record["created"]),
                "last_updated_date": iso(record["updated"]),
                "lines": [
                    {
                        "order_line_id": line["id"],
                        "offer_sku": line["sku"],
                        "quantity": line["quantity"],
                        "state": line["state"],
                    }
                    for line in record["lines"]
                ],
                "total_price": float(self._totals(record)[2]),
                "tracking": dict(record["tracking"]),
                "decisions": dict(record["decisions"]),
                "history": [list(item) for item in record["history"]],
            }

    def _find_order(self, order_id, shop=None):
        shops = [shop] if shop else self.shops.values()
        for candidate in shops:
            if order_id in candidate.orders:
                return candidate.orders[order_id]
        raise HttpError(
            404,
            f"Order {order_id} not found",
            errors=[
                {"code": "ORDER_NOT_FOUND", "message": f"Order {order_id} not found"}
            ],
        )

    # ------------------------------------------------------------------
    # rendering (OR11 order shape)
    # ------------------------------------------------------------------
    def _line_amounts(self, line):
        price = money(line["price_unit"] * line["quantity"])
        rate = line["rate"]
        tax = money(price * rate / (100 + rate))
        shipping = line["shipping"]
        shipping_tax = money(shipping * Decimal(20) / Decimal(120))
        fee = money((price + shipping) * Decimal("0.12"))
        fee_vat = money(fee * Decimal("0.2"))
        return price, tax, shipping, shipping_tax, fee, fee_vat

    def _totals(self, record):
        price = shipping = commission = Decimal(0)
        for line in record["lines"]:
            line_price, _tax, line_shipping, _stax, fee, fee_vat = self._line_amounts(
                line
            )
            price += line_price
            shipping += line_shipping
            commission += fee + fee_vat
        return price, shipping, price + shipping, commission

    def render(self, record):
        customer = copy.deepcopy(self.customers[record["customer_index"]])
        created, updated = iso(record["created"]), iso(record["updated"])
        lines = []
        for line in record["lines"]:
            price, tax, shipping, shipping_tax, fee, fee_vat = self._line_amounts(line)
            rate = line["rate"]
            rate_code = f"TVA_{str(rate.normalize()).replace('.', '_')}"
            lines.append(
                {
                    "can_refund": line["state"] in ("SHIPPED", "RECEIVED", "CLOSED"),
                    "cancelations": [],
                    "category_code": line["category"][0],
                    "category_label": line["category"][1],
                    "commission_fee": float(fee),
                    "commission_rate_vat": 20.0,
                    "commission_taxes": [
                        {"amount": float(fee_vat), "code": "TVA_20", "rate": 20.0}
                    ],
                    "commission_vat": float(fee_vat),
                    "created_date": created,
                    "debited_date": iso(record["accepted_at"])
                    if record["accepted_at"]
                    else None,
                    "description": line["title"],
                    "last_updated_date": updated,
                    "offer_id": line["offer_id"],
                    "offer_sku": line["sku"],
                    "offer_state_code": "11",
                    "order_line_additional_fields": [],
                    "order_line_id": line["id"],
                    "order_line_index": line["index"],
                    "order_line_state": line["state"],
                    "price": float(price),
                    "price_unit": float(line["price_unit"]),
                    "product_medias": [],
                    "product_sku": line["product_sku"],
                    "product_title": line["title"],
                    "quantity": line["quantity"],
                    "refunds": [],
                    "shipped_date": iso(record["shipped_at"])
                    if record["shipped_at"]
                    else None,
                    "shipping_price": float(shipping),
                    "shipping_taxes": [
                        {
                            "amount": float(shipping_tax),
                            "code": "TVA_20",
                            "rate": 20.0,
                            "tax_calculation_rule": "PROPORTIONAL",
                        }
                    ]
                    if shipping
                    else [],
                    "taxes": [
                        {
                            "amount": float(tax),
                            "code": rate_code,
                            "rate": float(rate),
                            "tax_calculation_rule": "PROPORTIONAL",
                        }
                    ],
                    "total_commission": float(fee + fee_vat),
                    "total_price": float(price + shipping),
                }
            )
        price, shipping, total, commission = self._totals(record)
        state = record["state"]
        tracking = record["tracking"]
        order = {
            "acceptance_decision_date": iso(record["accepted_at"])
            if record["accepted_at"]
            else None,
            "can_cancel": state in CANCELLABLE_STATES,
            "can_shop_ship": state == "SHIPPING",
            "channel": {"code": "FR", "label": "France"},
            "commercial_id": record["order_id"][:-2],
            "created_date": created,
            "currency_iso_code": "EUR",
            "customer": customer,
            "customer_debited_date": iso(record["accepted_at"])
            if record["accepted_at"]
            else None,
            "customer_directly_pays_seller": False,
            "customer_notification_email": (
                f"relay-{record['order_id'].lower()}@sandbox.mirakl.invalid"
            ),
            "fulfillment": {"center": {"code": "DEFAULT"}},
            "fully_refunded": False,
            "has_customer_message": False,
            "has_incident": False,
            "has_invoice": False,
            "last_updated_date": updated,
            "leadtime_to_ship": 2,
            "order_additional_fields": [],
            "order_id": record["order_id"],
            "order_lines": lines,
            "order_state": state,
            "order_tax_mode": "TAX_INCLUDED",
            "paymentType": "CREDIT_CARD",
            "payment_type": "CREDIT_CARD",
            "payment_workflow": "PAY_ON_ACCEPTANCE",
            "price": float(price),
            "references": {"order_reference_for_customer": record["order_id"][:-2]},
            "shipping_deadline": iso(record["created"] + timedelta(days=3)),
            "shipping_price": float(shipping),
            "shipping_type_code": record["shipping_type"][0],
            "shipping_type_label": record["shipping_type"][1],
            "shipping_zone_code": "FR",
            "shipping_zone_label": "France métropolitaine",
            "total_commission": float(commission),
            "total_price": float(total),
        }
        if tracking:
            order.update(
                {
                    "shipping_carrier_code": tracking.get("carrier_code"),
                    "shipping_company": tracking.get("carrier_name"),
                    "shipping_tracking": tracking.get("tracking_number"),
                    "shipping_tracking_url": tracking.get("carrier_url"),
                }
            )
        order = {k: v for k, v in order.items() if v is not None}
        for line in lines:
            for key in [k for k, v in line.items() if v is None]:
                del line[key]
        if record["defect"]:
            self._apply_defect(order, record["defect"])
        return order

    @staticmethod
    def _apply_defect(order, defect):
        lines = order.get("order_lines") or []
        if defect == "quantity_text":
            lines[0]["quantity"] = "two"
        elif defect == "price_unit_null":
            lines[0]["price_unit"] = None
        elif defect == "no_order_lines":
            del order["order_lines"]
        elif defect == "no_shipping_address":
            del order["customer"]["shipping_address"]
        elif defect == "negative_quantity":
            lines[0]["quantity"] = -lines[0]["quantity"]
        elif defect == "bad_created_date":
            order["created_date"] = "32/13/2025 25:61"
        elif defect == "totals_mismatch":
            order["price"] = round(order["price"] + 10.0, 2)
            order["total_price"] = round(order["total_price"] + 10.0, 2)

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------
    def register_routes(self):
        self.route("GET", "/api/version", "V01", self.version)
        self.route("GET", "/api/account", "A01", self.account)
        self.route("GET", "/api/shipping/carriers", "SH21", self.carriers)
        self.route("GET", "/api/orders", "OR11", self.list_orders)
        self.route("PUT", "/api/orders/(?P<order_id>[^/]+)/accept", "OR21", self.accept)
        self.route(
            "PUT", "/api/orders/(?P<order_id>[^/]+)/tracking", "OR23", self.tracking
        )
        self.route("PUT", "/api/orders/(?P<order_id>[^/]+)/ship", "OR24", self.ship)
        self.route("PUT", "/api/orders/(?P<order_id>[^/]+)/cancel", "OR29", self.cancel)
        self.admin_route("POST", "/orders", self._admin_create_orders)
        self.admin_route("GET", "/orders/(?P<order_id>[^/]+)", self._admin_get_order)
        self.admin_route(
            "POST", "/orders/(?P<order_id>[^/]+)/state", self._admin_set_state
        )

    def error_body(self, status, message, errors=None):
        body = {"status": status, "message": message}
        if errors:
            body["errors"] = errors
        return body

    def authenticate(self, request):
        key = (request.headers.get("Authorization") or "").strip()
        shop = self.keys.get(key)
        if not shop:
            raise HttpError(401, "Unauthorized")
        wanted = request.arg("shop_id")
        if wanted not in (None, "") and str(wanted) != str(shop.shop_id):
            raise HttpError(403, f"Shop {wanted} is not accessible with this API key")
        return shop

    def version(self, request, shop):
        return Response.json({"version": "3.250.0-sandbox"})

    def account(self, request, shop):
        created = iso(datetime(2024, 1, 15, 9, 0, tzinfo=timezone.utc))
        contact = {
            "city": "Lyon",
            "civility": "M",
            "country": "FRA",
            "email": f"seller-{shop.shop_id}@sandbox.invalid",
            "firstname": "Sandbox",
            "lastname": "Seller",
            "street1": "1 place Bellecour",
            "zip_code": "69002",
        }
        return Response.json(
            {
                "applicable_taxes": [{"code": "TVA_20", "label": "TVA 20 %"}],
                "approval_delay": 0,
                "approval_rate": 100.0,
                "billing_info": {"bank_name": "Sandbox Bank", "owner": shop.name},
                "channels": ["FR"],
                "contact_informations": contact,
                "currency_iso_code": "EUR",
                "date_created": created,
                "default_billing_information": {
                    "default_language": "fr",
                    "id": f"BILL-{shop.shop_id}",
                    "registration_address": {
                        "city": "Lyon",
                        "country_iso_code": "FRA",
                        "street_1": "1 place Bellecour",
                        "zip_code": "69002",
                    },
                },
                "domains": [],
                "evaluations_count": 0,
                "free_shipping": False,
                "is_professional": True,
                "last_updated_date": created,
                "offers_count": 0,
                "orders_count": len(shop.orders),
                "payment_details": {
                    "paid_balance": 0.0,
                    "payable_balance": 0.0,
                    "pending_balance": 0.0,
                },
                "payment_method_mandatory": False,
                "premium": False,
                "pro_details": {},
                "shipping": {},
                "shipping_types": [],
                "shipping_zones": [],
                "shop_additional_fields": [],
                "shop_id": shop.shop_id,
                "shop_name": shop.name,
                "shop_state": "OPEN",
            }
        )

    def carriers(self, request, shop):
        return Response.json(
            {
                "carriers": [
                    {
                        "code": code,
                        "label": label,
                        "standard_code": code,
                        "tracking_url": url,
                    }
                    for code, label, url in CARRIERS
                ]
            }
        )

    def list_orders(self, request, shop):
        try:
            limit = int(request.arg("max") or DEFAULT_PAGE)
            offset = int(request.arg("offset") or 0)
        except ValueError as err:
            raise HttpError(400, "max and offset must be whole numbers") from err
        if limit > MAX_PAGE or limit < 1 or offset < 0:
            raise HttpError(
                400, f"max must be between 1 and {MAX_PAGE}, offset positive"
            )
        paginate = (request.arg("paginate") or "true").lower() != "false"
        sort = request.arg("sort") or "dateCreated"
        if sort != "dateCreated":
            raise HttpError(400, f"Unknown sort field {sort!r}")
        descending = (request.arg("order") or "asc").lower() == "desc"
        ids = [i for i in (request.arg("order_ids") or "").split(",") if i]
        if len(ids) > MAX_PAGE:
            raise HttpError(400, "At most 100 order ids")
        states = [s for s in (request.arg("order_state_codes") or "").split(",") if s]
        unknown = set(states) - set(ORDER_STATES)
        if unknown:
            raise HttpError(
                400, f"Unknown order state code(s): {', '.join(sorted(unknown))}"
            )
        channels = [c for c in (request.arg("channel_codes") or "").split(",") if c]
        bounds = {}
        for name in ("start_date", "end_date", "start_update_date", "end_update_date"):
            if request.arg(name):
                bounds[name] = parse_date(request.arg(name), name)
        if "start_update_date" in bounds:
            bounds["start_update_date"] -= self.update_date_delta
        with self.lock:
            matching = []
            for record in shop.orders.values():
                self._refresh(record)
                if ids and record["order_id"] not in ids:
                    continue
                if states and record["state"] not in states:
                    continue
                if channels and "FR" not in channels:
                    continue
                if not self._in_bounds(record, bounds):
                    continue
                matching.append(record)
            matching.sort(
                key=lambda r: (r["created"], r["order_id"]), reverse=descending
            )
            page = matching[offset : offset + limit] if paginate else matching
            orders = [self.render(record) for record in page]
        return Response.json({"orders": orders, "total_count": len(matching)})

    @staticmethod
    def _in_bounds(record, bounds):
        created, updated = record["created"], record["updated"]
        return not (
            ("start_date" in bounds and created < bounds["start_date"])
            or ("end_date" in bounds and created > bounds["end_date"])
            or ("start_update_date" in bounds and updated < bounds["start_update_date"])
            or ("end_update_date" in bounds and updated > bounds["end_update_date"])
        )

    @staticmethod
    def _state_error(record, operation):
        message = (
            f"Order {record['order_id']} is {record['state']}: {operation} is not "
            "possible"
        )
        return HttpError(
            400, message, errors=[{"code": "ORDER_INVALID_STATE", "message": message}]
        )

    def accept(self, request, shop):
        body = request.json() or {}
        decisions = body.get("order_lines")
        if not isinstance(decisions, list):
            raise HttpError(
                400,
                "order_lines is required",
                errors=[
                    {"code": "VALIDATION_ERROR", "message": "order_lines is required"}
                ],
            )
        with self.lock:
            record = self._find_order(request.params["order_id"], shop)
            self._refresh(record)
            if record["state"] != "WAITING_ACCEPTANCE":
                raise self._state_error(record, "acceptance")
            line_ids = {line["id"] for line in record["lines"]}
            seen = {}
            for decision in decisions:
                if (
                    not isinstance(decision, dict)
                    or decision.get("id") is None
                    or decision.get("accepted") is None
                ):
                    raise HttpError(
                        400,
                        "Null element in order_lines",
                        errors=[
                            {
                                "code": "ORDER_LINE_NULL_ELEMENT",
                                "message": "An order line decision is incomplete",
                            }
                        ],
                    )
                line_id = decision["id"]
                if line_id in seen:
                    raise HttpError(
                        400,
                        f"Duplicate order line {line_id}",
                        errors=[
                            {
                                "code": "ORDER_LINE_DUPLICATE_ID",
                                "message": f"Duplicate order line {line_id}",
                            }
                        ],
                    )
                if line_id not in line_ids:
                    raise HttpError(
                        400,
                        f"Unknown order line {line_id}",
                        errors=[
                            {
                                "code": "ORDER_LINE_NOT_FOUND",
                                "message": f"Unknown order line {line_id}",
                            }
                        ],
                    )
                seen[line_id] = bool(decision["accepted"])
            missing = line_ids - set(seen)
            if missing:
                raise HttpError(
                    400,
                    "A decision is missing for some order lines",
                    errors=[
                        {
                            "code": "ORDER_LINE_ACCEPTANCE_DECISION_MISSING",
                            "message": f"No decision for {', '.join(sorted(missing))}",
                        }
                    ],
                )
            record["decisions"].update(seen)
            moment = self._now()
            for line in record["lines"]:
                line["state"] = (
                    "WAITING_DEBIT_PAYMENT" if seen[line["id"]] else "REFUSED"
                )
            if any(seen.values()):
                record["accepted_at"] = moment
                self._set_state(record, "WAITING_DEBIT_PAYMENT", moment=moment)
                self._refresh(record)
            else:
                self._set_state(record, "REFUSED", moment=moment)
        return Response.empty()

    def tracking(self, request, shop):
        body = request.json() or {}
        with self.lock:
            record = self._find_order(request.params["order_id"], shop)
            self._refresh(record)
            if record["state"] not in ("SHIPPING", "SHIPPED"):
                raise self._state_error(record, "tracking update")
            code = body.get("carrier_code")
            known = {c[0]: c for c in CARRIERS}
            tracking_number = body.get("tracking_number")
            if code and code in known:
                if not tracking_number:
                    raise HttpError(
                        400, "tracking_number is required for a registered carrier"
                    )
                url = known[code][2].replace("{trackingId}", tracking_number)
                tracking = {
                    "carrier_code": code,
                    "carrier_name": known[code][1],
                    "carrier_url": url,
                    "tracking_number": tracking_number,
                }
            else:
                if not body.get("carrier_name"):
                    raise HttpError(
                        400, f"Unknown carrier code {code!r}: carrier_name is required"
                    )
                tracking = {
                    "carrier_code": None,
                    "carrier_name": body["carrier_name"],
                    "carrier_url": body.get("carrier_url"),
                    "tracking_number": tracking_number,
                }
            record["tracking"] = tracking
            record["updated"] = self._now()
        return Response.empty()

    def ship(self, request, shop):
        with self.lock:
            record = self._find_order(request.params["order_id"], shop)
            self._refresh(record)
            if record["state"] != "SHIPPING":
                raise self._state_error(record, "shipment")
            moment = self._now()
            record["shipped_at"] = moment
            self._set_state(record, "SHIPPED", "SHIPPED", moment=moment)
        return Response.empty()

    def cancel(self, request, shop):
        with self.lock:
            record = self._find_order(request.params["order_id"], shop)
            self._refresh(record)
            if record["state"] not in CANCELLABLE_STATES:
                raise self._state_error(record, "cancellation")
            self._set_state(record, "CANCELED", "CANCELED")
        return Response.empty()

    # ------------------------------------------------------------------
    # admin
    # ------------------------------------------------------------------
    def _admin_create_orders(self, request):
        body = request.json() or {}
        try:
            ids = self.create_orders(
                body.get("shop_id", self.shop_specs[0][0]),
                body.get("count", 1),
                unknown_sku_share=body.get("unknown_sku_share", 0.0),
                malformed_share=body.get("malformed_share", 0.0),
                lines=tuple(body.get("lines", (1, 3))),
                state=body.get("state", "WAITING_ACCEPTANCE"),
            )
        except (TypeError, ValueError) as err:
            raise HttpError(400, str(err)) from err
        return Response.json({"order_ids": ids})

    def _admin_get_order(self, request):
        return Response.json(self.order_record(request.params["order_id"]))

    def _admin_set_state(self, request):
        state = (request.json() or {}).get("state")
        if state not in ORDER_STATES:
            raise HttpError(400, f"Unknown order state {state!r}")
        with self.lock:
            record = self._find_order(request.params["order_id"])
            line_state = (
                None if state in ("WAITING_DEBIT", "WAITING_DEBIT_PAYMENT") else state
            )
            if (
                state in ("SHIPPING", "WAITING_DEBIT_PAYMENT")
                and not record["accepted_at"]
            ):
                record["accepted_at"] = self._now()
            self._set_state(record, state, line_state)
        return Response.json(self.order_record(request.params["order_id"]))
