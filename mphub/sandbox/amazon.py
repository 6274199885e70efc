"""Emulator of the Amazon Selling Partner API (SP-API), EU region.

Mirrors the official models for what the connectors use:

- LWA ``POST /auth/o2/token`` (``grant_type=refresh_token``; OAuth errors
  ``invalid_grant`` 400, ``invalid_client`` 401; no rate limit, no faults);
- Tokens 2021-03-01: createRestrictedDataToken
  ``POST /tokens/2021-03-01/restrictedDataToken`` (the RDT unlocks the
  buyer's personal data on the orders routes);
- Orders v0: getOrders ``GET /orders/v0/orders``, getOrder
  ``GET /orders/v0/orders/{orderId}``, getOrderItems ``.../orderItems``,
  getOrderAddress ``.../address``, getOrderBuyerInfo ``.../buyerInfo``,
  confirmShipment ``POST .../shipmentConfirmation``;
- Orders 2026-01-01: searchOrders ``GET /orders/2026-01-01/orders`` and
  getOrder ``GET /orders/2026-01-01/orders/{orderId}`` (a subset of the
  fields, from the same store);
- Listings Items 2021-08-01 (``amazon_listings``): getListingsItem,
  patchListingsItem, searchListingsItems;
- Feeds 2021-06-30 (``amazon_feeds``): createFeedDocument, createFeed,
  getFeed, getFeeds, cancelFeed, getFeedDocument, with JSON_LISTINGS_FEED
  processing; the presigned-like document URLs are served at
  ``/_upload/{feedDocumentId}`` (PUT stores, GET reads; no token, no
  faults).

Accounts: one LWA application (``LWA_CLIENT_ID``, ``LWA_CLIENT_SECRET``)
and two sellers, ``SELLERS`` (seller id -> refresh token):
``A1SANDBOXSELLER1`` (``Atzr|sandbox-seller-1``) and ``A2SANDBOXSELLER2``
(``Atzr|sandbox-seller-2``), both selling on the marketplaces of
``MARKETPLACES`` (FR, DE, ES, IT in EUR; GB in GBP). Every SP-API call sends
``x-amz-access-token``: an LWA access token or a restricted data token of
the seller; anything else answers 403 ``Unauthorized``.

Errors always answer ``{"errors": [{"code", "message", "details"}]}``
(``InvalidInput``, ``NotFound``, ``Unauthorized``, ``QuotaExceeded``,
``InternalFailure``); every answer carries ``x-amzn-RequestId`` and every
SP-API answer ``x-amzn-RateLimit-Limit``. Rate limits are real token
buckets per (operation, seller) with Amazon's default rate and burst
(``RATE_LIMITS``), both multiplied by ``rate_scale`` (0 disables them). The
framework's faults answer like Amazon: ``expired_credentials`` 403
``Unauthorized``, injected 429 ``QuotaExceeded`` without Retry-After,
injected 5xx ``InternalFailure``. The query parameters and body keys that
python-amazon-sp-api adds (``MarketplaceId``, ``MarketplaceIds``,
``marketplace_ids``, ``marketplaceIds``, ``path``, ``RestrictedResources``)
are tolerated, and the Host header is never checked.

Orders are generated deterministically from the seed (see
``create_orders``): valid ones, ones with an unknown SKU, and malformed ones
with one defect of ``DEFECTS`` a strict client must refuse (served the same
way on every call); FBA (AFN), business, promotion and Pending orders are
independent exact shares.

Admin routes (besides the framework's faults, stats and reset):

- ``GET /_sandbox/sellers``: sellers, refresh tokens, LWA app credentials,
  marketplaces;
- ``GET``/``POST /_sandbox/usage_plan`` ``{"rate_scale": x}``;
- ``POST /_sandbox/orders`` ``{"seller_id", "count", ...create_orders
  arguments}`` -> ``{"order_ids"}``;
- ``GET /_sandbox/orders/{orderId}``: the internal record (``kind``,
  ``defect``, ``status``, ``shipments``...);
- ``POST /_sandbox/orders/{orderId}/status`` ``{"status"}``: a
  marketplace-side transition (e.g. Pending -> Unshipped, Canceled);
- ``POST /_sandbox/listings`` ``{"seller_id", "count", ...create_listings
  arguments}`` -> ``{"skus"}``;
- ``GET /_sandbox/listings/{sellerId}/{sku}``: the listing's record;
- ``GET /_sandbox/feeds/{feedId}``: the feed's record.
"""

import hashlib
import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

from . import catalog, customers
from .amazon_feeds import AmazonFeedsMixin
from .amazon_listings import (
    CENT,
    DE,
    ES,
    FR,
    GB,
    IT,
    MARKETPLACES,
    AmazonListingsMixin,
    asin_of,
    csv_values,
    decode_token,
    encode_token,
    included_tax,
    invalid,
    money,
    sp_error,
)
from .server import (
    Emulator,
    HttpError,
    Response,
    format_timestamp,
    parse_timestamp,
)

LWA_CLIENT_ID = "amzn1.application-oa2-client.sandbox"
LWA_CLIENT_SECRET = "sandbox-lwa-secret"
SELLERS = {
    "A1SANDBOXSELLER1": "Atzr|sandbox-seller-1",
    "A2SANDBOXSELLER2": "Atzr|sandbox-seller-2",
}
TOKEN_LIFETIME = 3600
# operation -> (rate per second, burst): Amazon's default usage plan
RATE_LIMITS = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "confirmShipment": (2, 10),
    "createRestrictedDataToken": (1, 10),
    "searchOrders": (0.0056, 20),
    "getOrder20260101": (0.5, 30),
    "getListingsItem": (5, 10),
    "patchListingsItem": (5, 5),
    "searchListingsItems": (5, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2, 15),
    "getFeeds": (0.0222, 10),
    "getFeedDocument": (0.0222, 10),
    "cancelFeed": (2, 15),
}
ORDER_STATUSES = (
    "PendingAvailability",
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "InvoiceUnconfirmed",
    "Canceled",
    "Unfulfillable",
)
DEFECTS = (
    "quantity_text",  # an item's QuantityOrdered is "two"
    "price_not_number",  # an item's ItemPrice.Amount is not a number
    "no_seller_sku",  # an item without SellerSKU
    "total_mismatch",  # OrderTotal is not the sum of the items
    "no_purchase_date",  # the order has no PurchaseDate
)
# query parameters python-amazon-sp-api adds to every call
SP_API_NOISE = (
    "MarketplaceId",
    "MarketplaceIds",
    "marketplace_ids",
    "marketplaceIds",
    "path",
    "RestrictedResources",
)
GET_ORDERS_PARAMS = (
    "CreatedAfter",
    "CreatedBefore",
    "LastUpdatedAfter",
    "LastUpdatedBefore",
    "OrderStatuses",
    "FulfillmentChannels",
    "AmazonOrderIds",
    "MaxResultsPerPage",
    "NextToken",
)
SEARCH_ORDERS_PARAMS = (
    "createdAfter",
    "createdBefore",
    "lastUpdatedAfter",
    "lastUpdatedBefore",
    "fulfillmentStatuses",
    "fulfilledBy",
    "maxResultsPerPage",
    "paginationToken",
    "includedData",
)
MAX_PAGE = 100
MAX_IDS = 50
SAFETY_DELAY = timedelta(minutes=2)  # *Before must be this far in the past
SHIPPING_PRICES = ("0.00", "3.90", "4.90")
SHIPPING_TAX_RATE = Decimal(20)
PROMOTION_RATE = Decimal("0.10")
GIFT_WRAP_PRICE = Decimal("3.50")
GIFT_WRAP_TAX_RATE = Decimal(20)
STATUS_2026 = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}


