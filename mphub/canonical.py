"""Canonical records: what every marketplace client maps its payloads to.

They are plain frozen dataclasses holding ``Decimal`` amounts and timezone-aware
``datetime`` values, so that the addons never see a marketplace's own shapes.
``to_dict`` gives a JSON-ready view (amounts as strings) for storage and
display.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


class OrderStatus:
    """Marketplace-independent order status.

    Each client maps its own state codes to one of these values.
    """

    PENDING = "pending"  # not actionable yet (fraud check, payment pending)
    WAITING_ACCEPTANCE = "waiting_acceptance"  # the seller must accept/refuse
    ACCEPTED = "accepted"  # accepted, waiting for the customer's payment
    TO_SHIP = "to_ship"  # paid, ready to ship
    SHIPPED = "shipped"
    DELIVERED = "delivered"  # received by the customer or closed
    REFUSED = "refused"  # refused by the seller or timed out
    CANCELLED = "cancelled"

    ALL = (
        PENDING,
        WAITING_ACCEPTANCE,
        ACCEPTED,
        TO_SHIP,
        SHIPPED,
        DELIVERED,
        REFUSED,
        CANCELLED,
    )
    # statuses after which the order will not be shipped
    DEAD = (REFUSED, CANCELLED)
    # statuses in which the seller has nothing more to ship
    SHIPPED_OR_LATER = (SHIPPED, DELIVERED)


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    city: str
    country_code: str  # ISO 3166-1 alpha-2
    street2: str | None = None
    zip: str | None = None
    state: str | None = None
    company: str | None = None
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    # what the buyer added for the carrier: door code, floor, instructions
    # (not part of the fingerprint: the same address with other
    # instructions is the same contact)
    additional_info: str | None = None
    address_type: str | None = None  # "residential" or "commercial", if known

    def fingerprint(self):
        """Stable digest of the address, used to reuse address partners."""
        parts = [
            self.name,
            self.company,
            self.street,
            self.street2,
            self.zip,
            self.city,
            self.state,
            self.country_code,
            self.phone,
        ]
        normalized = "|".join(" ".join((p or "").lower().split()) for p in parts)
        return hashlib.sha1(normalized.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Customer:
    name: str
    shipping_address: Address
    billing_address: Address | None = None
    external_id: str | None = None
    email: str | None = None
    vat: str | None = None
    company: str | None = None
    lang: str | None = None  # e.g. "fr_FR"


@dataclass(frozen=True)
class Tax:
    """A tax the marketplace charged: its amount, and its rate (percent) or
    code when the marketplace states them (None otherwise: the rate is then
    chosen by the connector from the seller's taxes, see ``mphub.taxes``)."""

    rate: Decimal | None  # percent, e.g. Decimal("20"), None when not stated
    amount: Decimal
    code: str | None = None


@dataclass(frozen=True)
class OrderLine:
    external_id: str
    sku: str
    quantity: int
    unit_price: Decimal  # tax included or not, per Order.tax_included
    title: str = ""
    ean: str | None = None
    marketplace_product_id: str | None = None
    total: Decimal | None = None  # unit price x quantity, as the marketplace says
    taxes: tuple[Tax, ...] = ()
    shipping_price: Decimal = Decimal(0)
    shipping_taxes: tuple[Tax, ...] = ()
    commission: Decimal | None = None  # fee charged to the seller, tax included
    # promotions granted on the line (positive, taxed like the line and
    # included or not per Order.tax_included); shown as discount lines
    discount: Decimal = Decimal(0)
    discount_taxes: tuple[Tax, ...] = ()
    # gift wrapping the customer paid for, per Order.tax_included
    gift_wrap: Decimal = Decimal(0)
    gift_wrap_taxes: tuple[Tax, ...] = ()
    gift_message: str | None = None
    status: str | None = None  # marketplace line state, verbatim
    active: bool = True  # False once refused or cancelled on the marketplace

    @property
    def tax_rate(self):
        """The VAT rate the marketplace states for the line (percent), 0
        when it gives no tax, None when its taxes come without a rate."""
        return _stated_rate(self.taxes)

    @property
    def shipping_tax_rate(self):
        return _stated_rate(self.shipping_taxes)

    @property
    def gift_wrap_tax_rate(self):
        return _stated_rate(self.gift_wrap_taxes)


@dataclass(frozen=True)
class Order:
    external_id: str
    status: str  # one of OrderStatus
    marketplace_status: str  # the marketplace's own code, verbatim
    created_at: datetime
    updated_at: datetime
    currency: str
    customer: Customer
    lines: tuple[OrderLine, ...]
    tax_included: bool = True
    reference: str | None = None  # commercial / customer-facing reference
    total: Decimal | None = None  # what the customer pays, shipping included
    shipping_total: Decimal = Decimal(0)
    commission_total: Decimal | None = None
    channel: str | None = None
    shipping_method: str | None = None
    shipping_deadline: datetime | None = None
    fulfilled_by_marketplace: bool = False
    extra: dict = field(default_factory=dict)
    # the buyer's delivery instructions given with the order rather than
    # with the address (drop-off location, building instructions)
    delivery_instructions: str | None = None

    def skus(self):
        return sorted({line.sku for line in self.lines})

    def to_dict(self):
        return _jsonable(dataclasses.asdict(self))


def _stated_rate(taxes):
    if not taxes:
        return Decimal(0)
    if any(t.rate is None for t in taxes):
        return None
    return sum((t.rate for t in taxes), Decimal(0))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def payload_hash(payload):
    """Digest of a raw payload, independent of key order."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
