"""Competitors' offers on a Mirakl operator: P11 -> ``mphub.pricing``.

P11 (``GET /api/products/offers``) lists, per product, the offers of every
shop of the operator, the caller's own included.

- References: EANs (plain strings) or ``(type, value)`` pairs; the type
  ``SKU`` (or ``product_sku``) is the operator's product SKU, sent in
  ``product_ids``; any other (``EAN``, ``UPC``, ``ISBN``...) goes to
  ``product_references`` as ``TYPE|value``. At most ``MAX_REFERENCES`` (the
  documented 100) per call. Each reference is answered once, in the order
  asked; a value holding ``,`` or ``|`` (it would break the list) gets its
  error without being sent; a product the answer leaves out gets an error
  saying the operator does not know it. Neither raises.
- Paging: P11 pages the offers of each product (``max``, ``offset``,
  ``total_count`` per product); the client asks 100 at a time and asks
  again, from the next offset, for the products that have more.
- Offers: ``price`` is the offer's price (the applicable one: the channel's
  when the operator has channel prices), ``shipping`` the cheapest shipping
  rate (``min_shipping_price``), ``condition`` the ``state_code``; seller
  type ``professional`` unless ``is_professional`` is false (``private``);
  ``rating`` the ``shop_grade`` (1-5; 0, a shop without evaluations, is
  None), ``rating_count`` ``nb_evaluation``. P11 does not say who ships:
  ``fulfilment`` is None. ``featured`` is the first offer as the operator
  sorts (``bestPrice``: total price, premium shops, shop grade), computed
  again by the client rather than trusted to the answer's order. The own
  offer is the one of the caller's shop (``shop_id``; by name, from A01,
  when an answer leaves ``shop_id`` null). An offer whose price cannot be
  read is left out (it cannot be compared); a product whose record is not
  usable gets its error.
- ``best``: Mirakl gives no best price per condition: it is left empty.
"""

from decimal import Decimal

from ..errors import TransientError
from ..parsing import Reader
from ..pricing import CompetitorOffer, ProductOffers
from ..tokens import utc_now

MAX_REFERENCES = 100  # P11: product_ids and product_references, 100 values
PAGE_SIZE = 100  # offers per product and call
MAX_OFFERS = 10_000  # more offers for one product is a server repeating pages
SKU_TYPES = ("SKU", "PRODUCT_SKU")
MAX_GRADE = Decimal(5)


def normalize(references):
    """``[(type, value)]``, each reference once, in the order given; types
    upper case (``EAN``), ``SKU`` for the operator's product SKU."""
    chosen = []
    for reference in references:
        if isinstance(reference, tuple | list) and len(reference) == 2:
            kind, value = (str(part).strip() for part in reference)
        else:
            kind, value = "EAN", str(reference).strip()
        kind = "SKU" if kind.upper() in SKU_TYPES else kind.upper()
        if (kind, value) not in chosen:
            chosen.append((kind, value))
    return chosen


def _problem(kind, value):
    for text in (kind, value):
        if not text or "," in text or "|" in text or not text.isprintable():
            return f"{text[:40]!r} cannot be asked to P11"
    return None


def query_params(references):
    """P11's ``product_ids`` and ``product_references`` for references
    already normalized and checked."""
    ids = [value for kind, value in references if kind == "SKU"]
    others = [f"{kind}|{value}" for kind, value in references if kind != "SKU"]
    params = {}
    if ids:
        params["product_ids"] = ",".join(ids)
    if others:
        params["product_references"] = ",".join(others)
    return params


def read_offer(raw, own_id, own_name):
    """A P11 offer as a ``CompetitorOffer`` (its premium flag aside), or
    None when its price or shop cannot be read."""
    reader = Reader()
    price = reader.amount(raw, "price", "offer", required=True)
    shop_id = reader.identifier(raw, "shop_id", "offer", required=False, numbers=True)
    name = reader.text(raw, "shop_name", "offer", max_length=200)
    if reader.errors or not (shop_id or name):
        return None
    extra = Reader()  # what may be wrong without losing the offer
    shipping = extra.amount(raw, "min_shipping_price", "offer", default=Decimal(0))
    grade = extra.amount(raw, "shop_grade", "offer", maximum=MAX_GRADE)
    count = extra.count(raw, "nb_evaluation", "offer")
    professional = extra.bool(raw, "is_professional", "offer", default=True)
    condition = extra.identifier(raw, "state_code", "offer", required=False)
    currency = extra.currency(raw, "currency_iso_code", "offer", required=False)
    if shop_id is not None and own_id is not None:
        own = shop_id == own_id
    else:
        own = own_name is not None and name == own_name
    return CompetitorOffer(
        seller=name or shop_id,
        price=price,
        shipping=shipping,
        condition=condition,
        seller_type="private" if professional is False else "professional",
        rating=grade or None,
        rating_count=count,
        own=own,
        seller_id=shop_id,
        currency=currency or "EUR",
    )


def _sort_key(entry):
    offer, premium, grade = entry
    return (offer.landed, not premium, -grade)


