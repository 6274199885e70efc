"""Emulator of the Mirakl seller (shop) API.

Mirrors the official seller OpenAPI for what the connectors use:

- V01 ``GET /api/version`` (health check);
- A01 ``GET /api/account`` (the shop);
- SH21 ``GET /api/shipping/carriers``;
- OR11 ``GET /api/orders`` (filters, offset pagination, ``total_count``);
- OR12 ``GET /api/orders/{order_id}`` (deprecated by Mirakl in favour of OR11
  with ``order_ids``; like Mirakl, it writes ``null`` for absent values);
- OR21 ``PUT /api/orders/{order_id}/accept`` (accept or refuse every line);
- OR23 ``PUT /api/orders/{order_id}/tracking``;
- OR24 ``PUT /api/orders/{order_id}/ship``;
- OR29 ``PUT /api/orders/{order_id}/cancel``;
- the offer operations (OF21, OF24, OF01-03, STO01-03, PRI01-03) of
  ``mirakl_offers``;
- P11 ``GET /api/products/offers`` (every shop's offers on products) of
  ``mirakl_p11``.

Each shop is reached with its own API key in the ``Authorization`` header,
the raw key without "Bearer", as on a Mirakl instance; the optional
``shop_id`` query parameter is accepted everywhere. Errors answer
``{"status": <code>, "message": ...}`` plus ``"errors": [{"code": ...,
"message": ...}]`` for the symbolic codes Mirakl documents
(``ORDER_INVALID_STATE``, ``ORDER_LINE_NOT_FOUND``...).

Orders are generated deterministically from the seed, with an RNG of their
own: the Nth order of a shop is the same whatever else happens, except that
a line of an offer the shop has takes the offer's id, product and price, and
its quantity is taken off the offer's stock, as on Mirakl. Some orders
can be generated with an unknown SKU or malformed on purpose; a malformed
order is served the same way on every call, with one defect a strict client
must refuse.

Admin routes (besides the framework's faults, stats and reset):

- ``GET /_sandbox/shops``: the shops with their API keys;
- ``POST /_sandbox/orders`` ``{"shop_id", "count", "unknown_sku_share",
  "malformed_share", "state", "lines": [min, max]}`` -> ``{"order_ids"}``;
- ``GET /_sandbox/orders/{order_id}``: the internal record (``kind``,
  ``defect``, tracking, acceptance decisions, state history...);
- ``POST /_sandbox/orders/{order_id}/state`` ``{"state": ...}``: a
  marketplace-side transition, e.g. a cancellation by the customer.
"""

import random
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from . import catalog, customers
from .mirakl_offer_store import OfferStore
from .mirakl_offers import MiraklOffersMixin
from .mirakl_p11 import MiraklP11Mixin
from .server import (
    Emulator,
    HttpError,
    Response,
    dumps,
    format_timestamp,
    parse_timestamp,
)

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
CANCELLABLE_STATES = ORDER_STATES[:5]  # everything before SHIPPED
DEBIT_STATES = ("WAITING_DEBIT", "WAITING_DEBIT_PAYMENT")
SHIPPED_STATES = ("SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED")
TERMINAL_LINE_STATES = ("REFUSED", "CANCELED")
DEFECTS = (
    "quantity_text",  # a line quantity of "two"
    "price_unit_null",  # a line price_unit of null
    "no_order_lines",  # no order_lines key
    "no_shipping_address",  # no customer.shipping_address
    "negative_quantity",  # a line quantity below zero
    "bad_created_date",  # created_date is not a date
    "totals_mismatch",  # the order price is not the sum of its lines
)
# code, label, tracking URL ({trackingId} replaced, as in SH21 answers)
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
    (
        "MONDIAL_RELAY",
        "Mondial Relay",
        "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={trackingId}",
    ),
)
# shop_id, name, API key
DEFAULT_SHOPS = (
    (2001, "Carrefour sandbox shop", "sandbox-carrefour-key"),
    (2002, "Boulanger sandbox shop", "sandbox-boulanger-key"),
    (2003, "Leroy Merlin sandbox shop", "sandbox-leroymerlin-key"),
    (2004, "Conforama sandbox shop", "sandbox-conforama-key"),
)
# OR11 query parameters the emulator reads: the spec's, and the offset
# pagination and sort ones Mirakl documents for every list
OR11_PARAMS = (
    "order_ids",
    "order_references_for_customer",
    "order_references_for_seller",
    "order_state_codes",
    "channel_codes",
    "only_null_channel",
    "start_date",
    "end_date",
    "start_update_date",
    "end_update_date",
    "customer_debited",
    "payment_workflow",
    "has_incident",
    "fulfillment_center_code",
)
PAGINATION_PARAMS = ("max", "offset", "paginate", "sort", "order")
# keys OR12's schema requires that OR11 omits when they have no value
OR12_NULLABLE = (
    "acceptance_decision_date",
    "order_state_reason_code",
    "order_state_reason_label",
    "shipping_company",
    "shipping_tracking",
    "shipping_tracking_url",
)
OR12_LINE_NULLABLE = (
    "debited_date",
    "order_line_state_reason_code",
    "order_line_state_reason_label",
    "received_date",
    "shipped_date",
)
DEFAULT_PAGE = 10
MAX_PAGE = 100
MAX_IDS = 100
CHANNEL = {"code": "FR", "label": "France"}
FULFILLMENT_CENTER = "DEFAULT"
PAYMENT_WORKFLOWS = (
    "PAY_ON_ACCEPTANCE",
    "PAY_ON_DELIVERY",
    "PAY_ON_DUE_DATE",
    "PAY_ON_SHIPMENT",
    "NO_CUSTOMER_PAYMENT_CONFIRMATION",
)
PAYMENT_WORKFLOW = "PAY_ON_ACCEPTANCE"  # every sandbox order's
SHIPPING_TYPES = (("STD", "Livraison standard"), ("EXP", "Livraison express"))
SHIPPING_PRICES = ("0.00", "2.90", "4.90", "6.90")
SHIPPING_TAX_RATE = Decimal(20)
COMMISSION_RATE = Decimal("0.12")
COMMISSION_VAT_RATE = Decimal(20)
LEADTIME_TO_SHIP = 2
CATEGORIES = (
    ("H100", "Maison"),
    ("H200", "Cuisine"),
    ("B300", "Bricolage"),
    ("L400", "Livres"),
    ("E500", "Électroménager"),
    ("J600", "Jeux"),
)
CENT = Decimal("0.01")


