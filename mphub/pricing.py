"""Competitors' offers on a marketplace, as every client reports them.

A client that can read the offers of a product on its marketplace (Fnac's
``pricing_query``...) turns them into ``ProductOffers``: per product asked,
the seller's own offer, the competitors' offers and the marketplace's best
prices per condition. The repricing engine consumes them whatever the
marketplace: amounts are ``Decimal`` (tax included, in ``currency``), the
condition is the marketplace's own code, the seller type one of
``SELLER_TYPES``.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

# who sells: a business, a private person, the marketplace itself
SELLER_TYPES = ("professional", "private", "marketplace")
# who ships: the seller, the marketplace's logistics
FULFILMENTS = ("merchant", "marketplace")


@dataclass(frozen=True)
class CompetitorOffer:
    """One offer of a product: a competitor's, or the seller's own."""

    seller: str  # the seller's name as the marketplace shows it
    price: Decimal  # the item's price, tax included
    shipping: Decimal  # the shipping price the buyer pays, tax included
    condition: str | None  # the marketplace's condition code ("11": new)
    seller_type: str  # one of SELLER_TYPES
    rating: Decimal | None = None  # the seller's rating, on the marketplace's scale
    rating_count: int | None = None  # how many ratings (or orders) it stands on
    fulfilment: str | None = None  # one of FULFILMENTS, None when unsaid
    featured: bool = False  # the offer the marketplace shows first (buy box)
    own: bool = False  # the seller's own offer
    seller_id: str | None = None
    currency: str = "EUR"

    def __post_init__(self):
        if self.seller_type not in SELLER_TYPES:
            raise ValueError(f"unknown seller type {self.seller_type!r}")
        if self.fulfilment is not None and self.fulfilment not in FULFILMENTS:
            raise ValueError(f"unknown fulfilment {self.fulfilment!r}")
        for name in ("price", "shipping"):
            if not isinstance(getattr(self, name), Decimal):
                raise ValueError(f"{name} must be a Decimal")

    @property
    def landed(self):
        """What the buyer pays: the price and the shipping."""
        return self.price + self.shipping


class FeeEstimate(NamedTuple):
    """A marketplace's estimate of its fees for one item sold at ``price``,
    split in what grows with the price (``variable``: a referral fee, a
    percent of the price) and what does not (``fixed``: closing, per-item
    and fulfilment fees), so that the fees can be told at another price:
    ``at(price)``. ``total`` is ``variable + fixed``, as the marketplace
    states it."""

    price: Decimal
    total: Decimal
    variable: Decimal
    fixed: Decimal

    @property
    def rate(self):
        """The variable fees as a fraction of the price (0 at price 0)."""
        return self.variable / self.price if self.price else Decimal(0)

    def at(self, price):
        """The fees at ``price`` by this estimate: its rate of ``price``
        plus its fixed fees (not rounded)."""
        return price * self.rate + self.fixed


@dataclass(frozen=True)
class ProductOffers:
    """The offers of one product asked for (``reference`` of
    ``reference_type``, e.g. an EAN). ``error`` says why the marketplace
    gave nothing for it (an unknown product): such a product has no offers,
    and the others of the call are unaffected."""

    reference: str
    reference_type: str  # "Ean", "Isbn", "FnacId"...
    marketplace_product_id: str | None = None
    title: str | None = None
    own_offer: CompetitorOffer | None = None
    offers: tuple = ()  # CompetitorOffer values, the own offer not among them
    # the marketplace's best price per condition group ("new", "used"...)
    best: dict = field(default_factory=dict)
    error: str | None = None
    fetched_at: datetime | None = None

    @property
    def cheapest(self):
        """The competitors' offer with the lowest landed price, or None."""
        return min(self.offers, key=lambda offer: offer.landed, default=None)
