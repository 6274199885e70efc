"""The offer store of the Mirakl emulator: offers, their OF21 orders, imports.

Plain data structures, no HTTP (``mirakl_offers`` serves them):

- ``Offer``: one offer of a shop; its price is kept in cents, so that sorting
  100,000 offers is cheap;
- ``OfferStore``: the offers of a shop by SKU (a read-only mapping), with each
  OF21 sort order kept sorted as offers come, go and change price: paging
  never sorts the offers again;
- ``OfferImport``: an import (STO01, PRI01, OF01 or OF24), its progress and
  what it did, line by line;
- ``seed_kinds``: which seeded offers get which defect, exactly and
  reproducibly.
"""

import bisect
import random
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .server import parse_timestamp

# how a seeded offer differs from its catalogue product (see seed_kinds)
SEED_KINDS = ("unknown", "ambiguous", "ean_only", "malformed")
# how a malformed offer is spoiled in OF21's answer, taken in turn
OFFER_DEFECTS = ("no_shop_sku", "price_text", "quantity_text")
# OF21 sort fields -> the store's order serving them; the sandbox has no
# shipping rate, so the total price is the price
SORT_ORDERS = {"totalPrice": "price", "price": "price", "productTitle": "title"}
IMPORT_DONE = ("COMPLETE", "FAILED")
CENT = Decimal("0.01")


@dataclass(slots=True, eq=False)
class Offer:
    """One offer of a shop. ``details`` holds the optional fields OF24 and
    OF01 set (``None``: the seeded defaults); ``discount`` the discount of
    PRI01 or OF24 (``{"cents", "start_date", "end_date"}``)."""

    offer_id: int
    sku: str
    product_sku: str
    title: str
    eans: tuple
    cents: int  # price, tax included
    quantity: int
    state_code: str = "11"
    kind: str = "valid"  # "valid", "api" or one of SEED_KINDS
    defect: str | None = None  # one of OFFER_DEFECTS for a malformed offer
    warehouses: dict | None = None  # warehouse code -> quantity (STO01)
    details: dict | None = None
    discount: dict | None = None

    @property
    def price(self):
        return cents_to_decimal(self.cents)

    def discount_on(self, now):
        """The discount price in cents if a discount runs at ``now``."""
        discount = self.discount
        if not discount:
            return None
        start, end = discount.get("start_date"), discount.get("end_date")
        if start and parse_timestamp(start) > now:
            return None
        if end and parse_timestamp(end) < now:
            return None
        return discount["cents"]

    def shown_cents(self, now):
        """The price buyers see at ``now``: the discount price while it
        runs, else the price."""
        discounted = self.discount_on(now)
        return self.cents if discounted is None else discounted

    def set_quantity(self, quantity, warehouse=None):
        """The global quantity, or the quantity of one warehouse (the offer's
        quantity is then the sum of its warehouses)."""
        if not warehouse:
            self.warehouses = None
            self.quantity = quantity
            return
        self.warehouses = dict(self.warehouses or {})
        self.warehouses[warehouse] = quantity
        self.quantity = sum(self.warehouses.values())

    def take(self, quantity):
        """Remove ``quantity`` sold units (never under 0), from the
        warehouses in code order when there are some."""
        if not self.warehouses:
            self.quantity = max(0, self.quantity - quantity)
            return
        for code in sorted(self.warehouses):
            taken = min(quantity, self.warehouses[code])
            self.warehouses[code] -= taken
            quantity -= taken
        self.quantity = sum(self.warehouses.values())


def cents_to_decimal(cents):
    return (Decimal(cents) / 100).quantize(CENT)


def parse_cents(value):
    """Cents of a price given as a number or a text with a dot ("12.5");
    ``None`` when it is not a positive amount with at most 2 decimals."""
    if value is None or isinstance(value, bool):
        return None
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not price.is_finite() or price <= 0 or price != price.quantize(CENT):
        return None
    return int(price * 100)


