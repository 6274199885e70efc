"""Emulator of the Amazon Selling Partner API (SP-API), EU region.

Mirrors the official models for what the connectors use:

- LWA ``POST /auth/o2/token`` (``grant_type=refresh_token``; OAuth errors
  ``invalid_grant`` 400, ``invalid_client`` 401; no rate limit, no faults);
- Tokens 2021-03-01: createRestrictedDataToken
  ``POST /tokens/2021-03-01/restrictedDataToken`` (the RDT unlocks the
  buyer's personal data on the Orders v0 routes);
- Orders v0: getOrders ``GET /orders/v0/orders``, getOrder
  ``GET /orders/v0/orders/{orderId}``, getOrderItems ``.../orderItems``,
  getOrderItemsBuyerInfo ``.../orderItems/buyerInfo``, getOrderAddress
  ``.../address``, getOrderBuyerInfo ``.../buyerInfo``, confirmShipment
  ``POST .../shipmentConfirmation``, updateShipmentStatus
  ``POST .../shipment``;
- Orders 2026-01-01 (``amazon_orders_2026``): searchOrders
  ``GET /orders/2026-01-01/orders`` and getOrder
  ``GET /orders/2026-01-01/orders/{orderId}``, from the same store (an order
  has the same ids, items, amounts and status in both versions), with the
  switch that removes the Orders v0 order operations as Amazon does on
  27 March 2027 (they answer 404 ``NotFound``; confirmShipment and
  updateShipmentStatus stay);
- Listings Items 2021-08-01 (``amazon_listings``): getListingsItem,
  patchListingsItem, searchListingsItems;
- Feeds 2021-06-30 (``amazon_feeds``): createFeedDocument, createFeed,
  getFeed, getFeeds, cancelFeed, getFeedDocument, with JSON_LISTINGS_FEED
  processing; the presigned-like document URLs are served at
  ``/_upload/{feedDocumentId}`` (PUT stores, GET reads; no token, no
  faults).
- Product Pricing v0 (``amazon_pricing``): getItemOffers, getListingOffers,
  getItemOffersBatch, getListingOffersBatch (competitors' offers, buy box);
  Product Fees v0 (``amazon_pricing_fees``): getMyFeesEstimateForSKU,
  getMyFeesEstimates.

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
way on every call, in both Orders versions); FBA (AFN), business, promotion,
Pending and gift orders are independent exact shares, and so is each kind of
``amazon_orders_2026.VARIETY`` (net amounts with the tax on top, quantity
prices, zero-VAT items, Prime, replacement orders, seller order ids,
cancellation requests, sparse addresses, Easy Ship) and each status of
``status_shares``. Amounts are VAT-inclusive unless the order has net
amounts (``net_share``): then every amount is net and its tax comes on top.

Admin routes (besides the framework's faults, stats and reset):

- ``GET /_sandbox/sellers``: sellers, refresh tokens, LWA app credentials,
  marketplaces;
- ``GET``/``POST /_sandbox/usage_plan`` ``{"rate_scale": x}``;
- ``GET``/``POST /_sandbox/orders_v0`` ``{"removed": true}``: whether the
  Orders v0 order operations are removed (also ``orders_v0_removed=True``
  or ``set_orders_v0_removed``);
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
from typing import NamedTuple
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
from .amazon_orders_2026 import (
    GIFT_WRAP_LEVEL,
    MAX_PAGE,
    SAFETY_DELAY,
    STATUS_ALIASES,
    UNPRICED,
    VARIETY,
    AmazonOrders2026Mixin,
    apply_variety,
    date_window,
    delivery_company,
    exact_counts,
    extra_lines,
    pick_statuses,
)
from .amazon_pricing import PRICING_RATE_LIMITS, AmazonPricingMixin
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
    "getOrderItemsBuyerInfo": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "confirmShipment": (2, 10),
    "updateShipmentStatus": (5, 15),
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
RATE_LIMITS.update(PRICING_RATE_LIMITS)  # Product Pricing and Product Fees
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
SHIPMENT_STATUSES = ("ReadyForPickup", "PickedUp", "RefusedPickup")
MAX_IDS = 50
SHIPPING_PRICES = ("0.00", "3.90", "4.90")
SHIPPING_TAX_RATE = Decimal(20)
PROMOTION_RATE = Decimal("0.10")
GIFT_WRAP_PRICE = Decimal("3.50")
GIFT_WRAP_TAX_RATE = Decimal(20)
DISCOUNTS = ("promotion", "shipping_discount")  # the charges that are taken off


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


class Charge(NamedTuple):
    """An amount of an order item and its tax (both positive)."""

    amount: Decimal
    tax: Decimal


@dataclass
class Item:
    """An order item, in the order's currency: amounts are tax included, or
    net of tax when the order has net amounts (``Order.net_amounts``)."""

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
    gift_wrap: Decimal = Decimal(0)  # the gift wrap price
    gift_message: str = None
    line_price: Decimal = None  # a quantity price: not unit_price x quantity
    cancel_reason: str = None  # why the buyer asked to cancel, if they did

    @property
    def price(self):
        """The line's amount: unit price x quantity, or its quantity price."""
        if self.line_price is not None:
            return self.line_price
        return money(self.unit_price * self.quantity)

    @property
    def is_gift(self):
        return bool(self.gift_wrap or self.gift_message)

    def charges(self, net=False):
        """The item's amounts and their taxes: ``item``, ``shipping``,
        ``gift_wrap``, ``promotion`` and ``shipping_discount`` (discounts as
        positive amounts). The tax is included in each amount, or on top of
        it with ``net``."""

        def charge(amount, rate):
            if net:
                return Charge(amount, money(amount * rate / 100))
            return Charge(amount, included_tax(amount, rate))

        return {
            "item": charge(self.price, self.tax_rate),
            "shipping": charge(self.shipping_price, SHIPPING_TAX_RATE),
            "gift_wrap": charge(self.gift_wrap, GIFT_WRAP_TAX_RATE),
            "promotion": charge(self.promotion_discount, self.tax_rate),
            "shipping_discount": charge(self.shipping_discount, SHIPPING_TAX_RATE),
        }

    def total(self, net=False):
        """What the buyer pays for the item: its amounts less its discounts,
        plus their taxes with ``net``."""
        total = Decimal(0)
        for name, charge in self.charges(net).items():
            value = charge.amount + charge.tax if net else charge.amount
            total += -value if name in DISCOUNTS else value
        return total

    def to_net(self):
        """Turn the tax-included amounts into net ones (each rounded to the
        cent)."""

        def net(amount, rate):
            return money(Decimal(amount) * 100 / (100 + rate))

        self.unit_price = net(self.unit_price, self.tax_rate)
        if self.line_price is not None:
            self.line_price = net(self.line_price, self.tax_rate)
        self.promotion_discount = net(self.promotion_discount, self.tax_rate)
        self.shipping_price = net(self.shipping_price, SHIPPING_TAX_RATE)
        self.shipping_discount = net(self.shipping_discount, SHIPPING_TAX_RATE)
        self.gift_wrap = net(self.gift_wrap, GIFT_WRAP_TAX_RATE)


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
    shipments: list = field(default_factory=list)  # confirmShipment bodies
    confirmed: list = field(default_factory=list)  # and when they came
    history: list = field(default_factory=list)
    shipment_statuses: list = field(default_factory=list)  # updateShipmentStatus
    # the variety of amazon_orders_2026.VARIETY
    net_amounts: bool = False  # net amounts, their tax on top
    prime: bool = False
    preorder: bool = False
    replaced_order_id: str = None  # a replacement of that order
    seller_order_id: str = None  # the seller's own order id
    sparse_address: bool = False  # no phone, state, extra lines nor company
    easy_ship: bool = False

    @property
    def currency(self):
        return MARKETPLACES[self.marketplace_id]["currency"]

    @property
    def purchase_order(self):
        """The purchase order number of half of the business orders."""
        digest = hashlib.sha1(f"po-{self.order_id}".encode()).digest()
        if self.is_business and digest[0] % 2 == 0:
            return f"PO-{self.index:06d}"
        return None

    def total(self):
        """What the buyer pays (the tax included)."""
        return sum((item.total(self.net_amounts) for item in self.items), Decimal(0))