def read_product_offers(raws, own_id, own_name):
    """The ``CompetitorOffer`` values of a product's P11 offers, the
    operator's first (``featured``) flagged."""
    entries = []
    for raw in raws:
        offer = read_offer(raw, own_id, own_name) if isinstance(raw, dict) else None
        if offer is not None:
            premium = raw.get("premium") is True
            entries.append((offer, premium, offer.rating or Decimal(0)))
    if not entries:
        return []
    best = min(range(len(entries)), key=lambda i: _sort_key(entries[i]))
    offers = [entry[0] for entry in entries]
    offers[best] = _featured(offers[best])
    return offers


def _featured(offer):
    values = {name: getattr(offer, name) for name in offer.__dataclass_fields__}
    return CompetitorOffer(**{**values, "featured": True})


def product_key(product):
    """The references a P11 product answers to: ``("SKU", product_sku)``
    and ``(TYPE, reference)`` for each of its ``product_references``."""
    reader = Reader()
    keys = []
    sku = reader.identifier(product, "product_sku", "product", required=False)
    if sku:
        keys.append(("SKU", sku))
    for entry in reader.list(product, "product_references", "product", required=False):
        kind = reader.identifier(entry, "reference_type", "reference", required=False)
        value = reader.identifier(entry, "reference", "reference", required=False)
        if kind and value:
            keys.append((kind.upper(), value))
    return keys


def read_products(body):
    """The product records of a P11 answer; a wrong shape is a
    ``TransientError``."""
    products = body.get("products") if isinstance(body, dict) else None
    if not isinstance(products, list):
        raise TransientError("P11: the answer has no product list")
    return [product for product in products if isinstance(product, dict)]


class Gathered:
    """What P11 said so far of one product asked for."""

    def __init__(self):
        self.product = None  # the first record answering it
        self.raws = []  # its offers, page after page
        self.total = None

    def add(self, product):
        if self.product is None:
            self.product = product
        reader = Reader()
        self.raws += reader.list(product, "offers", "product", required=False)
        self.total = reader.count(product, "total_count", "product")

    def more(self, offset):
        """Whether the product has offers from ``offset`` on."""
        return self.total is not None and offset < self.total


def build(reference, gathered, own_id, own_name, now):
    """The ``ProductOffers`` of one reference from what P11 said of it."""
    kind, value = reference
    if gathered is None or gathered.product is None:
        return ProductOffers(
            reference=value,
            reference_type=kind,
            error=f"P11: the operator does not know the product {kind} {value}",
            fetched_at=now,
        )
    product = gathered.product
    reader = Reader()
    offers = read_product_offers(gathered.raws, own_id, own_name)
    own = next((offer for offer in offers if offer.own), None)
    return ProductOffers(
        reference=value,
        reference_type=kind,
        marketplace_product_id=reader.identifier(
            product, "product_sku", "product", required=False
        ),
        title=reader.text(product, "product_title", "product", max_length=500),
        own_offer=own,
        offers=tuple(offer for offer in offers if not offer.own),
        fetched_at=now,
    )


class MiraklCompetitorsMixin:
    """``competitor_offers`` of ``MiraklClient`` (P11)."""

    def competitor_offers(self, references):
        now = utc_now()
        wanted = normalize(references)
        results = {}
        valid = []
        for kind, value in wanted:
            problem = _problem(kind, value)
            if problem:
                results[(kind, value)] = ProductOffers(
                    reference=value, reference_type=kind, error=problem, fetched_at=now
                )
            else:
                valid.append((kind, value))
        gathered = {}
        for start in range(0, len(valid), MAX_REFERENCES):
            chunk = valid[start : start + MAX_REFERENCES]
            gathered.update(self._gather(chunk))
        own_id, own_name = self._own_shop(gathered)
        for reference in valid:
            results[reference] = build(
                reference, gathered.get(reference), own_id, own_name, now
            )
        return [results[reference] for reference in wanted]

    def _gather(self, chunk):
        """reference -> ``Gathered``, walking each product's offer pages."""
        gathered = {reference: Gathered() for reference in chunk}
        asking, offset = list(chunk), 0
        while asking:
            body = self.transport.json(
                "GET",
                "/api/products/offers",
                operation="P11",
                params=self._params(
                    **query_params(asking), max=PAGE_SIZE, offset=offset
                ),
            )
            answered = set()
            for product in read_products(body):
                key = next((k for k in product_key(product) if k in asking), None)
                if key is not None and key not in answered:
                    answered.add(key)
                    gathered[key].add(product)
            offset += PAGE_SIZE
            asking = [
                reference
                for reference in asking
                if reference in answered
                and gathered[reference].more(offset)
                and offset < MAX_OFFERS
            ]
        return gathered

    def _own_shop(self, gathered):
        """(shop id, shop name) of the caller: the configured ``shop_id``;
        A01 is asked only when it is unknown, or an offer has no shop id."""
        own_id = str(self.shop_id) if self.shop_id else None
        raws = [raw for item in gathered.values() for raw in item.raws]
        nameless = any(isinstance(r, dict) and r.get("shop_id") is None for r in raws)
        if not raws or (own_id is not None and not nameless):
            return own_id, None
        account = self.test_connection()
        if own_id is None and account.get("id") is not None:
            own_id = str(account["id"])
        return own_id, account.get("name")