class TokenBucket:
    """Amazon's rate limiter: ``rate`` tokens per second refill a bucket of
    ``burst`` tokens; a call takes one."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = max(1.0, burst)
        self.tokens = self.burst
        self.last = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Seller:
    """A selling partner: its orders, listings, feeds and documents."""

    def __init__(self, seller_id, refresh_token, number):
        self.seller_id = seller_id
        self.refresh_token = refresh_token
        self.number = number  # 1, 2...: in order ids
        self.orders = {}  # AmazonOrderId -> Order, in creation order
        self.listings = {}  # sku -> Listing
        self.feeds = {}  # feedId -> Feed
        self.next_index = 1
        self.malformed_count = 0
        self.submissions = 0  # patchListingsItem submissions
        self.next_listing = 0  # catalogue index of the next created listing


@dataclass
class Item:
    """An order item; amounts are tax included, in the order's currency."""

    order_item_id: str
    asin: str
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    shipping_price: Decimal
    promotion_discount: Decimal = Decimal(0)
    shipping_discount: Decimal = Decimal(0)
    promotion_id: str = None
    shipped: int = 0
    gift_wrap: Decimal = Decimal(0)  # the gift wrap price, tax included
    gift_message: str = None

    @property
    def price(self):
        return money(self.unit_price * self.quantity)

    @property
    def total(self):
        return (
            self.price
            + self.shipping_price
            - self.promotion_discount
            - self.shipping_discount
            + self.gift_wrap
        )


@dataclass
class Order:
    """What the emulator knows of an order."""

    order_id: str
    seller_id: str
    marketplace_id: str
    index: int
    kind: str  # "valid", "unknown_sku" or "malformed"
    defect: str
    status: str
    channel: str  # "MFN" or "AFN"
    is_business: bool
    purchased: object  # datetime
    updated: object
    buyer: dict  # customers.customer()
    email: str
    vat_number: str
    company: str
    items: list
    shipments: list = field(default_factory=list)
    history: list = field(default_factory=list)

    @property
    def currency(self):
        return MARKETPLACES[self.marketplace_id]["currency"]

    def total(self):
        return sum((item.total for item in self.items), Decimal(0))