class AmazonEmulator(
    AmazonOrders2026Mixin,
    AmazonListingsMixin,
    AmazonFeedsMixin,
    AmazonPricingMixin,
    Emulator,
):
    """The SP-API of two sellers (see the module docstring).

    ``rate_scale``: multiplies every rate and burst of ``RATE_LIMITS`` (0
    disables the buckets; change it with ``set_rate_scale``).
    ``feed_processing_seconds``: how long a feed takes from IN_QUEUE to
    DONE (IN_PROGRESS from half of it; 0: done at once; evaluated lazily).
    ``order_age_seconds``: how far in the past new orders are dated, so a
    getOrders with the default ``*Before`` (now - 2 min) sees them.
    ``public_url``: the base URL of the presigned document URLs (default:
    the address the client reached).
    ``orders_v0_removed``: the Orders v0 order operations answer 404 as
    after Amazon removes them (change it with ``set_orders_v0_removed``).
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
        orders_v0_removed=False,
    ):
        self.rate_scale = float(rate_scale)
        self.orders_v0_removed = bool(orders_v0_removed)
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
                "orders_v0_removed": self.orders_v0_removed,
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

    def populate(self, orders, unknown_sku_share=0.0, malformed_share=0.0, **options):
        """``orders`` new orders in every seller (FR marketplace); ``options``
        are more ``create_orders`` arguments (e.g. ``**VARIETY_SHARES``)."""
        for seller_id in self.sellers:
            self.create_orders(
                seller_id, orders, unknown_sku_share, malformed_share, **options
            )

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
        status_shares=None,
        **variety,
    ):
        """Create ``count`` orders of a seller; return their AmazonOrderIds.

        Exactly ``round(count * share)`` orders of each kind, chosen with a
        seeded RNG: an order is valid, has one item with an unknown SKU
        (``catalog.unknown_sku``) or is malformed (``DEFECTS`` in turn). The
        AFN (shipped by Amazon), business (VAT number), promotion
        (discounts), Pending (no prices yet) and gift (the first item gift
        wrapped, with a message) shares are independent, each exact among all
        the orders, and so is each share of ``amazon_orders_2026.VARIETY``
        given as a keyword (``net_share``, ``quantity_price_share``,
        ``zero_vat_share``, ``prime_share``, ``replacement_share``,
        ``seller_order_id_share``, ``cancel_request_share``,
        ``sparse_address_share``, ``easy_ship_share``; drawn apart, so that
        the orders are the same as without them when they are 0).
        ``status_shares``: status -> exact share of the orders that are not
        Pending by ``pending_share`` (Unfulfillable ones among the AFN orders;
        v0 or v2026-01-01 names). ``status``: the status of the others (AFN
        orders are Shipped). ``lines``: (min, max) items per order. Orders are
        dated ``order_age_seconds`` ago (a millisecond apart). Raises
        ``ValueError`` on bad arguments.
        """
        seller = self.seller(seller_id)
        count = int(count)
        low, high = (int(n) for n in lines)
        status = STATUS_ALIASES.get(status, status)
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        if marketplace_id not in MARKETPLACES:
            raise ValueError(f"unknown marketplace {marketplace_id!r}")
        if count < 0 or not 1 <= low <= high:
            raise ValueError("count >= 0, 1 <= lines[0] <= lines[1] required")
        unexpected = sorted(set(variety) - set(VARIETY))
        if unexpected:
            raise ValueError(f"unknown argument(s): {', '.join(unexpected)}")
        shares = exact_counts(
            count,
            {
                "unknown": unknown_sku_share,
                "malformed": malformed_share,
                "afn": afn_share,
                "business": business_share,
                "promotion": promotion_share,
                "pending": pending_share,
                "gift": gift_share,
            },
        )
        if shares["unknown"] + shares["malformed"] > count:
            raise ValueError("unknown_sku_share + malformed_share must be 1 at most")
        kinds = exact_counts(count, {name: variety.get(name, 0) for name in VARIETY})
        with self.lock:
            start = seller.next_index
            picker = random.Random(f"amazon-batch-{self.seed}-{seller_id}-{start}")
            chosen = picker.sample(
                range(count), shares["unknown"] + shares["malformed"]
            )
            flags = {
                name: set(picker.sample(range(count), shares[name]))
                for name in ("afn", "business", "promotion", "pending", "gift")
            }
            flags["unknown"] = set(chosen[: shares["unknown"]])
            flags["malformed"] = set(chosen[shares["unknown"] :])
            extra = random.Random(f"amazon-variety-{self.seed}-{seller_id}-{start}")
            for name in VARIETY:
                flags[name] = set(extra.sample(range(count), kinds[name]))
            statuses = pick_statuses(
                extra, count, status_shares or {}, flags["pending"], flags["afn"]
            )
            return self._create_batch(
                seller, count, marketplace_id, (low, high), status, flags, statuses
            )

    def _create_batch(
        self, seller, count, marketplace_id, lines, status, flags, statuses
    ):
        """The orders of ``create_orders``: ``flags`` (kind -> offsets) and
        ``statuses`` (offset -> status) drawn."""
        start = seller.next_index
        base = self.clock.now() - self.order_age
        if self.last_created is not None and base <= self.last_created:
            base = self.last_created + timedelta(milliseconds=1)
        ids = []
        for offset in range(count):
            defect = None
            if offset in flags["malformed"]:
                defect = DEFECTS[seller.malformed_count % len(DEFECTS)]
                seller.malformed_count += 1
            moment = base + timedelta(milliseconds=offset)
            order = self._new_order(
                seller,
                start + offset,
                marketplace_id,
                moment,
                defect=defect,
                lines=lines,
                status=statuses.get(offset),
                variety={name for name in VARIETY if offset in flags[name]},
                **{
                    name: offset in flags[name]
                    for name in ("unknown", "afn", "business", "promotion", "gift")
                },
            )
            if offset in flags["pending"]:
                order.status = "Pending"
            elif offset in statuses:
                self._set_status(order, statuses[offset])
            else:
                self._set_status(order, "Shipped" if order.channel == "AFN" else status)
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
        if how["gift"]:
            items[0].gift_wrap = GIFT_WRAP_PRICE
            items[0].gift_message = "Joyeux anniversaire !"
        order = self._order_of(seller, index, order_id, marketplace_id, moment, buyer)
        order.items = items
        order.kind = (
            "malformed"
            if how["defect"]
            else "unknown_sku"
            if how["unknown"]
            else "valid"
        )
        order.defect = how["defect"]
        order.channel = "AFN" if how["afn"] else "MFN"
        if how["business"]:
            organization = buyer["organization"] or {}
            order.is_business = True
            order.vat_number = organization.get(
                "tax_identification_number"
            ) or customers.french_vat_number(rng.randrange(100_000_000, 10**9))
            order.company = organization.get("name") or f"{buyer['lastname']} SAS"
        if how["variety"] or how["status"] == "PartiallyShipped":
            apply_variety(
                order,
                how["variety"],
                random.Random(f"amazon-variety-{self.seed}-{order_id}"),
                list(seller.orders),
                partial=how["status"] == "PartiallyShipped",
            )
        if not how["afn"]:
            self._take_stock(seller, items)
        return order

    def _order_of(self, seller, index, order_id, marketplace_id, moment, buyer):
        """A new order's record, without items, of a consumer, shipped by
        the seller (``_new_order`` fills it)."""
        digest = hashlib.sha1(f"{self.seed}-{order_id}".encode()).hexdigest()[:16]
        domain = MARKETPLACES[marketplace_id]["sales_channel"].lower()
        return Order(
            order_id=order_id,
            seller_id=seller.seller_id,
            marketplace_id=marketplace_id,
            index=index,
            kind="valid",
            defect=None,
            status="Pending",
            channel="MFN",
            is_business=False,
            purchased=moment,
            updated=moment,
            buyer=buyer,
            email=f"{digest}@marketplace.{domain}",
            vat_number=None,
            company=None,
            items=[],
        )

    def _take_stock(self, seller, items):
        """An order takes its quantity off the listing's DEFAULT stock."""
        for item in items:
            listing = seller.listings.get(item.sku)
            if listing is not None:
                listing.take_stock(item.quantity)

    @staticmethod
    def _set_status(order, status):
        """Move an order to ``status`` (a v0 or v2026-01-01 name); Shipped
        ships every item, Unshipped and Pending none."""
        status = STATUS_ALIASES.get(status, status)
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        order.status = status
        order.preorder = order.preorder or status == "PendingAvailability"
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
            order.history.append((format_timestamp(order.updated), order.status))
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
                "net_amounts": order.net_amounts,
                "prime": order.prime,
                "preorder": order.preorder,
                "replaced_order_id": order.replaced_order_id,
                "seller_order_id": order.seller_order_id,
                "purchase_order": order.purchase_order,
                "sparse_address": order.sparse_address,
                "easy_ship": order.easy_ship,
                "items": [
                    {
                        "order_item_id": item.order_item_id,
                        "sku": item.sku,
                        "quantity": item.quantity,
                        "quantity_shipped": item.shipped,
                        "unit_price": str(item.unit_price),
                        "item_price": str(item.price),
                        "tax_rate": str(item.tax_rate),
                        "shipping_price": str(item.shipping_price),
                        "promotion_discount": str(item.promotion_discount),
                        "shipping_discount": str(item.shipping_discount),
                        "gift_wrap": str(item.gift_wrap),
                        "cancel_reason": item.cancel_reason,
                    }
                    for item in order.items
                ],
                "shipments": [dict(shipment) for shipment in order.shipments],
                "shipment_statuses": list(order.shipment_statuses),
                "history": [list(step) for step in order.history],
            }

    # ------------------------------------------------------------------
    # rendering (Orders v0)
    # ------------------------------------------------------------------
    def _money(self, order, amount):
        return {"CurrencyCode": order.currency, "Amount": str(money(amount))}

    def _address(self, order, pii):
        source = order.buyer["shipping_address"]
        sparse = order.sparse_address
        address = {
            "City": source["city"],
            "StateOrRegion": None if sparse else source["city"],
            "PostalCode": source["zip_code"],
            "CountryCode": source["country_iso2"],
        }
        if pii:
            lines = (
                {} if sparse else extra_lines(source, "AddressLine2", "AddressLine3")
            )
            address = {
                "Name": f"{order.buyer['firstname']} {order.buyer['lastname']}",
                "AddressLine1": source["street_1"],
                **lines,
                **address,
                "Phone": None if sparse else order.buyer["phone"],
                "AddressType": "Commercial" if order.is_business else "Residential",
                "CompanyName": delivery_company(order),
            }
        return {key: value for key, value in address.items() if value is not None}

    def _delivery_preferences(self, order):
        """getOrderAddress' DeliveryPreferences of a buyer who gave some."""
        info = order.buyer["shipping_address"].get("additional_info")
        if not info or order.sparse_address:
            return None
        return {"AddressInstructions": info}

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
        if order.purchase_order:
            info["PurchaseOrderNumber"] = order.purchase_order
        return info

    def render_order(self, order, pii=False):
        """getOrders/getOrder's Order, with its defect if malformed."""
        priced = order.status not in UNPRICED
        shipped = sum(item.shipped for item in order.items)
        ordered = sum(item.quantity for item in order.items)
        day = timedelta(days=1)
        data = {
            "AmazonOrderId": order.order_id,
            "SellerOrderId": order.seller_order_id or order.order_id,
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
            "OrderType": "Preorder" if order.preorder else "StandardOrder",
            "EarliestShipDate": format_timestamp(order.purchased),
            "LatestShipDate": format_timestamp(order.purchased + 2 * day),
            "EarliestDeliveryDate": format_timestamp(order.purchased + 3 * day),
            "LatestDeliveryDate": format_timestamp(order.purchased + 5 * day),
            "IsBusinessOrder": order.is_business,
            "IsPrime": order.prime,
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsReplacementOrder": bool(order.replaced_order_id),
            "ReplacedOrderId": order.replaced_order_id,
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
        priced = order.status not in UNPRICED
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
                "IsGift": "true" if item.is_gift else "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
                "IsTransparency": False,
                "SerialNumberRequired": False,
            }
            if priced:
                data.update(self._item_amounts(order, item))
            if item.promotion_id:
                data["PromotionIds"] = [item.promotion_id]
            if item.cancel_reason:
                data["BuyerRequestedCancel"] = {
                    "IsBuyerRequestedCancel": "true",
                    "BuyerCancelReason": item.cancel_reason,
                }
            if pii and priced and item.is_gift:
                data["BuyerInfo"] = self._gift_info(order, item)
            rendered.append(data)
        first = rendered[0]
        if order.defect == "quantity_text":
            first["QuantityOrdered"] = "two"
        elif order.defect == "price_not_number" and "ItemPrice" in first:
            first["ItemPrice"] = {"CurrencyCode": order.currency, "Amount": "12,3O"}
        elif order.defect == "no_seller_sku":
            del first["SellerSKU"]
        return rendered

    def _item_amounts(self, order, item):
        """An OrderItem's money fields: each amount and its tax."""
        charges = item.charges(order.net_amounts)
        fields = {}
        for amount_key, tax_key, charge in (
            ("ItemPrice", "ItemTax", "item"),
            ("ShippingPrice", "ShippingTax", "shipping"),
            ("ShippingDiscount", "ShippingDiscountTax", "shipping_discount"),
            ("PromotionDiscount", "PromotionDiscountTax", "promotion"),
        ):
            fields[amount_key] = self._money(order, charges[charge].amount)
            fields[tax_key] = self._money(order, charges[charge].tax)
        return fields

    def _gift_info(self, order, item):
        """An item's gift wrapping and message (restricted buyer info)."""
        wrap = item.charges(order.net_amounts)["gift_wrap"]
        return {
            "GiftWrapPrice": self._money(order, wrap.amount),
            "GiftWrapTax": self._money(order, wrap.tax),
            "GiftMessageText": item.gift_message,
            "GiftWrapLevel": GIFT_WRAP_LEVEL,
        }

    # ------------------------------------------------------------------
    # routing, authentication, rate limits, errors
    # ------------------------------------------------------------------
    def api(self, method, pattern, operation, handler, params=()):
        """An SP-API route, rate-limited per (operation, seller); a removed
        operation (``check_not_removed``) answers 404 without a usage
        plan."""

        def limited(request, seller):
            self.check_not_removed(operation)
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
        self.api(
            "GET",
            order + "/orderItems/buyerInfo",
            "getOrderItemsBuyerInfo",
            self.get_order_items_buyer_info,
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
            "POST",
            order + "/shipment",
            "updateShipmentStatus",
            self.update_shipment_status,
        )
        self.register_orders_2026_routes()
        self.register_listing_routes()
        self.register_feed_routes()
        self.register_pricing_routes()
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
        # LWA is not an SP-API operation; a removed operation is no more
        if operation != "lwaToken" and not self.is_removed(operation):
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
        names = (
            "CreatedAfter",
            "CreatedBefore",
            "LastUpdatedAfter",
            "LastUpdatedBefore",
        )
        field, after, before = date_window(
            {name: self._date(request, name) for name in names},
            names,
            self.clock.now() - SAFETY_DELAY,
        )
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
            "f": field,
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
        return self._item_pages(request, caller, self.render_items)

    def get_order_items_buyer_info(self, request, caller):
        """getOrderItemsBuyerInfo: each item's gift wrapping and message
        with an RDT (the item id alone without), pages of 100 items."""

        def render(order, pii):
            rendered = []
            for item in order.items:
                data = {"OrderItemId": item.order_item_id}
                if pii and item.is_gift and order.status not in UNPRICED:
                    data.update(self._gift_info(order, item))
                rendered.append(data)
            return rendered

        return self._item_pages(request, caller, render)

    def _item_pages(self, request, caller, render):
        """A page of 100 of an order's items, ``render(order, pii)``
        rendering them, with a NextToken when more follow."""
        start = 0
        token = request.arg("NextToken")
        if token:
            start = decode_token(token).get("o")
            if not isinstance(start, int) or start < 0:
                raise invalid("Invalid NextToken.")
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            items = render(order, caller.is_rdt)
        payload = {"AmazonOrderId": order.order_id, "OrderItems": items[start:][:100]}
        if len(items) > start + 100:
            payload["NextToken"] = encode_token({"o": start + 100})
        return Response.json({"payload": payload})

    def get_order_address(self, request, caller):
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            payload = {"AmazonOrderId": order.order_id}
            if order.status not in UNPRICED:
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
            order.confirmed.append(order.updated)
        return Response.empty()

    def update_shipment_status(self, request, caller):
        """updateShipmentStatus: a pickup status (ReadyForPickup, PickedUp,
        RefusedPickup) recorded on an order of the marketplace; 204."""
        body = request.json_object()
        if not isinstance(body.get("marketplaceId"), str):
            raise invalid("marketplaceId is required.")
        if body.get("shipmentStatus") not in SHIPMENT_STATUSES:
            raise invalid(
                f"shipmentStatus must be one of {', '.join(SHIPMENT_STATUSES)}."
            )
        lines = body.get("orderItems")
        if lines is not None and not isinstance(lines, list):
            raise invalid("orderItems must be a list.")
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            if body["marketplaceId"] != order.marketplace_id:
                raise invalid(
                    f"Order {order.order_id} is not an order of marketplace "
                    f"{body['marketplaceId']}."
                )
            known = {item.order_item_id for item in order.items}
            for line in lines or ():
                if not isinstance(line, dict) or line.get("orderItemId") not in known:
                    raise invalid(f"Invalid order item {line!r}.")
            order.shipment_statuses.append(body["shipmentStatus"])
        return Response.empty()

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