def money(value):
    """Round half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def included_tax(amount, rate):
    """The tax included in a tax-included ``amount`` at ``rate`` percent."""
    return money(amount * rate / (100 + rate))


def _timestamp(moment):
    return format_timestamp(moment) if moment else None


def _compact(data):
    """``data`` without its ``None`` values (OR11 omits absent fields)."""
    return {key: value for key, value in data.items() if value is not None}


def _error(status, code, message):
    return HttpError(status, message, errors=[{"code": code, "message": message}])


def _csv(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class Shop:
    """A seller shop: its API key, its orders (in creation order), its
    offers and offer imports."""

    def __init__(self, shop_id, name, api_key):
        self.shop_id = int(shop_id)
        self.name = name
        self.api_key = api_key
        self.orders = {}  # order_id -> Order
        self.offers = OfferStore()  # seller SKU -> Offer, and the imports
        self.next_index = 1
        self.malformed_count = 0  # picks the next defect


@dataclass
class Line:
    """An order line; amounts are tax included, in EUR."""

    line_id: str
    index: int
    offer_id: int
    offer_sku: str
    product_sku: str
    title: str
    category: tuple
    quantity: int
    price_unit: Decimal
    tax_rate: Decimal
    shipping_price: Decimal
    state: str
    updated: datetime

    def __post_init__(self):
        self.price = money(self.price_unit * self.quantity)
        self.tax = included_tax(self.price, self.tax_rate)
        self.shipping_tax = included_tax(self.shipping_price, SHIPPING_TAX_RATE)
        self.commission_fee = money(
            (self.price + self.shipping_price) * COMMISSION_RATE
        )
        self.commission_vat = money(self.commission_fee * COMMISSION_VAT_RATE / 100)


@dataclass
class Order:
    """What the emulator knows of an order, rendered as Mirakl JSON."""

    order_id: str
    shop_id: int
    index: int
    kind: str  # "valid", "unknown_sku" or "malformed"
    defect: str  # one of DEFECTS for a malformed order, else None
    state: str
    created: datetime
    updated: datetime
    customer: dict  # Mirakl shape
    lines: list
    shipping_type: tuple
    decided_at: datetime = None  # OR21 answered
    debited_at: datetime = None  # customer debited: SHIPPING
    shipped_at: datetime = None
    received_at: datetime = None
    tracking: dict = field(default_factory=dict)
    decisions: dict = field(default_factory=dict)  # line id -> accepted
    history: list = field(default_factory=list)  # (timestamp, state)
    cached_json: bytes = None  # OR11 rendering, dropped on every change

    @property
    def commercial_id(self):
        return self.order_id.rsplit("-", 1)[0]

    def totals(self):
        """price, shipping_price, total_price, total_commission."""
        price = sum((line.price for line in self.lines), Decimal(0))
        shipping = sum((line.shipping_price for line in self.lines), Decimal(0))
        commission = sum(
            (line.commission_fee + line.commission_vat for line in self.lines),
            Decimal(0),
        )
        return price, shipping, price + shipping, commission

    def set_state(self, state, moment):
        """Move the order, and its lines not refused or cancelled, to
        ``state``; ``last_updated_date`` becomes ``moment``."""
        self.state = state
        for line in self.lines:
            if line.state not in TERMINAL_LINE_STATES:
                line.state = state
                line.updated = moment
        self.history.append((format_timestamp(moment), state))
        self.touch(moment)

    def touch(self, moment):
        self.updated = max(self.updated, moment)
        self.cached_json = None


class MiraklEmulator(MiraklP11Mixin, MiraklOffersMixin, Emulator):
    """The Mirakl seller API of a few shops (see the module docstring).

    ``shops``: (shop_id, name, API key) tuples. ``debit_delay_seconds``: how
    long accepted orders stay in WAITING_DEBIT_PAYMENT before SHIPPING (0: at
    once; evaluated lazily when read). ``update_date_delta_seconds``: the
    safety delta Mirakl subtracts from OR11's ``start_update_date``.
    ``import_polls``, ``import_seconds``, ``import_interval_seconds``: how
    offer imports progress and how often they may come (see
    ``mirakl_offers``).
    """

    name = "mirakl"
    title = "Mirakl seller API"
    common_params = ("shop_id",)
    admin_help = {
        "GET /_sandbox/shops": "the shops, their API keys and order counts",
        "POST /_sandbox/orders": 'create orders: {"shop_id", "count", '
        '"unknown_sku_share", "malformed_share", "state"...}',
        "GET /_sandbox/orders/{order_id}": "an order's internal record",
        "POST /_sandbox/orders/{order_id}/state": 'force a state: {"state"}',
        "POST /_sandbox/offers": 'create offers: {"shop_id", "count"...}',
        "GET /_sandbox/offers": "a shop's offers (?shop_id=)",
        "DELETE /_sandbox/offers": "delete a shop's offers (?shop_id=)",
        "GET /_sandbox/offers/{sku}": "an offer (?shop_id=)",
        "POST /_sandbox/offers/{sku}": "change an offer behind the connector's back",
        "DELETE /_sandbox/offers/{sku}": "delete an offer",
        "GET /_sandbox/imports": "the pace of the offer imports, and the imports",
        "POST /_sandbox/imports": 'set the pace: {"polls", "seconds", "interval"}',
    }

    def __init__(
        self,
        seed=42,
        faults=None,
        shops=DEFAULT_SHOPS,
        catalog_size=60,
        debit_delay_seconds=0,
        update_date_delta_seconds=0,
        import_polls=2,
        import_seconds=0,
        import_interval_seconds=0,
        rateless_tax_share=0.25,
    ):
        self.shop_specs = tuple(tuple(spec) for spec in shops)
        # OR11 makes a tax's rate optional: this share of the lines, chosen
        # by their id, gives the tax amount and code only
        self.rateless_tax_share = float(rateless_tax_share)
        self.debit_delay = timedelta(seconds=debit_delay_seconds)
        self.update_date_delta = timedelta(seconds=update_date_delta_seconds)
        self.import_polls, self.import_seconds, self.import_interval = 2, 0, 0
        super().__init__(seed=seed, faults=faults, catalog_size=catalog_size)
        self.set_import_settings(
            polls=import_polls, seconds=import_seconds, interval=import_interval_seconds
        )
        self.reset_store()

    # ------------------------------------------------------------------
    # store
    # ------------------------------------------------------------------
    def reset_store(self):
        with self.lock:
            self.shops = {spec[0]: Shop(*spec) for spec in self.shop_specs}
            self.keys = {shop.api_key: shop for shop in self.shops.values()}
            self.products = catalog.products(self.seed, max(self.catalog_size, 1))
            self.reset_competitors()
            self.customers = [
                _mirakl_customer(buyer) for buyer in customers.customers(self.seed)
            ]

    def populate(self, orders, unknown_sku_share=0.0, malformed_share=0.0):
        """``orders`` new orders in every shop."""
        for shop_id in self.shops:
            self.create_orders(shop_id, orders, unknown_sku_share, malformed_share)

    def index_info(self):
        """The shops, their API keys and counts, for the index (``GET /``)."""
        with self.lock:
            accounts = [
                {
                    "shop_id": shop.shop_id,
                    "shop_name": shop.name,
                    "api_key": shop.api_key,
                    "orders": len(shop.orders),
                    "offers": len(shop.offers),
                }
                for shop in self.shops.values()
            ]
        return {
            "account_kind": "shop",
            "authentication": "Send the shop's API key, as is (no Bearer), in "
            "the Authorization header.",
            "credentials": {},
            "accounts": accounts,
            "settings": {
                "catalog_size": self.catalog_size,
                "debit_delay_seconds": self.debit_delay.total_seconds(),
                **{f"import_{key}": v for key, v in self.import_settings().items()},
            },
        }

    def shop(self, shop_id):
        """The shop ``shop_id`` (``ValueError`` if there is none)."""
        try:
            return self.shops[int(shop_id)]
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"unknown shop {shop_id!r}") from err

    def create_orders(
        self,
        shop_id,
        count,
        unknown_sku_share=0.0,
        malformed_share=0.0,
        lines=(1, 3),
        state="WAITING_ACCEPTANCE",
        catalog_size=None,
        catalog_start=0,
    ):
        """Create ``count`` orders in a shop, created now; return their ids.

        Exactly ``round(count * unknown_sku_share)`` orders get one line with
        an unknown SKU (``catalog.unknown_sku``) and exactly
        ``round(count * malformed_share)`` others are malformed, chosen
        deterministically; malformed orders take the defects of ``DEFECTS``
        in turn. ``state``: the orders' state (WAITING_DEBIT_PAYMENT ones
        are debited after ``debit_delay_seconds``, like accepted ones).
        ``lines``: (min, max) lines per order. ``catalog_size``:
        the catalogue prefix products are drawn from (default: the
        emulator's); ``catalog_start``: the index that range starts at (a
        test's own products, out of the other tests' way). Raises
        ``ValueError`` on bad arguments.
        """
        shop = self.shop(shop_id)
        count = int(count)
        low, high = (int(n) for n in lines)
        first = int(catalog_start)
        size = int(catalog_size or self.catalog_size)
        if not first:
            size = min(size, len(self.products))
        if first < 0 or first + size - 1 > catalog.MAX_INDEX:
            raise ValueError(f"catalogue range out of 0..{catalog.MAX_INDEX}")
        n_unknown = round(count * float(unknown_sku_share))
        n_malformed = round(count * float(malformed_share))
        if state not in ORDER_STATES:
            raise ValueError(f"unknown order state {state!r}")
        if count < 0 or not 1 <= low <= high or size < 1:
            raise ValueError("count >= 0, 1 <= lines[0] <= lines[1] required")
        if n_unknown < 0 or n_malformed < 0 or n_unknown + n_malformed > count:
            raise ValueError("shares must be positive and add up to 1 at most")
        with self.lock:
            start = shop.next_index
            picker = random.Random(f"mirakl-batch-{self.seed}-{shop.shop_id}-{start}")
            chosen = picker.sample(range(count), n_unknown + n_malformed)
            unknown, malformed = set(chosen[:n_unknown]), set(chosen[n_unknown:])
            ids = []
            for offset in range(count):
                defect = None
                if offset in malformed:
                    defect = DEFECTS[shop.malformed_count % len(DEFECTS)]
                    shop.malformed_count += 1
                order = self._new_order(
                    shop,
                    start + offset,
                    offset in unknown,
                    defect,
                    (low, high),
                    range(first, first + size),
                )
                self._force_state(order, state, order.created)
                shop.orders[order.order_id] = order
                ids.append(order.order_id)
            shop.next_index = start + count
        return ids

    def _catalog_product(self, index):
        if index < len(self.products):
            return self.products[index]
        return catalog.product(self.seed, index)

    def _new_order(self, shop, index, unknown_sku, defect, lines, indexes):
        rng = random.Random(f"mirakl-order-{self.seed}-{shop.shop_id}-{index}")
        order_id = f"MKP-{shop.shop_id}-{index:06d}-A"
        now = self.clock.now()
        customer = self.customers[rng.randrange(len(self.customers))]
        order_lines = []
        for number in range(1, rng.randint(*lines) + 1):
            product = self._catalog_product(indexes[rng.randrange(len(indexes))])
            offer_id, product_sku, price_unit = self._offer_for_line(
                shop, product["sku"], now
            ) or (
                10000 + int(product["sku"][-4:]),
                f"MKP{product['ean'][-9:]}",
                Decimal(product["price"]),
            )
            order_lines.append(
                Line(
                    line_id=f"{order_id}-{number}",
                    index=number,
                    offer_id=offer_id,
                    offer_sku=product["sku"],
                    product_sku=product_sku,
                    title=product["name"],
                    category=rng.choice(CATEGORIES),
                    quantity=rng.choices((1, 2, 3), weights=(60, 30, 10))[0],
                    price_unit=price_unit,
                    tax_rate=Decimal(product["tax_rate"]),
                    shipping_price=Decimal(rng.choice(SHIPPING_PRICES)),
                    state="WAITING_ACCEPTANCE",
                    updated=now,
                )
            )
        if unknown_sku:
            line = rng.choice(order_lines)
            line.offer_sku = catalog.unknown_sku(shop.shop_id * 100_000 + index)
            line.product_sku = f"MKP9{index:08d}"
            line.title = f"Article hors catalogue {index}"
        self._take_stock(shop, order_lines)
        kind = "malformed" if defect else "unknown_sku" if unknown_sku else "valid"
        return Order(
            order_id=order_id,
            shop_id=shop.shop_id,
            index=index,
            kind=kind,
            defect=defect,
            state="WAITING_ACCEPTANCE",
            created=now,
            updated=now,
            customer=customer,
            lines=order_lines,
            shipping_type=rng.choice(SHIPPING_TYPES),
        )

    def _find_order(self, order_id, shop=None):
        for candidate in [shop] if shop else self.shops.values():
            order = candidate.orders.get(order_id)
            if order:
                self._debit_if_due(order)
                return order
        raise _error(404, "ORDER_NOT_FOUND", f"Order {order_id} not found")

    def _debit_if_due(self, order):
        """The lazy clock of the payment: an accepted order is debited, and
        goes to SHIPPING, ``debit_delay`` after the acceptance."""
        if order.state != "WAITING_DEBIT_PAYMENT":
            return
        due = order.decided_at + self.debit_delay
        if not self.debit_delay or datetime.now(timezone.utc) >= due:
            moment = max(due, order.updated)
            order.debited_at = moment
            order.set_state("SHIPPING", moment)

    def _force_state(self, order, state, moment):
        """A transition decided by the marketplace (or a test): the dates of
        the steps skipped are set to ``moment``."""
        if state not in ORDER_STATES:
            raise ValueError(f"unknown order state {state!r}")
        if state not in ("STAGING", "WAITING_ACCEPTANCE"):
            order.decided_at = order.decided_at or moment
        if state in ("SHIPPING", *SHIPPED_STATES):
            order.debited_at = order.debited_at or moment
        if state in SHIPPED_STATES:
            order.shipped_at = order.shipped_at or moment
        if state in ("RECEIVED", "CLOSED"):
            order.received_at = order.received_at or moment
        order.set_state(state, moment)

    def order_record(self, order_id):
        """The internal record of an order, JSON-ready (for tests)."""
        with self.lock:
            order = self._find_order(order_id)
            return {
                "order_id": order.order_id,
                "shop_id": order.shop_id,
                "kind": order.kind,
                "defect": order.defect,
                "state": order.state,
                "created_date": format_timestamp(order.created),
                "last_updated_date": format_timestamp(order.updated),
                "acceptance_decision_date": _timestamp(order.decided_at),
                "customer_debited_date": _timestamp(order.debited_at),
                "shipped_date": _timestamp(order.shipped_at),
                "received_date": _timestamp(order.received_at),
                "lines": [
                    {
                        "order_line_id": line.line_id,
                        "offer_sku": line.offer_sku,
                        "quantity": line.quantity,
                        "price": float(line.price),
                        "state": line.state,
                    }
                    for line in order.lines
                ],
                "total_price": float(order.totals()[2]),
                "tracking": dict(order.tracking),
                "decisions": dict(order.decisions),
                "history": [list(item) for item in order.history],
            }

    # ------------------------------------------------------------------
    # rendering
    # ------------------------------------------------------------------
    def _render(self, order):
        """The order as OR11 writes it (before any defect)."""
        price, shipping, total, commission = order.totals()
        state = order.state
        tracking = order.tracking
        return _compact(
            {
                "acceptance_decision_date": _timestamp(order.decided_at),
                "can_cancel": state in CANCELLABLE_STATES,
                "can_shop_ship": state == "SHIPPING",
                "channel": dict(CHANNEL),
                "commercial_id": order.commercial_id,
                "created_date": format_timestamp(order.created),
                "currency_iso_code": "EUR",
                "customer": order.customer,
                "customer_debited_date": _timestamp(order.debited_at),
                "customer_directly_pays_seller": False,
                "customer_notification_email": (
                    f"notification+{order.order_id.lower()}@sandbox.mirakl.invalid"
                ),
                "fulfillment": {"center": {"code": FULFILLMENT_CENTER}},
                "fully_refunded": False,
                "has_customer_message": False,
                "has_incident": False,
                "has_invoice": False,
                "last_updated_date": format_timestamp(order.updated),
                "leadtime_to_ship": LEADTIME_TO_SHIP,
                "order_additional_fields": [],
                "order_id": order.order_id,
                "order_lines": [self._render_line(order, line) for line in order.lines],
                "order_state": state,
                "order_tax_mode": "TAX_INCLUDED",
                "paymentType": "CREDIT_CARD",
                "payment_type": "CREDIT_CARD",
                "payment_workflow": PAYMENT_WORKFLOW,
                "price": float(price),
                "references": {"order_reference_for_customer": order.commercial_id},
                "shipping_carrier_code": tracking.get("carrier_code"),
                "shipping_carrier_standard_code": tracking.get("carrier_standard_code"),
                "shipping_company": tracking.get("carrier_name"),
                "shipping_deadline": format_timestamp(
                    order.created + timedelta(days=LEADTIME_TO_SHIP + 1)
                ),
                "shipping_price": float(shipping),
                "shipping_tracking": tracking.get("tracking_number"),
                "shipping_tracking_url": tracking.get("carrier_url"),
                "shipping_type_code": order.shipping_type[0],
                "shipping_type_label": order.shipping_type[1],
                "shipping_zone_code": "FR-METRO",
                "shipping_zone_label": "France métropolitaine",
                "total_commission": float(commission),
                "total_price": float(total),
            }
        )

    def _states_rate(self, line):
        """Whether the taxes of ``line`` state their rate."""
        draw = zlib.crc32(line.line_id.encode()) % 1000
        return draw >= self.rateless_tax_share * 1000

    def _render_line(self, order, line):
        rate = line.tax_rate
        rate_code = "TVA_" + f"{rate.normalize():f}".replace(".", "_")
        stated = self._states_rate(line)
        shipping_taxes = []
        if line.shipping_price:
            shipping_taxes.append(
                _compact(
                    {
                        "amount": float(line.shipping_tax),
                        "code": "TVA_20",
                        "rate": float(SHIPPING_TAX_RATE) if stated else None,
                        "tax_calculation_rule": "PROPORTIONAL",
                    }
                )
            )
        return _compact(
            {
                "can_refund": line.state in ("SHIPPING", *SHIPPED_STATES),
                "cancelations": [],
                "category_code": line.category[0],
                "category_label": line.category[1],
                "commission_fee": float(line.commission_fee),
                "commission_rate_vat": float(COMMISSION_VAT_RATE),
                "commission_taxes": [
                    {
                        "amount": float(line.commission_vat),
                        "code": "TVA_20",
                        "rate": float(COMMISSION_VAT_RATE),
                    }
                ],
                "commission_vat": float(line.commission_vat),
                "created_date": format_timestamp(order.created),
                "debited_date": _timestamp(
                    order.debited_at if line.state != "REFUSED" else None
                ),
                "description": line.title,
                "last_updated_date": format_timestamp(line.updated),
                "offer_id": line.offer_id,
                "offer_sku": line.offer_sku,
                "offer_state_code": "11",
                "order_line_additional_fields": [],
                "order_line_id": line.line_id,
                "order_line_index": line.index,
                "order_line_state": line.state,
                "origin_unit_price": float(line.price_unit),
                "price": float(line.price),
                "price_unit": float(line.price_unit),
                "product_medias": [],
                "product_sku": line.product_sku,
                "product_title": line.title,
                "quantity": line.quantity,
                "received_date": _timestamp(
                    order.received_at if line.state != "REFUSED" else None
                ),
                "refunds": [],
                "shipped_date": _timestamp(
                    order.shipped_at if line.state != "REFUSED" else None
                ),
                "shipping_price": float(line.shipping_price),
                "shipping_price_additional_unit": 0.0,
                "shipping_price_unit": float(line.shipping_price),
                "shipping_taxes": shipping_taxes,
                "taxes": [
                    _compact(
                        {
                            "amount": float(line.tax),
                            "code": rate_code,
                            "rate": float(rate) if stated else None,
                            "tax_calculation_rule": "PROPORTIONAL",
                        }
                    )
                ],
                "total_commission": float(line.commission_fee + line.commission_vat),
                "total_price": float(line.price + line.shipping_price),
            }
        )

    def _or11_json(self, order):
        """OR11 bytes of an order, cached until it changes."""
        if order.cached_json is None:
            data = self._render(order)
            if order.defect:
                _apply_defect(data, order.defect)
            order.cached_json = dumps(data)
        return order.cached_json

    def _or12_data(self, order):
        """OR12's shape: OR11's fields, and ``null`` for the absent ones the
        OR12 schema lists, as in Mirakl's own OR12 example."""
        data = self._render(order)
        for key in OR12_NULLABLE:
            data.setdefault(key, None)
        for line in data["order_lines"]:
            for key in OR12_LINE_NULLABLE:
                line.setdefault(key, None)
        if order.defect:
            _apply_defect(data, order.defect)
        return data

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------
    def register_routes(self):
        order = "/api/orders/(?P<order_id>[^/]+)"
        self.route("GET", "/api/version", "V01", self.version)
        self.route("GET", "/api/account", "A01", self.account)
        self.route("GET", "/api/shipping/carriers", "SH21", self.carriers)
        self.route(
            "GET",
            "/api/orders",
            "OR11",
            self.list_orders,
            params=OR11_PARAMS + PAGINATION_PARAMS,
        )
        self.route("GET", order, "OR12", self.get_order)
        self.route("PUT", order + "/accept", "OR21", self.accept)
        self.route("PUT", order + "/tracking", "OR23", self.tracking)
        self.route("PUT", order + "/ship", "OR24", self.ship)
        self.route("PUT", order + "/cancel", "OR29", self.cancel)
        self.register_offer_routes()
        self.register_p11_routes()
        self.admin_route("GET", "/shops", self._admin_shops)
        self.admin_route("POST", "/orders", self._admin_create_orders)
        self.admin_route("GET", "/orders/(?P<order_id>[^/]+)", self._admin_get_order)
        self.admin_route(
            "POST", "/orders/(?P<order_id>[^/]+)/state", self._admin_set_state
        )

    def authenticate(self, request):
        """The shop of the API key; ``shop_id``, if given, must be it."""
        shop = self.keys.get((request.headers.get("Authorization") or "").strip())
        if not shop:
            raise HttpError(401, "Unauthorized")
        wanted = request.arg("shop_id")
        if wanted not in (None, "") and wanted.strip() != str(shop.shop_id):
            raise HttpError(
                400,
                f"Invalid shop_id {wanted!r}: this API key reaches shop "
                f"{shop.shop_id} only",
            )
        return shop

    def version(self, request, shop):
        """V01: Mirakl says only the status matters; the body may change."""
        return Response.json({"version": "3.250.0-sandbox"})

    def account(self, request, shop):
        """A01: the shop, with every field the schema requires."""
        created = format_timestamp(datetime(2024, 1, 15, 9, 0, tzinfo=timezone.utc))
        address = {"street_1": "1 place Bellecour", "zip_code": "69002", "city": "Lyon"}
        return Response.json(
            {
                "applicable_taxes": [{"code": "TVA_20", "label": "TVA 20 %"}],
                "approval_delay": 0,
                "approval_rate": 100.0,
                "billing_info": {"bank_name": "Banque Sandbox", "owner": shop.name},
                "channels": [CHANNEL["code"]],
                "contact_informations": {
                    "city": address["city"],
                    "civility": "M",
                    "country": "FRA",
                    "email": f"seller-{shop.shop_id}@sandbox.invalid",
                    "firstname": "Sandbox",
                    "lastname": "Seller",
                    "street1": address["street_1"],
                    "zip_code": address["zip_code"],
                },
                "currency_iso_code": "EUR",
                "date_created": created,
                "default_billing_information": {
                    "default_language": "fr",
                    "id": f"BILL-{shop.shop_id}",
                    "registration_address": {**address, "country_iso_code": "FRA"},
                },
                "domains": ["PRODUCT"],
                "evaluations_count": 0,
                "free_shipping": False,
                "is_professional": True,
                "last_updated_date": created,
                "offers_count": len(shop.offers),
                "orders_count": len(shop.orders),
                "payment_details": {
                    "paid_balance": 0.0,
                    "payable_balance": 0.0,
                    "pending_balance": 0.0,
                },
                "payment_method_mandatory": False,
                "premium": False,
                "pro_details": {"corporate_name": shop.name},
                "shipping": {"lead_time_to_ship": LEADTIME_TO_SHIP},
                "shipping_types": [],
                "shipping_zones": [],
                "shop_additional_fields": [],
                "shop_id": shop.shop_id,
                "shop_name": shop.name,
                "shop_state": "OPEN",
            }
        )

    def carriers(self, request, shop):
        """SH21: the carriers registered on the instance."""
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
        """OR11: filters, sort by creation date (then order id), offset
        pagination; ``total_count`` counts every matching order."""
        offset, limit, paginate, descending = _page_args(request)
        filters = self._order_filters(request)
        with self.lock:
            matching = []
            for order in shop.orders.values():
                self._debit_if_due(order)
                if all(test(order) for test in filters):
                    matching.append(order)
            matching.sort(key=lambda o: (o.created, o.order_id), reverse=descending)
            page = matching if not paginate else matching[offset : offset + limit]
            parts = [self._or11_json(order) for order in page]
        body = b'{"orders":[%b],"total_count":%d}' % (b",".join(parts), len(matching))
        return Response(200, body)

    def _order_filters(self, request):
        """OR11's filters, as predicates on an ``Order``."""
        filters = []
        for name, attribute in (
            ("order_ids", "order_id"),
            ("order_references_for_customer", "commercial_id"),
        ):
            wanted = _csv(request.arg(name))
            if len(wanted) > MAX_IDS:
                raise HttpError(400, f"{name}: {MAX_IDS} values at most")
            if wanted:
                filters.append(lambda o, a=attribute, w=set(wanted): getattr(o, a) in w)
        if _csv(request.arg("order_references_for_seller")):
            filters.append(lambda o: False)  # the sandbox sets none
        states = _csv(request.arg("order_state_codes"))
        unknown = sorted(set(states) - set(ORDER_STATES))
        if unknown:
            raise HttpError(400, f"Unknown order state code(s): {', '.join(unknown)}")
        if states:
            filters.append(lambda o: o.state in states)
        if _bool_arg(request, "only_null_channel"):
            filters.append(lambda o: False)  # every order has a channel
        elif _csv(request.arg("channel_codes")):
            channels = _csv(request.arg("channel_codes"))
            filters.append(lambda o: CHANNEL["code"] in channels)
        debited = _bool_arg(request, "customer_debited")
        if debited is not None:
            filters.append(lambda o: (o.debited_at is not None) is debited)
        if _bool_arg(request, "has_incident"):
            filters.append(lambda o: False)  # no incident in the sandbox
        workflow = request.arg("payment_workflow")
        if workflow and workflow not in PAYMENT_WORKFLOWS:
            raise HttpError(400, f"Unknown payment_workflow {workflow!r}")
        if workflow:
            filters.append(lambda o: workflow == PAYMENT_WORKFLOW)
        centers = [
            c for value in request.args("fulfillment_center_code") for c in _csv(value)
        ]
        if centers:
            filters.append(lambda o: FULFILLMENT_CENTER in centers)
        return filters + self._date_filters(request)

    def _date_filters(self, request):
        """Creation and update date ranges; Mirakl subtracts a safety delta
        from ``start_update_date``."""
        bounds = {}
        for name in ("start_date", "end_date", "start_update_date", "end_update_date"):
            value = request.arg(name)
            if value:
                try:
                    bounds[name] = parse_timestamp(value)
                except ValueError as err:
                    raise HttpError(400, f"Invalid date for {name}: {value!r}") from err
        filters = []
        if "start_date" in bounds:
            filters.append(lambda o: o.created >= bounds["start_date"])
        if "end_date" in bounds:
            filters.append(lambda o: o.created <= bounds["end_date"])
        if "start_update_date" in bounds:
            start = bounds["start_update_date"] - self.update_date_delta
            filters.append(lambda o: o.updated >= start)
        if "end_update_date" in bounds:
            filters.append(lambda o: o.updated <= bounds["end_update_date"])
        return filters

    def get_order(self, request, shop):
        """OR12 (deprecated by Mirakl): one order."""
        with self.lock:
            order = self._find_order(request.params["order_id"], shop)
            return Response.json(self._or12_data(order))

    def accept(self, request, shop):
        """OR21: accept or refuse every line of a WAITING_ACCEPTANCE order.

        All lines refused: REFUSED. Otherwise the accepted lines wait for the
        debit of the customer (WAITING_DEBIT_PAYMENT), then the order goes to
        SHIPPING; the refused lines are REFUSED.
        """
        body = request.json_object()
        decisions = body.get("order_lines")
        if not isinstance(decisions, list):
            raise _error(400, "VALIDATION_ERROR", "order_lines must be a list")
        with self.lock:
            order = self._find_order(request.params["order_id"], shop)
            _check_state(order, ("WAITING_ACCEPTANCE",), "accepted or refused")
            accepted = _read_decisions(order, decisions)
            moment = self.clock.now()
            order.decided_at = moment
            order.decisions.update(accepted)
            for line in order.lines:
                if not accepted[line.line_id]:
                    line.state = "REFUSED"
                    line.updated = moment
            if any(accepted.values()):
                order.set_state("WAITING_DEBIT_PAYMENT", moment)
                self._debit_if_due(order)
            else:
                order.set_state("REFUSED", moment)
        return Response.empty()

    def tracking(self, request, shop):
        """OR23: carrier and tracking number of a SHIPPING or SHIPPED order.

        A registered carrier (SH21 code) needs ``tracking_number``; its URL
        is computed. Another one needs ``carrier_name`` and may give
        ``carrier_url``.
        """
        body = request.json_object()
        with self.lock:
            order = self._find_order(request.params["order_id"], shop)
            _check_state(order, ("SHIPPING", "SHIPPED"), "given a tracking number")
            order.tracking = _read_tracking(body)
            order.touch(self.clock.now())
        return Response.empty()

    def ship(self, request, shop):
        """OR24: a SHIPPING order (and its lines) becomes SHIPPED."""
        with self.lock:
            order = self._find_order(request.params["order_id"], shop)
            _check_state(order, ("SHIPPING",), "shipped")
            moment = self.clock.now()
            order.shipped_at = moment
            order.set_state("SHIPPED", moment)
        return Response.empty()

    def cancel(self, request, shop):
        """OR29: cancel a whole order not shipped yet."""
        with self.lock:
            order = self._find_order(request.params["order_id"], shop)
            _check_state(order, CANCELLABLE_STATES, "cancelled")
            order.set_state("CANCELED", self.clock.now())
        return Response.empty()

    # ------------------------------------------------------------------
    # admin
    # ------------------------------------------------------------------
    def _admin_shops(self, request):
        return Response.json(
            [
                {
                    "shop_id": shop.shop_id,
                    "shop_name": shop.name,
                    "api_key": shop.api_key,
                    "orders": len(shop.orders),
                }
                for shop in self.shops.values()
            ]
        )

    def _admin_create_orders(self, request):
        body = request.json_object()
        ids = self.create_orders(
            body.get("shop_id", self.shop_specs[0][0]),
            body.get("count", 1),
            unknown_sku_share=body.get("unknown_sku_share", 0.0),
            malformed_share=body.get("malformed_share", 0.0),
            lines=tuple(body.get("lines", (1, 3))),
            state=body.get("state", "WAITING_ACCEPTANCE"),
            catalog_size=body.get("catalog_size"),
            catalog_start=body.get("catalog_start", 0),
        )
        return Response.json({"order_ids": ids})

    def _admin_get_order(self, request):
        return Response.json(self.order_record(request.params["order_id"]))

    def _admin_set_state(self, request):
        state = request.json_object().get("state")
        with self.lock:
            order = self._find_order(request.params["order_id"])
            self._force_state(order, state, self.clock.now())
        return Response.json(self.order_record(request.params["order_id"]))