class AmazonEmulator(AmazonListingsMixin, AmazonFeedsMixin, Emulator):
    """The SP-API of two sellers (see the module docstring).

    ``rate_scale``: multiplies every rate and burst of ``RATE_LIMITS`` (0
    disables the buckets; change it with ``set_rate_scale``).
    ``feed_processing_seconds``: how long a feed takes from IN_QUEUE to
    DONE (IN_PROGRESS from half of it; 0: done at once; evaluated lazily).
    ``order_age_seconds``: how far in the past new orders are dated, so a
    getOrders with the default ``*Before`` (now - 2 min) sees them.
    ``public_url``: the base URL of the presigned document URLs (default:
    the address the client reached).
    """

    name = "amazon"
    title = "Amazon Selling Partner API (EU)"
    common_params = SP_API_NOISE
    admin_help = {
        "GET /_sandbox/sellers": "sellers, refresh tokens, LWA credentials, "
        "marketplaces",
        "GET /_sandbox/usage_plan": "the rate limits' scale",
        "POST /_sandbox/usage_plan": 'scale the rate limits: {"rate_scale": 100} '
        "(0: none)",
        "POST /_sandbox/orders": 'create orders: {"seller_id", "count"...}',
        "GET /_sandbox/orders/{order_id}": "an order's internal record",
        "POST /_sandbox/orders/{order_id}/status": 'set the status: {"status"}',
        "POST /_sandbox/listings": 'create listings: {"seller_id", "count"...}',
        "GET /_sandbox/listings/{seller_id}/{sku}": "a listing's record",
        "GET /_sandbox/feeds/{feed_id}": "a feed's record",
    }

    def __init__(
        self,
        seed=42,
        faults=None,
        catalog_size=60,
        rate_scale=1.0,
        feed_processing_seconds=1.0,
        order_age_seconds=600,
        public_url=None,
    ):
        self.rate_scale = float(rate_scale)
        self.feed_processing_seconds = float(feed_processing_seconds)
        self.order_age = timedelta(seconds=float(order_age_seconds))
        self.public_url = public_url.rstrip("/") if public_url else None
        self._bucket_lock = threading.Lock()
        super().__init__(seed=seed, faults=faults, catalog_size=catalog_size)
        self.reset_store()

    # ------------------------------------------------------------------
    # store
    # ------------------------------------------------------------------
    def reset_store(self):
        with self.lock:
            self.sellers = {
                seller_id: Seller(seller_id, token, number)
                for number, (seller_id, token) in enumerate(SELLERS.items(), 1)
            }
            self.refresh_tokens = {s.refresh_token: s for s in self.sellers.values()}
            self.tokens = {}  # token -> (seller, is_rdt, expiry monotonic)
            self.documents = {}  # feedDocumentId -> Document
            self.products = catalog.products(self.seed, max(self.catalog_size, 1))
            self.customers = customers.customers(self.seed)
            self.last_created = None
            self.counter = 0
        with self._bucket_lock:
            self.buckets = {}

    def index_info(self):
        """The LWA application, the sellers and their counts, for the index
        (``GET /``)."""
        with self.lock:
            accounts = [
                {
                    "seller_id": seller.seller_id,
                    "refresh_token": seller.refresh_token,
                    "marketplace_ids": list(MARKETPLACES),
                    "orders": len(seller.orders),
                    "listings": len(seller.listings),
                    "feeds": len(seller.feeds),
                }
                for seller in self.sellers.values()
            ]
        return {
            "account_kind": "seller",
            "authentication": "POST /auth/o2/token (grant_type=refresh_token, "
            "the LWA client id and secret, a seller's refresh token), then send "
            "the access token in x-amz-access-token.",
            "credentials": {
                "lwa_client_id": LWA_CLIENT_ID,
                "lwa_client_secret": LWA_CLIENT_SECRET,
            },
            "accounts": accounts,
            "settings": {
                "catalog_size": self.catalog_size,
                "rate_scale": self.rate_scale,
                "feed_processing_seconds": self.feed_processing_seconds,
            },
        }

    def next_number(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def seller(self, seller_id):
        try:
            return self.sellers[seller_id]
        except (KeyError, TypeError) as err:
            raise ValueError(f"unknown seller {seller_id!r}") from err

    def set_rate_scale(self, rate_scale):
        """Change the usage plan: every rate and burst times ``rate_scale``
        (0: no rate limit); the buckets start full again."""
        value = float(rate_scale)
        if value < 0:
            raise ValueError("rate_scale must be 0 or more")
        with self._bucket_lock:
            self.rate_scale = value
            self.buckets = {}

    def rate_of(self, operation):
        rate = RATE_LIMITS[operation][0]
        return rate * self.rate_scale if self.rate_scale else rate

    def populate(self, orders, unknown_sku_share=0.0, malformed_share=0.0):
        """``orders`` new orders in every seller (FR marketplace)."""
        for seller_id in self.sellers:
            self.create_orders(seller_id, orders, unknown_sku_share, malformed_share)

    # ------------------------------------------------------------------
    # orders
    # ------------------------------------------------------------------
    def create_orders(
        self,
        seller_id,
        count,
        unknown_sku_share=0.0,
        malformed_share=0.0,
        lines=(1, 3),
        status="Unshipped",
        afn_share=0.0,
        business_share=0.0,
        promotion_share=0.0,
        pending_share=0.0,
        marketplace_id=FR,
        gift_share=0.0,
    ):
        """Create ``count`` orders of a seller; return their AmazonOrderIds.

        Exactly ``round(count * share)`` orders of each kind, chosen with a
        seeded RNG: an order is valid, has one item with an unknown SKU
        (``catalog.unknown_sku``) or is malformed (``DEFECTS`` in turn). The
        AFN (shipped by Amazon), business (VAT number), promotion
        (discounts), Pending (no prices yet) and gift (the first item gift
        wrapped, with a message) shares are independent, each exact among all
        the orders. ``status``: the status of the others.
        ``lines``: (min, max) items per order. Orders are dated
        ``order_age_seconds`` ago (a millisecond apart). Raises
        ``ValueError`` on bad arguments.
        """
        seller = self.seller(seller_id)
        count = int(count)
        low, high = (int(n) for n in lines)
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        if marketplace_id not in MARKETPLACES:
            raise ValueError(f"unknown marketplace {marketplace_id!r}")
        if count < 0 or not 1 <= low <= high:
            raise ValueError("count >= 0, 1 <= lines[0] <= lines[1] required")
        shares = {}
        for name, share in (
            ("unknown", unknown_sku_share),
            ("malformed", malformed_share),
            ("afn", afn_share),
            ("business", business_share),
            ("promotion", promotion_share),
            ("pending", pending_share),
            ("gift", gift_share),
        ):
            number = round(count * float(share))
            if not 0 <= number <= count:
                raise ValueError(f"{name} share must be between 0 and 1")
            shares[name] = number
        if shares["unknown"] + shares["malformed"] > count:
            raise ValueError("unknown_sku_share + malformed_share must be 1 at most")
        with self.lock:
            start = seller.next_index
            picker = random.Random(f"amazon-batch-{self.seed}-{seller_id}-{start}")
            chosen = picker.sample(
                range(count), shares["unknown"] + shares["malformed"]
            )
            unknown = set(chosen[: shares["unknown"]])
            malformed = set(chosen[shares["unknown"] :])
            flags = {
                name: set(picker.sample(range(count), shares[name]))
                for name in ("afn", "business", "promotion", "pending", "gift")
            }
            now = self.clock.now() - self.order_age
            base = now
            if self.last_created is not None and base <= self.last_created:
                base = self.last_created + timedelta(milliseconds=1)
            ids = []
            for offset in range(count):
                defect = None
                if offset in malformed:
                    defect = DEFECTS[seller.malformed_count % len(DEFECTS)]
                    seller.malformed_count += 1
                moment = base + timedelta(milliseconds=offset)
                order = self._new_order(
                    seller,
                    start + offset,
                    marketplace_id,
                    moment,
                    unknown=offset in unknown,
                    defect=defect,
                    lines=(low, high),
                    afn=offset in flags["afn"],
                    business=offset in flags["business"],
                    promotion=offset in flags["promotion"],
                    gift=offset in flags["gift"],
                )
                if offset in flags["pending"]:
                    order.status = "Pending"
                elif order.channel == "AFN":
                    self._set_status(order, "Shipped")
                else:
                    self._set_status(order, status)
                order.history.append((format_timestamp(moment), order.status))
                seller.orders[order.order_id] = order
                ids.append(order.order_id)
                self.last_created = moment
            seller.next_index = start + count
        return ids

    def _new_order(self, seller, index, marketplace_id, moment, **how):
        rng = random.Random(f"amazon-order-{self.seed}-{seller.seller_id}-{index}")
        order_id = f"40{seller.number}-{index:07d}-{rng.randrange(10**7):07d}"
        buyer = self.customers[rng.randrange(len(self.customers))]
        items = []
        for number in range(1, rng.randint(*how["lines"]) + 1):
            product = self.products[rng.randrange(len(self.products))]
            price = Decimal(product["price"])
            listing = seller.listings.get(product["sku"])
            if listing is not None:
                price = listing.price(marketplace_id) or price
            items.append(
                Item(
                    order_item_id=f"{seller.number:02d}{index:09d}{number:03d}",
                    asin=asin_of(self.seed, product["sku"]),
                    sku=product["sku"],
                    title=product["name"],
                    quantity=rng.choices((1, 2, 3), weights=(60, 30, 10))[0],
                    unit_price=price,
                    tax_rate=Decimal(product["tax_rate"]),
                    shipping_price=Decimal(rng.choice(SHIPPING_PRICES)),
                )
            )
        if how["unknown"]:
            item = rng.choice(items)
            item.sku = catalog.unknown_sku(seller.number * 100_000 + index)
            item.asin = asin_of(self.seed, item.sku)
            item.title = f"Article hors catalogue {index}"
        if how["promotion"]:
            item = items[0]
            item.promotion_discount = max(CENT, money(item.price * PROMOTION_RATE))
            item.promotion_id = f"SANDBOX-PROMO-{index % 7 + 1}"
            shipped = [i for i in items if i.shipping_price]
            if shipped and rng.random() < 0.5:
                shipped[0].shipping_discount = shipped[0].shipping_price
        if how.get("gift"):
            items[0].gift_wrap = GIFT_WRAP_PRICE
            items[0].gift_message = "Joyeux anniversaire !"
        if not how["afn"]:
            self._take_stock(seller, items)
        organization = buyer["organization"] or {}
        vat_number = company = None
        if how["business"]:
            vat_number = organization.get(
                "tax_identification_number"
            ) or customers.french_vat_number(rng.randrange(100_000_000, 10**9))
            company = organization.get("name") or f"{buyer['lastname']} SAS"
        digest = hashlib.sha1(f"{self.seed}-{order_id}".encode()).hexdigest()[:16]
        domain = MARKETPLACES[marketplace_id]["sales_channel"].lower()
        kind = (
            "malformed"
            if how["defect"]
            else "unknown_sku"
            if how["unknown"]
            else "valid"
        )
        return Order(
            order_id=order_id,
            seller_id=seller.seller_id,
            marketplace_id=marketplace_id,
            index=index,
            kind=kind,
            defect=how["defect"],
            status="Pending",
            channel="AFN" if how["afn"] else "MFN",
            is_business=bool(how["business"]),
            purchased=moment,
            updated=moment,
            buyer=buyer,
            email=f"{digest}@marketplace.{domain}",
            vat_number=vat_number,
            company=company,
            items=items,
        )

    def _take_stock(self, seller, items):
        """An order takes its quantity off the listing's DEFAULT stock."""
        for item in items:
            listing = seller.listings.get(item.sku)
            if listing is not None:
                listing.take_stock(item.quantity)

    @staticmethod
    def _set_status(order, status):
        """Move an order to ``status``; Shipped ships every item, Unshipped
        and Pending none."""
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        order.status = status
        if status in ("Shipped", "InvoiceUnconfirmed"):
            for item in order.items:
                item.shipped = item.quantity
        elif status in ("Unshipped", "Pending", "PendingAvailability"):
            for item in order.items:
                item.shipped = 0
        elif status == "PartiallyShipped" and not any(i.shipped for i in order.items):
            order.items[0].shipped = 1

    def set_order_status(self, order_id, status):
        """A marketplace-side transition (Pending -> Unshipped, Canceled...);
        LastUpdateDate becomes now."""
        with self.lock:
            order = self._find_order(order_id)
            self._set_status(order, status)
            order.updated = self.clock.now()
            order.history.append((format_timestamp(order.updated), status))
        return self.order_record(order_id)

    def _find_order(self, order_id, seller=None):
        for candidate in [seller] if seller else self.sellers.values():
            order = candidate.orders.get(order_id)
            if order:
                return order
        raise sp_error(404, "NotFound", f"Order {order_id} not found.")

    def order_record(self, order_id):
        """The internal record of an order, JSON-ready (for tests)."""
        with self.lock:
            order = self._find_order(order_id)
            return {
                "order_id": order.order_id,
                "seller_id": order.seller_id,
                "marketplace_id": order.marketplace_id,
                "kind": order.kind,
                "defect": order.defect,
                "status": order.status,
                "fulfillment_channel": order.channel,
                "is_business": order.is_business,
                "vat_number": order.vat_number,
                "purchase_date": format_timestamp(order.purchased),
                "last_update_date": format_timestamp(order.updated),
                "order_total": str(money(order.total())),
                "items": [
                    {
                        "order_item_id": item.order_item_id,
                        "sku": item.sku,
                        "quantity": item.quantity,
                        "quantity_shipped": item.shipped,
                        "item_price": str(item.price),
                        "promotion_discount": str(item.promotion_discount),
                        "shipping_discount": str(item.shipping_discount),
                        "gift_wrap": str(item.gift_wrap),
                    }
                    for item in order.items
                ],
                "shipments": [dict(shipment) for shipment in order.shipments],
                "history": [list(step) for step in order.history],
            }

    # ------------------------------------------------------------------
    # rendering (Orders v0)
    # ------------------------------------------------------------------
    def _money(self, order, amount):
        return {"CurrencyCode": order.currency, "Amount": str(money(amount))}

    def _address(self, order, pii):
        source = order.buyer["shipping_address"]
        address = {
            "City": source["city"],
            "StateOrRegion": source["city"],
            "PostalCode": source["zip_code"],
            "CountryCode": source["country_iso2"],
        }
        if pii:
            address = {
                "Name": f"{order.buyer['firstname']} {order.buyer['lastname']}",
                "AddressLine1": source["street_1"],
                **(
                    {"AddressLine2": source["street_2"]} if "street_2" in source else {}
                ),
                **(
                    {"AddressLine3": source["street_3"]} if "street_3" in source else {}
                ),
                **address,
                "Phone": order.buyer["phone"],
                "AddressType": "Commercial" if order.is_business else "Residential",
            }
            if order.is_business:
                address["CompanyName"] = order.company
            elif "company" in source:
                address["CompanyName"] = source["company"]
        return address

    def _delivery_preferences(self, order):
        """getOrderAddress' DeliveryPreferences of a buyer who gave some."""
        info = order.buyer["shipping_address"].get("additional_info")
        return {"AddressInstructions": info} if info else None

    def _buyer_info(self, order):
        info = {
            "BuyerEmail": order.email,
            "BuyerName": f"{order.buyer['firstname']} {order.buyer['lastname']}",
        }
        if order.is_business:
            info["BuyerTaxInfo"] = {
                "CompanyLegalName": order.company,
                "TaxingRegion": order.vat_number[:2],
                "TaxClassifications": [
                    {"Name": "VATNumber", "Value": order.vat_number}
                ],
            }
        return info

    def render_order(self, order, pii=False):
        """getOrders/getOrder's Order, with its defect if malformed."""
        priced = order.status not in ("Pending", "PendingAvailability")
        shipped = sum(item.shipped for item in order.items)
        ordered = sum(item.quantity for item in order.items)
        day = timedelta(days=1)
        data = {
            "AmazonOrderId": order.order_id,
            "SellerOrderId": order.order_id,
            "PurchaseDate": format_timestamp(order.purchased),
            "LastUpdateDate": format_timestamp(order.updated),
            "OrderStatus": order.status,
            "FulfillmentChannel": order.channel,
            "SalesChannel": MARKETPLACES[order.marketplace_id]["sales_channel"],
            "ShipServiceLevel": "Std FR Dom_1",
            "OrderTotal": self._money(order, order.total()) if priced else None,
            "NumberOfItemsShipped": shipped,
            "NumberOfItemsUnshipped": ordered - shipped,
            "PaymentMethod": "Other",
            "PaymentMethodDetails": ["Standard"],
            "MarketplaceId": order.marketplace_id,
            "ShipmentServiceLevelCategory": "Standard",
            "OrderType": "StandardOrder",
            "EarliestShipDate": format_timestamp(order.purchased),
            "LatestShipDate": format_timestamp(order.purchased + 2 * day),
            "EarliestDeliveryDate": format_timestamp(order.purchased + 3 * day),
            "LatestDeliveryDate": format_timestamp(order.purchased + 5 * day),
            "IsBusinessOrder": order.is_business,
            "IsPrime": False,
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsReplacementOrder": False,
            "IsSoldByAB": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "HasRegulatedItems": False,
            "ShippingAddress": self._address(order, pii) if priced else None,
        }
        if order.is_business:
            data["BuyerInvoicePreference"] = "BUSINESS"
            data["BuyerTaxInformation"] = {
                "BuyerLegalCompanyName": order.company,
                "BuyerTaxRegistrationId": order.vat_number,
            }
        if pii:
            data["BuyerInfo"] = self._buyer_info(order)
        data = {key: value for key, value in data.items() if value is not None}
        if order.defect == "total_mismatch" and "OrderTotal" in data:
            data["OrderTotal"] = self._money(order, order.total() + 10)
        elif order.defect == "no_purchase_date":
            del data["PurchaseDate"]
        return data

    def render_items(self, order, pii=False):
        """getOrderItems' OrderItems, with the defect if malformed; a gift's
        ``BuyerInfo`` (gift wrap price, message) with an RDT (``pii``)."""
        priced = order.status not in ("Pending", "PendingAvailability")
        rendered = []
        for item in order.items:
            data = {
                "ASIN": item.asin,
                "SellerSKU": item.sku,
                "OrderItemId": item.order_item_id,
                "Title": item.title,
                "QuantityOrdered": item.quantity,
                "QuantityShipped": item.shipped,
                "ProductInfo": {"NumberOfItems": "1"},
                "IsGift": "true" if item.gift_wrap or item.gift_message else "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
                "IsTransparency": False,
                "SerialNumberRequired": False,
            }
            if priced:
                shipping_tax = included_tax(item.shipping_price, SHIPPING_TAX_RATE)
                data.update(
                    {
                        "ItemPrice": self._money(order, item.price),
                        "ItemTax": self._money(
                            order, included_tax(item.price, item.tax_rate)
                        ),
                        "ShippingPrice": self._money(order, item.shipping_price),
                        "ShippingTax": self._money(order, shipping_tax),
                        "ShippingDiscount": self._money(order, item.shipping_discount),
                        "ShippingDiscountTax": self._money(
                            order,
                            included_tax(item.shipping_discount, SHIPPING_TAX_RATE),
                        ),
                        "PromotionDiscount": self._money(
                            order, item.promotion_discount
                        ),
                        "PromotionDiscountTax": self._money(
                            order, included_tax(item.promotion_discount, item.tax_rate)
                        ),
                    }
                )
            if item.promotion_id:
                data["PromotionIds"] = [item.promotion_id]
            if pii and priced and data["IsGift"] == "true":
                data["BuyerInfo"] = {
                    "GiftWrapPrice": self._money(order, item.gift_wrap),
                    "GiftWrapTax": self._money(
                        order, included_tax(item.gift_wrap, GIFT_WRAP_TAX_RATE)
                    ),
                    "GiftMessageText": item.gift_message,
                    "GiftWrapLevel": "Classic",
                }
            rendered.append(data)
        first = rendered[0]
        if order.defect == "quantity_text":
            first["QuantityOrdered"] = "two"
        elif order.defect == "price_not_number" and "ItemPrice" in first:
            first["ItemPrice"] = {"CurrencyCode": order.currency, "Amount": "12,3O"}
        elif order.defect == "no_seller_sku":
            del first["SellerSKU"]
        return rendered

    # ------------------------------------------------------------------
    # routing, authentication, rate limits, errors
    # ------------------------------------------------------------------
    def api(self, method, pattern, operation, handler, params=()):
        """An SP-API route, rate-limited per (operation, seller)."""

        def limited(request, seller):
            rate_header = {"x-amzn-RateLimit-Limit": f"{self.rate_of(operation):g}"}
            try:
                self._take_token(operation, seller)
                response = handler(request, seller)
            except HttpError as err:
                if err.status != 429:
                    err.headers.update(rate_header)
                raise
            response.headers.update(rate_header)
            return response

        self.route(method, pattern, operation, limited, params)

    def register_routes(self):
        self.route("POST", "/auth/o2/token", "lwaToken", self.lwa_token)
        self.api(
            "POST",
            "/tokens/2021-03-01/restrictedDataToken",
            "createRestrictedDataToken",
            self.create_rdt,
        )
        order = "/orders/v0/orders/(?P<order_id>[^/]+)"
        self.api(
            "GET", "/orders/v0/orders", "getOrders", self.get_orders, GET_ORDERS_PARAMS
        )
        self.api("GET", order, "getOrder", self.get_order)
        self.api(
            "GET",
            order + "/orderItems",
            "getOrderItems",
            self.get_order_items,
            ("NextToken",),
        )
        self.api("GET", order + "/address", "getOrderAddress", self.get_order_address)
        self.api(
            "GET", order + "/buyerInfo", "getOrderBuyerInfo", self.get_order_buyer_info
        )
        self.api(
            "POST",
            order + "/shipmentConfirmation",
            "confirmShipment",
            self.confirm_shipment,
        )
        self.api(
            "GET",
            "/orders/2026-01-01/orders",
            "searchOrders",
            self.search_orders,
            SEARCH_ORDERS_PARAMS,
        )
        self.api(
            "GET",
            "/orders/2026-01-01/orders/(?P<order_id>[^/]+)",
            "getOrder20260101",
            self.get_order_2026,
            ("includedData",),
        )
        self.register_listing_routes()
        self.register_feed_routes()
        self.admin_route("GET", "/sellers", self._admin_sellers)
        self.admin_route("GET", "/usage_plan", self._admin_usage_plan)
        self.admin_route("POST", "/usage_plan", self._admin_set_usage_plan)
        self.admin_route("POST", "/orders", self._admin_create_orders)
        self.admin_route("GET", "/orders/(?P<order_id>[^/]+)", self._admin_get_order)
        self.admin_route(
            "POST", "/orders/(?P<order_id>[^/]+)/status", self._admin_set_status
        )

    def handle(self, request):
        """Every answer carries ``x-amzn-RequestId``; the document URLs
        (``/_upload/``) are served apart, without token nor faults."""
        if request.path.startswith("/_upload/"):
            try:
                response = self.serve_document(request)
            except HttpError as err:
                response = self.error_response(err)
        else:
            response = super().handle(request)
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return response

    def _inject_faults(self, request, operation):
        if operation != "lwaToken":  # LWA is not an SP-API operation
            super()._inject_faults(request, operation)

    def authenticate(self, request):
        """The seller of ``x-amz-access-token`` (None for LWA), and whether
        it is a restricted data token."""
        if request.path == "/auth/o2/token":
            return None
        token = (request.headers.get("x-amz-access-token") or "").strip()
        with self.lock:
            known = self.tokens.get(token)
        if not known or known[2] < time.monotonic():
            raise HttpError(401, "Unauthorized")
        seller, is_rdt, _expiry = known
        return _Caller(seller, is_rdt)

    def _take_token(self, operation, caller):
        if not self.rate_scale:
            return
        rate, burst = RATE_LIMITS[operation]
        key = (operation, caller.seller.seller_id)
        with self._bucket_lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                bucket = self.buckets[key] = TokenBucket(
                    rate * self.rate_scale, burst * self.rate_scale
                )
            allowed = bucket.take()
        if not allowed:
            self.stats.count(operation, "429")
            raise HttpError(429, "QuotaExceeded")

    def error_body(self, status, message, errors=None):
        if errors:
            return {"errors": errors}
        code = {400: "InvalidInput", 404: "NotFound", 405: "InvalidInput"}.get(
            status, "InvalidInput" if status < 500 else "InternalFailure"
        )
        return {"errors": [{"code": code, "message": message, "details": ""}]}

    def error_response(self, err):
        """Amazon's answers for the framework's errors and faults."""
        headers = dict(err.headers)
        status, errors = err.status, err.errors
        if status == 401:
            status, errors = 403, _UNAUTHORIZED
        elif status == 429:
            headers.pop("Retry-After", None)
            errors = _QUOTA_EXCEEDED
        elif status >= 500 and not errors:
            errors = [
                {
                    "code": "InternalFailure",
                    "message": "We encountered an internal error. Please try again.",
                    "details": "",
                }
            ]
        return Response.json(
            self.error_body(status, err.message, errors), status=status, headers=headers
        )

    # ------------------------------------------------------------------
    # LWA and tokens
    # ------------------------------------------------------------------
    def lwa_token(self, request, _caller):
        """LWA: a refresh token for a 1-hour access token of its seller."""
        form = {
            key: values[-1]
            for key, values in parse_qs(
                request.body.decode("utf-8", "replace"), keep_blank_values=True
            ).items()
        }

        def oauth(status, error, description):
            return Response.json(
                {"error": error, "error_description": description}, status=status
            )

        if form.get("grant_type") != "refresh_token":
            return oauth(
                400, "unsupported_grant_type", "Only refresh_token is supported."
            )
        if (
            form.get("client_id") != LWA_CLIENT_ID
            or form.get("client_secret") != LWA_CLIENT_SECRET
        ):
            return oauth(401, "invalid_client", "Client authentication failed")
        seller = self.refresh_tokens.get(form.get("refresh_token"))
        if seller is None:
            return oauth(
                400,
                "invalid_grant",
                "The request has an invalid grant parameter : refresh_token",
            )
        token = self._issue_token(seller, "Atza|", False)
        return Response.json(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": TOKEN_LIFETIME,
            }
        )

    def _issue_token(self, seller, prefix, is_rdt):
        token = prefix + secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = (seller, is_rdt, time.monotonic() + TOKEN_LIFETIME)
        return token

    def create_rdt(self, request, caller):
        """createRestrictedDataToken: an RDT for the restricted resources."""
        body = request.json_object()
        resources = body.get("restrictedResources")
        if not isinstance(resources, list) or not resources:
            raise invalid("restrictedResources is required.")
        for resource in resources:
            if not isinstance(resource, dict):
                raise invalid("Each restricted resource must be an object.")
            if resource.get("method") not in ("GET", "PUT", "POST", "DELETE"):
                raise invalid("Invalid method in restrictedResources.")
            path = resource.get("path")
            if not isinstance(path, str) or not path.startswith("/"):
                raise invalid("Invalid path in restrictedResources.")
        token = self._issue_token(caller.seller, "Atz.sprdt|", True)
        return Response.json(
            {"restrictedDataToken": token, "expiresIn": TOKEN_LIFETIME}
        )

    # ------------------------------------------------------------------
    # Orders v0
    # ------------------------------------------------------------------
    def _marketplaces(self, request, names, required):
        values = []
        for name in names:
            values = csv_values(request, name)
            if values:
                break
        if not values:
            if required:
                raise invalid("MarketplaceIds is required.")
            return None
        if len(values) > MAX_IDS:
            raise invalid(f"MarketplaceIds: {MAX_IDS} values at most.")
        unknown = [value for value in values if value not in MARKETPLACES]
        if unknown:
            raise invalid(f"Invalid Marketplace Id: {', '.join(unknown)}.")
        return values

    def _date(self, request, name):
        value = request.arg(name)
        if value in (None, ""):
            return None
        try:
            return parse_timestamp(value)
        except ValueError as err:
            raise invalid(f"{name} is not a valid ISO 8601 date: {value!r}.") from err

    def _order_query(self, request):
        """getOrders' query as a JSON-ready dict (validated)."""
        marketplaces = self._marketplaces(
            request, ("MarketplaceIds", "MarketplaceId", "marketplaceIds"), True
        )
        dates = {
            name: self._date(request, name)
            for name in (
                "CreatedAfter",
                "CreatedBefore",
                "LastUpdatedAfter",
                "LastUpdatedBefore",
            )
        }
        created, updated = dates["CreatedAfter"], dates["LastUpdatedAfter"]
        if (created is None) == (updated is None):
            raise invalid(
                "Exactly one of CreatedAfter and LastUpdatedAfter is required."
            )
        if created and (dates["LastUpdatedBefore"] or updated):
            raise invalid(
                "LastUpdatedAfter and LastUpdatedBefore cannot be used with "
                "CreatedAfter."
            )
        if updated and dates["CreatedBefore"]:
            raise invalid("CreatedBefore cannot be used with LastUpdatedAfter.")
        prefix = "Created" if created else "LastUpdated"
        after = dates[prefix + "After"]
        latest = self.clock.now() - SAFETY_DELAY
        before = dates[prefix + "Before"]
        if before is None:
            before = latest
        elif before > latest:
            raise invalid(
                f"{prefix}Before must be at least 2 minutes before the time of "
                "the request."
            )
        if after > latest:
            raise invalid(
                f"{prefix}After must be at least 2 minutes before the time of "
                "the request."
            )
        if before < after:
            raise invalid(f"{prefix}Before must be later than {prefix}After.")
        statuses = csv_values(request, "OrderStatuses")
        unknown = sorted(set(statuses) - set(ORDER_STATUSES))
        if unknown:
            raise invalid(f"Invalid OrderStatuses: {', '.join(unknown)}.")
        channels = csv_values(request, "FulfillmentChannels")
        if set(channels) - {"AFN", "MFN"}:
            raise invalid("FulfillmentChannels must be AFN or MFN.")
        ids = csv_values(request, "AmazonOrderIds")
        if len(ids) > MAX_IDS:
            raise invalid(f"AmazonOrderIds: {MAX_IDS} values at most.")
        size = request.arg("MaxResultsPerPage") or str(MAX_PAGE)
        if not size.isdigit() or not 1 <= int(size) <= MAX_PAGE:
            raise invalid(f"MaxResultsPerPage must be between 1 and {MAX_PAGE}.")
        return {
            "m": marketplaces,
            "f": "created" if created else "updated",
            "a": format_timestamp(after),
            "b": format_timestamp(before),
            "s": statuses,
            "c": channels,
            "i": ids,
            "n": int(size),
        }

    def get_orders(self, request, caller):
        """getOrders: filters, sort by LastUpdateDate then AmazonOrderId,
        opaque NextToken (which carries the query: the filters sent with
        it are ignored)."""
        token = request.arg("NextToken")
        if token:
            query = decode_token(token)
            if query.get("seller") != caller.seller.seller_id or "q" not in query:
                raise invalid("Invalid NextToken.")
            cursor, query = query.get("k"), query["q"]
        else:
            cursor, query = None, self._order_query(request)
        after, before = parse_timestamp(query["a"]), parse_timestamp(query["b"])
        on_creation = query["f"] == "created"
        with self.lock:
            matching = []
            for order in caller.seller.orders.values():
                moment = order.purchased if on_creation else order.updated
                if not after <= moment <= before:
                    continue
                if order.marketplace_id not in query["m"]:
                    continue
                if query["s"] and order.status not in query["s"]:
                    continue
                if query["c"] and order.channel not in query["c"]:
                    continue
                if query["i"] and order.order_id not in query["i"]:
                    continue
                key = (format_timestamp(order.updated), order.order_id)
                if cursor and key <= tuple(cursor):
                    continue
                matching.append((key, order))
            matching.sort(key=lambda pair: pair[0])
            page = matching[: query["n"]]
            orders = [self.render_order(order, caller.is_rdt) for _key, order in page]
        payload = {"Orders": orders}
        if len(matching) > len(page):
            payload["NextToken"] = encode_token(
                {"seller": caller.seller.seller_id, "q": query, "k": list(page[-1][0])}
            )
        payload["CreatedBefore" if on_creation else "LastUpdatedBefore"] = query["b"]
        return Response.json({"payload": payload})

    def get_order(self, request, caller):
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            return Response.json({"payload": self.render_order(order, caller.is_rdt)})

    def get_order_items(self, request, caller):
        """getOrderItems: pages of 100 items (NextToken)."""
        start = 0
        token = request.arg("NextToken")
        if token:
            start = decode_token(token).get("o")
            if not isinstance(start, int) or start < 0:
                raise invalid("Invalid NextToken.")
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            items = self.render_items(order, caller.is_rdt)
        payload = {"AmazonOrderId": order.order_id, "OrderItems": items[start:][:100]}
        if len(items) > start + 100:
            payload["NextToken"] = encode_token({"o": start + 100})
        return Response.json({"payload": payload})

    def get_order_address(self, request, caller):
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            payload = {"AmazonOrderId": order.order_id}
            if order.status not in ("Pending", "PendingAvailability"):
                payload["ShippingAddress"] = self._address(order, caller.is_rdt)
            if order.is_business and caller.is_rdt:
                payload["BuyerCompanyName"] = order.company
            preferences = self._delivery_preferences(order)
            if preferences and caller.is_rdt:
                payload["DeliveryPreferences"] = preferences
        return Response.json({"payload": payload})

    def get_order_buyer_info(self, request, caller):
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            payload = {"AmazonOrderId": order.order_id}
            if caller.is_rdt:
                payload.update(self._buyer_info(order))
        return Response.json({"payload": payload})

    def confirm_shipment(self, request, caller):
        """confirmShipment: ships some quantities of an Unshipped or
        PartiallyShipped order; 204."""
        body = request.json_object()
        lines = _package_lines(body)
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            if body["marketplaceId"] != order.marketplace_id:
                raise invalid(
                    f"Order {order.order_id} is not an order of marketplace "
                    f"{body['marketplaceId']}."
                )
            if order.status not in ("Unshipped", "PartiallyShipped"):
                raise invalid(
                    f"Order {order.order_id} is {order.status}: only Unshipped and "
                    "PartiallyShipped orders can be confirmed."
                )
            items = {item.order_item_id: item for item in order.items}
            wanted = {}
            for line in lines:
                if not isinstance(line, dict):
                    raise invalid("Each order item must be an object.")
                item_id, quantity = line.get("orderItemId"), line.get("quantity")
                if item_id not in items:
                    raise invalid(f"Invalid orderItemId {item_id!r}.")
                if isinstance(quantity, bool) or not isinstance(quantity, int):
                    raise invalid(f"Invalid quantity for orderItemId {item_id}.")
                wanted[item_id] = wanted.get(item_id, 0) + quantity
            for item_id, quantity in wanted.items():
                item = items[item_id]
                if not 1 <= quantity <= item.quantity - item.shipped:
                    raise invalid(
                        f"Invalid quantity {quantity} for orderItemId {item_id}: "
                        f"{item.quantity - item.shipped} left to ship."
                    )
            for item_id, quantity in wanted.items():
                items[item_id].shipped += quantity
            done = all(item.shipped == item.quantity for item in order.items)
            order.status = "Shipped" if done else "PartiallyShipped"
            order.updated = self.clock.now()
            order.history.append((format_timestamp(order.updated), order.status))
            order.shipments.append(body)
        return Response.empty()

    # ------------------------------------------------------------------
    # Orders 2026-01-01 (a subset of the fields)
    # ------------------------------------------------------------------
    def render_order_2026(self, order):
        currency = order.currency
        priced = order.status not in ("Pending", "PendingAvailability")

        def amount(value):
            return {"amount": str(money(value)), "currencyCode": currency}

        items = []
        for item in order.items:
            data = {
                "orderItemId": item.order_item_id,
                "quantityOrdered": item.quantity,
                "product": {
                    "asin": item.asin,
                    "title": item.title,
                    "sellerSku": item.sku,
                },
                "fulfillment": {
                    "quantityFulfilled": item.shipped,
                    "quantityUnfulfilled": item.quantity - item.shipped,
                },
            }
            if priced:
                data["proceeds"] = {"proceedsTotal": amount(item.total)}
            items.append(data)
        source = order.buyer["shipping_address"]
        data = {
            "orderId": order.order_id,
            "createdTime": format_timestamp(order.purchased),
            "lastUpdatedTime": format_timestamp(order.updated),
            "salesChannel": {
                "channelName": "AMAZON",
                "marketplaceId": order.marketplace_id,
                "marketplaceName": MARKETPLACES[order.marketplace_id]["sales_channel"],
            },
            "buyer": {
                "buyerName": f"{order.buyer['firstname']} {order.buyer['lastname']}",
                "buyerEmail": order.email,
                **({"buyerCompanyName": order.company} if order.is_business else {}),
            },
            "fulfillment": {
                "fulfillmentStatus": STATUS_2026[order.status],
                "fulfilledBy": "AMAZON" if order.channel == "AFN" else "MERCHANT",
            },
            "orderItems": items,
        }
        if priced:
            data["proceeds"] = {"grandTotal": amount(order.total())}
            data["recipient"] = {
                "deliveryAddress": {
                    "name": data["buyer"]["buyerName"],
                    "addressLine1": source["street_1"],
                    "city": source["city"],
                    "postalCode": source["zip_code"],
                    "countryCode": source["country_iso2"],
                    "phone": order.buyer["phone"],
                }
            }
        return data

    def search_orders(self, request, caller):
        """searchOrders (2026-01-01): camelCase filters,
        ``pagination.nextToken``, no payload wrapper."""
        token = request.arg("paginationToken")
        if token:
            state = decode_token(token, "paginationToken")
            if state.get("seller") != caller.seller.seller_id:
                raise invalid("Invalid paginationToken.")
            query, cursor = state["q"], state["k"]
        else:
            cursor = None
            created = self._date(request, "createdAfter")
            updated = self._date(request, "lastUpdatedAfter")
            if (created is None) == (updated is None):
                raise invalid(
                    "Exactly one of createdAfter and lastUpdatedAfter is required."
                )
            before = self._date(
                request, "createdBefore" if created else "lastUpdatedBefore"
            )
            latest = self.clock.now() - SAFETY_DELAY
            if before is None:
                before = latest
            elif before > latest:
                raise invalid("The Before date must be at least 2 minutes ago.")
            statuses = csv_values(request, "fulfillmentStatuses")
            size = request.arg("maxResultsPerPage") or str(MAX_PAGE)
            if not size.isdigit() or not 1 <= int(size) <= MAX_PAGE:
                raise invalid(f"maxResultsPerPage must be between 1 and {MAX_PAGE}.")
            query = {
                "f": "created" if created else "updated",
                "a": format_timestamp(created or updated),
                "b": format_timestamp(before),
                "m": self._marketplaces(request, ("marketplaceIds",), False),
                "s": statuses,
                "c": csv_values(request, "fulfilledBy"),
                "n": int(size),
            }
        after, before = parse_timestamp(query["a"]), parse_timestamp(query["b"])
        with self.lock:
            matching = []
            for order in caller.seller.orders.values():
                moment = order.purchased if query["f"] == "created" else order.updated
                by = "AMAZON" if order.channel == "AFN" else "MERCHANT"
                if not after <= moment <= before:
                    continue
                if query["m"] and order.marketplace_id not in query["m"]:
                    continue
                if query["s"] and STATUS_2026[order.status] not in query["s"]:
                    continue
                if query["c"] and by not in query["c"]:
                    continue
                key = (format_timestamp(order.updated), order.order_id)
                if cursor and key <= tuple(cursor):
                    continue
                matching.append((key, order))
            matching.sort(key=lambda pair: pair[0])
            page = matching[: query["n"]]
            body = {"orders": [self.render_order_2026(o) for _k, o in page]}
        if len(matching) > len(page):
            body["pagination"] = {
                "nextToken": encode_token(
                    {"seller": caller.seller.seller_id, "q": query, "k": page[-1][0]}
                )
            }
        body["lastUpdatedBefore" if query["f"] == "updated" else "createdBefore"] = (
            query["b"]
        )
        return Response.json(body)

    def get_order_2026(self, request, caller):
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            return Response.json({"order": self.render_order_2026(order)})

    # ------------------------------------------------------------------
    # admin
    # ------------------------------------------------------------------
    def _admin_sellers(self, request):
        return Response.json(
            {
                "lwa": {"client_id": LWA_CLIENT_ID, "client_secret": LWA_CLIENT_SECRET},
                "marketplaces": MARKETPLACES,
                "sellers": [
                    {
                        "seller_id": seller.seller_id,
                        "refresh_token": seller.refresh_token,
                        "marketplace_ids": list(MARKETPLACES),
                        "orders": len(seller.orders),
                        "listings": len(seller.listings),
                    }
                    for seller in self.sellers.values()
                ],
            }
        )

    def _admin_usage_plan(self, request):
        return Response.json({"rate_scale": self.rate_scale})

    def _admin_set_usage_plan(self, request):
        body = request.json_object()
        if "rate_scale" not in body:
            raise ValueError("rate_scale is required")
        self.set_rate_scale(body["rate_scale"])
        return self._admin_usage_plan(request)

    def _admin_create_orders(self, request):
        body = request.json_object()
        arguments = dict(body)
        seller_id = arguments.pop("seller_id", next(iter(SELLERS)))
        count = arguments.pop("count", 1)
        if "lines" in arguments:
            arguments["lines"] = tuple(arguments["lines"])
        try:
            ids = self.create_orders(seller_id, count, **arguments)
        except TypeError as err:
            raise ValueError(str(err)) from err
        return Response.json({"order_ids": ids})

    def _admin_get_order(self, request):
        return Response.json(self.order_record(request.params["order_id"]))

    def _admin_set_status(self, request):
        status = request.json_object().get("status")
        return Response.json(self.set_order_status(request.params["order_id"], status))


