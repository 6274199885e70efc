"""The offer side of the core: listings, stock and price policies, diffs.

Pure functions over plain values, so that the export engine of the addons
computes and diffs a whole catalogue with no ORM in the loop:

- ``Listing``: an offer as a marketplace reports it (listing import, drift);
- ``StockPolicy`` and ``sellable_quantity``: the quantity an offer shows;
- ``round_price``: the price rules of an account;
- ``diff_offers``: which offers must be pushed, against the last push;
- ``StockRow``, ``PriceRow``, ``PushStatus``: what clients push and report.
"""

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Listing:
    """An offer of the seller on a marketplace, as the marketplace sees it."""

    sku: str  # the seller's SKU of the offer
    eans: tuple = ()  # EANs (or GTINs) the marketplace relates to the offer
    marketplace_product_id: str | None = None  # Mirakl product SKU, ASIN...
    external_id: str | None = None  # the marketplace's offer id
    quantity: int | None = None
    price: Decimal | None = None  # the price shown to buyers, tax included
    currency: str | None = None
    condition: str | None = None  # marketplace condition code (Mirakl "11")
    active: bool = True
    title: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    # why the record could not be read entirely: set on the partial listing
    # a client makes of an unreadable record (``listing_parts``)
    problem: str | None = None


@dataclass(frozen=True)
class ListingPage:
    """One page of listings. A record the client cannot read (no SKU, a
    quantity or price that is not a number) does not stop the page: it is in
    ``invalid`` as ``(raw record, reason)``, for the caller to report."""

    listings: list  # Listing records
    next_page: str | None  # opaque token, None at the end
    total: int | None = None
    invalid: list = field(default_factory=list)  # (raw record, reason) pairs


def plain(value, max_length=200):
    """``value`` as a short one-line text, None when it is not a plain
    string or number (what an unreadable record holds may be anything)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = " ".join(str(value).split())
    return text[:max_length] or None


def first_plain(records, keys, max_length=200):
    """The first plain value (see ``plain``) of ``keys`` in ``records``
    (dicts), tried record by record, key by key; None when none is."""
    for record in records:
        for key in keys:
            value = plain(record.get(key), max_length)
            if value:
                return value
    return None


@dataclass(frozen=True)
class StockRow:
    sku: str
    quantity: int


@dataclass(frozen=True)
class PriceRow:
    sku: str
    price: Decimal  # tax included, in the account's currency


@dataclass(frozen=True)
class OfferRow:
    """The quantity and/or the price of one offer, for marketplaces that take
    both in one message (``MarketplaceClient.pushes_both``); None: unchanged."""

    sku: str
    quantity: int | None = None
    price: Decimal | None = None
    # the product's EAN, for marketplaces whose offer messages name it
    # (Cdiscount's StockAndPrice packages); filled from the barcode
    ean: str | None = None


@dataclass(frozen=True)
class PushStatus:
    """Where a pushed stock or price batch stands on the marketplace."""

    done: bool  # the marketplace finished with the batch (well or not)
    failed: bool = False  # the whole batch was rejected
    message: str | None = None  # the marketplace's status or reason
    errors: dict = field(default_factory=dict)  # SKU -> error text
    lines_read: int | None = None
    lines_in_error: int | None = None


@dataclass(frozen=True)
class StockPolicy:
    """How an account turns free stock into the quantity it shows.

    ``buffer`` units are held back, ``percent`` of the rest is offered,
    capped at ``maximum`` (0: no cap), and anything under ``threshold`` is
    shown as 0 (so the last units are not sold twice).
    """

    buffer: int = 0
    percent: Decimal = Decimal(100)
    maximum: int = 0
    threshold: int = 0


def sellable_quantity(free, policy, fixed=None, excluded=False, sellable=True):
    """Quantity to show for an offer.

    ``free`` is the free quantity (on hand minus reserved) of the product in
    the account's warehouses; ``fixed`` a per-offer fixed quantity that
    replaces the policy; ``excluded`` or not ``sellable`` (archived product,
    not for sale) gives 0.
    """
    if excluded or not sellable:
        return 0
    if fixed is not None and fixed is not False:
        return max(0, int(fixed))
    quantity = Decimal(free or 0) - policy.buffer
    if quantity <= 0:
        return 0
    quantity = (quantity * Decimal(policy.percent) / 100).to_integral_value(
        rounding=ROUND_FLOOR
    )
    quantity = int(quantity)
    if policy.maximum and quantity > policy.maximum:
        quantity = policy.maximum
    if quantity < policy.threshold:
        return 0
    return max(0, quantity)


ROUNDING_RULES = ("none", "cent", "x.99", "x.90", "x.x9", "integer")


def round_price(price, rule="cent", floor=None):
    """Round a price by the account's rule, never under ``floor``.

    - ``cent``: to the cent;
    - ``x.99`` / ``x.90``: up to the next price ending in .99 / .90;
    - ``x.x9``: up to the next price ending in 9 cents;
    - ``integer``: to the nearest unit.

    Returns a ``Decimal`` with two decimals, or None when ``price`` is None.
    """
    if price is None:
        return None
    value = Decimal(str(price))
    if rule in ("none", "cent", None, False):
        value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    elif rule in ("x.99", "x.90"):
        ending = Decimal(rule[1:])
        units = (value - ending).to_integral_value(rounding=ROUND_CEILING)
        value = (units + ending).quantize(CENT)
    elif rule == "x.x9":
        tenths = ((value - Decimal("0.09")) * 10).to_integral_value(
            rounding=ROUND_CEILING
        )
        value = (tenths / 10 + Decimal("0.09")).quantize(CENT)
    elif rule == "integer":
        value = value.to_integral_value(rounding=ROUND_HALF_UP).quantize(CENT)
    else:
        raise ValueError(f"unknown rounding rule {rule!r}")
    if floor is not None and floor is not False:
        floor = Decimal(str(floor)).quantize(CENT, rounding=ROUND_CEILING)
        if value < floor:
            value = floor
    return value


def diff_offers(computed, last, force=False):
    """What to push for each offer.

    ``computed`` maps an offer key to ``(quantity, price)`` (either may be
    None: not exported); ``last`` maps it to the ``(quantity, price)`` last
    pushed and not rejected (None when unknown). Returns two dicts, key ->
    new quantity and key -> new price, holding only what differs (or all of
    ``computed`` when ``force``).
    """
    stock, prices = {}, {}
    for key, (quantity, price) in computed.items():
        last_quantity, last_price = last.get(key) or (None, None)
        if quantity is not None and (force or quantity != last_quantity):
            stock[key] = quantity
        if price is not None:
            if last_price is not None and not isinstance(last_price, Decimal):
                last_price = Decimal(str(last_price)).quantize(CENT)
            if force or price != last_price:
                prices[key] = price
    return stock, prices