def _mirakl_customer(buyer):
    """A buyer of the shared pool, in OR11's ``customer`` shape."""
    names = {
        "civility": buyer["civility"],
        "firstname": buyer["firstname"],
        "lastname": buyer["lastname"],
    }

    def address(source):
        fields = ("street_1", "street_2", "zip_code", "city", "country")
        data = {key: source[key] for key in fields if key in source}
        data["country_iso_code"] = source["country_iso_code"]
        return {**names, **data, "phone": buyer["phone"]}

    shipping = buyer["shipping_address"]
    customer = {
        "customer_id": buyer["customer_id"],
        **names,
        "locale": buyer["locale"],
        "billing_address": address(buyer["address"]),
        "shipping_address": {
            **address(shipping),
            # OR11 has no third street line: the buyer's details it has
            **{
                key: shipping[key]
                for key in ("company", "additional_info")
                if key in shipping
            },
        },
    }
    organization = buyer["organization"]
    if organization:
        customer["billing_address"]["company"] = organization["name"]
        customer["organization"] = {
            **organization,
            "address": {
                key: buyer["address"][key]
                for key in ("street_1", "zip_code", "city", "country_iso_code")
            },
        }
    return customer


def _apply_defect(order, defect):
    """Spoil a rendered order (``order_id`` stays) the way ``defect`` says."""
    lines = order.get("order_lines") or []
    if defect == "quantity_text":
        lines[0]["quantity"] = "two"
    elif defect == "price_unit_null":
        lines[0]["price_unit"] = None
    elif defect == "no_order_lines":
        del order["order_lines"]
    elif defect == "no_shipping_address":
        customer = dict(order["customer"])  # the pool's dict is shared
        del customer["shipping_address"]
        order["customer"] = customer
    elif defect == "negative_quantity":
        lines[0]["quantity"] = -lines[0]["quantity"]
    elif defect == "bad_created_date":
        order["created_date"] = "32/13/2025 25:61"
    elif defect == "totals_mismatch":
        order["price"] = round(order["price"] + 10.0, 2)
        order["total_price"] = round(order["total_price"] + 10.0, 2)