class _Caller:
    """The seller a token belongs to, and whether it is an RDT."""

    def __init__(self, seller, is_rdt):
        self.seller = seller
        self.is_rdt = is_rdt


def _package_lines(body):
    """confirmShipment's body checked; its ``orderItems``."""
    detail = body.get("packageDetail")
    if not isinstance(body.get("marketplaceId"), str):
        raise invalid("marketplaceId is required.")
    if not isinstance(detail, dict):
        raise invalid("packageDetail is required.")
    for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate"):
        if not isinstance(detail.get(name), str) or not detail[name].strip():
            raise invalid(f"packageDetail.{name} is required.")
    if detail["carrierCode"] == "Other" and not detail.get("carrierName"):
        raise invalid(
            "packageDetail.carrierName is required when carrierCode is Other."
        )
    try:
        parse_timestamp(detail["shipDate"])
    except ValueError as err:
        raise invalid("packageDetail.shipDate is not a valid ISO 8601 date.") from err
    lines = detail.get("orderItems")
    if not isinstance(lines, list) or not lines:
        raise invalid("packageDetail.orderItems is required.")
    return lines


_UNAUTHORIZED = [
    {
        "code": "Unauthorized",
        "message": "Access to requested resource is denied.",
        "details": "",
    }
]
_QUOTA_EXCEEDED = [
    {
        "code": "QuotaExceeded",
        "message": "You exceeded your quota for the requested resource.",
        "details": "",
    }
]


__all__ = [
    "DE",
    "DEFECTS",
    "ES",
    "FR",
    "GB",
    "IT",
    "LWA_CLIENT_ID",
    "LWA_CLIENT_SECRET",
    "MARKETPLACES",
    "ORDER_STATUSES",
    "RATE_LIMITS",
    "SELLERS",
    "AmazonEmulator",
]