def parse_quantity(value):
    """A quantity given as a whole number or its digits; ``None`` when it is
    anything else (negative, decimal, text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def price_key(offer):
    return (offer.cents, offer.offer_id)


def title_key(offer):
    return (offer.title, offer.cents, offer.offer_id)


class OfferOrder:
    """The SKUs of a shop's offers in one sort order, kept sorted by bisect
    as offers change; rebuilt by one sort after a bulk change."""

    def __init__(self, key):
        self.key = key
        self.stale = True
        self._keys = []
        self._skus = []

    def forget(self):
        """Rebuild on the next read (after a bulk change)."""
        self.stale = True
        self._keys, self._skus = [], []

    def add(self, offer):
        if self.stale:
            return
        key = self.key(offer)
        at = bisect.bisect_left(self._keys, key)
        self._keys.insert(at, key)
        self._skus.insert(at, offer.sku)

    def discard(self, offer):
        """Remove ``offer`` (call it before its sort key changes)."""
        if self.stale:
            return
        key = self.key(offer)
        at = bisect.bisect_left(self._keys, key)
        if at < len(self._keys) and self._keys[at] == key:
            del self._keys[at]
            del self._skus[at]
        else:  # out of step: start again from the store
            self.forget()

    def skus(self, offers):
        """The SKUs in order (the live list: slice it, do not keep it)."""
        if self.stale:
            pairs = sorted((self.key(offer), offer.sku) for offer in offers)
            self._keys = [key for key, _sku in pairs]
            self._skus = [sku for _key, sku in pairs]
            self.stale = False
        return self._skus


class OfferStore(Mapping):
    """The offers of one shop: SKU -> ``Offer``, in the order they were
    created; OF21's sort orders; the shop's offer imports.

    Change offers through ``put``, ``remove`` and ``set_price`` only, so that
    the sort orders follow.
    """

    def __init__(self):
        self._offers = {}
        self._orders = {"price": OfferOrder(price_key), "title": OfferOrder(title_key)}
        self._bulk = 0
        self.next_offer_id = 2000
        self.imports = {}  # import id -> OfferImport
        self.pending = []  # imports not done yet, in arrival order
        self.import_count = 0

    # -- mapping ---------------------------------------------------------
    def __getitem__(self, sku):
        return self._offers[sku]

    def __iter__(self):
        return iter(self._offers)

    def __len__(self):
        return len(self._offers)

    # -- changes ---------------------------------------------------------
    def new_offer_id(self):
        self.next_offer_id += 1
        return self.next_offer_id

    def put(self, offer):
        """Add ``offer``, or replace the offer of the same SKU."""
        self.remove(offer.sku)
        self._offers[offer.sku] = offer
        if not self._bulk:
            for order in self._orders.values():
                order.add(offer)

    def remove(self, sku):
        """Remove the offer of ``sku``; return it (``None`` if unknown)."""
        offer = self._offers.pop(sku, None)
        if offer is not None and not self._bulk:
            for order in self._orders.values():
                order.discard(offer)
        return offer

    def set_price(self, offer, cents):
        if cents == offer.cents:
            return
        if self._bulk:
            offer.cents = cents
            return
        for order in self._orders.values():
            order.discard(offer)
        offer.cents = cents
        for order in self._orders.values():
            order.add(offer)

    def clear(self):
        self._offers.clear()
        for order in self._orders.values():
            order.forget()

    @contextmanager
    def bulk(self):
        """Many changes at once: the sort orders are rebuilt (one sort each)
        on the next read instead of being kept up to date change by
        change."""
        self._bulk += 1
        try:
            yield self
        finally:
            self._bulk -= 1
            for order in self._orders.values():
                order.forget()

    # -- reading ---------------------------------------------------------
    def ordered(self, sort="totalPrice"):
        """SKUs in the order of an OF21 sort field (ascending; ties by offer
        id), ``KeyError`` for an unknown field."""
        order = self._orders[SORT_ORDERS[sort]]
        return order.skus(self._offers.values())


@dataclass(eq=False)
class OfferImport:
    """One offer import of a shop and its outcome.

    ``rows`` are ``(line number, values)``: the CSV lines after the header
    (numbered from 2, as in the file) or the OF24 offers (from 1).
    ``errors`` are ``(line number, message, values)``.
    """

    import_id: str
    operation: str  # "STO01", "PRI01", "OF01" or "OF24"
    created: object  # datetime
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    mode: str = "NORMAL"  # OF01's import_mode
    status: str = "WAITING"
    reason: str = ""  # why a FAILED import failed
    polls: int = 0
    errors: list = field(default_factory=list)
    lines_ok: int = 0
    inserted: int = 0
    updated: set = field(default_factory=set)  # SKUs changed
    deleted: int = 0

    @property
    def done(self):
        return self.status in IMPORT_DONE

    def fail(self, reason):
        self.status = "FAILED"
        self.reason = reason

    def refuse(self, number, message, values):
        self.errors.append((number, message, values))

    @property
    def skus_in_error(self):
        """The offer SKUs of the lines in error (PRI02's offers_in_error)."""
        return {self._sku_of(values) for _number, _message, values in self.errors}

    def _sku_of(self, values):
        if isinstance(values, dict):  # an OF24 offer
            return values.get("shop_sku")
        for column in ("offer-sku", "sku"):
            if column in self.header:
                at = self.header.index(column)
                return values[at] if at < len(values) else ""
        return None


def seed_kinds(rng, indexes, shares):
    """Which of ``indexes`` get which defect: index -> kind.

    ``shares`` maps each kind of ``SEED_KINDS`` to its share; exactly
    ``round(len(indexes) * share)`` indexes get each kind, drawn by ``rng``
    without overlap. Raises ``ValueError`` when the shares are negative or
    add up to more than the count.
    """
    count = len(indexes)
    wanted = {kind: round(count * float(shares.get(kind) or 0)) for kind in SEED_KINDS}
    if any(n < 0 for n in wanted.values()) or sum(wanted.values()) > count:
        raise ValueError("shares must be positive and add up to 1 at most")
    pool = list(indexes)
    rng.shuffle(pool)
    kinds = {}
    for kind in SEED_KINDS:
        for index in pool[: wanted[kind]]:
            kinds[index] = kind
        pool = pool[wanted[kind] :]
    return kinds


def seed_rng(seed, shop_id, start, count):
    return random.Random(f"mirakl-offers-{seed}-{shop_id}-{start}-{count}")