def _read_tracking(body):
    """OR23's body as the tracking stored on the order."""
    code = body.get("carrier_code")
    number = body.get("tracking_number")
    registered = {carrier[0]: carrier for carrier in CARRIERS}
    if code in registered:
        if not number:
            raise HttpError(400, f"tracking_number is required for carrier {code}")
        _code, label, template = registered[code]
        return {
            "carrier_code": code,
            "carrier_standard_code": code,
            "carrier_name": label,
            "carrier_url": template.replace("{trackingId}", str(number)),
            "tracking_number": number,
        }
    if not body.get("carrier_name"):
        raise HttpError(
            400,
            f"Carrier {code!r} is not registered (see SH21): carrier_name is required",
        )
    return _compact(
        {
            "carrier_name": body["carrier_name"],
            "carrier_standard_code": body.get("carrier_standard_code"),
            "carrier_url": body.get("carrier_url"),
            "tracking_number": number,
        }
    )


def _check_state(order, allowed, action):
    if order.state not in allowed:
        raise _error(
            400,
            "ORDER_INVALID_STATE",
            f"Order {order.order_id} is {order.state}: it cannot be {action}",
        )


def _read_decisions(order, decisions):
    """OR21's decisions as {line id: accepted}, with Mirakl's error codes."""
    line_ids = {line.line_id for line in order.lines}
    accepted = {}
    for decision in decisions:
        if not isinstance(decision, dict):
            raise _error(
                400, "ORDER_LINE_NULL_ELEMENT", "order_lines has a null element"
            )
        line_id, value = decision.get("id"), decision.get("accepted")
        if not isinstance(line_id, str) or not isinstance(value, bool):
            raise _error(
                400,
                "VALIDATION_ERROR",
                "each decision needs an id and accepted: true/false",
            )
        if line_id in accepted:
            raise _error(
                400, "ORDER_LINE_DUPLICATE_ID", f"Line {line_id} is given twice"
            )
        if line_id not in line_ids:
            raise _error(
                400,
                "ORDER_LINE_NOT_FOUND",
                f"Line {line_id} is not a line of order {order.order_id}",
            )
        accepted[line_id] = value
    missing = sorted(line_ids - set(accepted))
    if missing:
        raise _error(
            400,
            "ORDER_LINE_ACCEPTANCE_DECISION_MISSING",
            f"No decision for line(s) {', '.join(missing)}",
        )
    return accepted


def _page_args(request):
    """OR11's offset, max, paginate and sort order (``dateCreated`` only)."""
    try:
        limit = int(request.arg("max") or DEFAULT_PAGE)
        offset = int(request.arg("offset") or 0)
    except ValueError as err:
        raise HttpError(400, "max and offset must be whole numbers") from err
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise HttpError(400, f"max must be 1 to {MAX_PAGE} and offset 0 or more")
    paginate = _bool_arg(request, "paginate")
    sort = request.arg("sort") or "dateCreated"
    if sort != "dateCreated":
        raise HttpError(400, f"Unknown sort field {sort!r}: dateCreated only")
    order = (request.arg("order") or "asc").lower()
    if order not in ("asc", "desc"):
        raise HttpError(400, f"order must be asc or desc, not {order!r}")
    return offset, limit, paginate is not False, order == "desc"


def _bool_arg(request, name):
    """A boolean query parameter: ``None`` when absent, 400 when not
    ``true``/``false``."""
    value = request.arg(name)
    if value in (None, ""):
        return None
    if value.lower() not in ("true", "false"):
        raise HttpError(400, f"{name} must be true or false, not {value!r}")
    return value.lower() == "true"
