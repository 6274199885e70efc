"""Competitors' prices on Fnac: pricing_query -> ``mphub.pricing``.

Two XSDs declare a ``pricing_query`` root: this client speaks
PricingQueryService.xsd (rows typed ``professional``, ``not professional``
or ``fnac``; at most ``MAX_REFERENCES`` references per call, ``ERR_105``
beyond), not PricesQueryService.xsd. It asks ``sellers="others"``: the
shop's own offer comes in the product's ``seller_*`` elements, the rows are
the competitors'.

- References: EANs (plain strings) or ``(type, value)`` pairs (Ean, Isbn,
  FnacId, CnetId); each one is answered once, in the order asked. A value
  the XSD would refuse (``[0-9A-Z]`` only) gets its error without being sent.
- Per product: ``error`` elements (``ERR_120`` unknown product) land on its
  ``ProductOffers.error`` and never raise; a product the answer does not
  mention has an error saying so.
- Rows: ``professional`` -> seller type ``professional``, ``not
  professional`` -> ``private``, ``fnac`` -> ``marketplace`` (Fnac's own
  offer, shipped by Fnac); ``evaluation`` is the rating, ``nb_orders`` the
  seller's order count (``rating_count``: Fnac's only figure of how much the
  rating stands on); ``offer_status`` the condition code (11 new...). A row
  without a price cannot be compared and is left out; an empty shipping
  price is 0. Fnac says nothing of a buy box: ``featured`` is False.
- ``best``: Fnac's best prices per condition group (``new``,
  ``refurbished``, ``used``; item price, without shipping), when given.
"""

import re
from decimal import Decimal, InvalidOperation

from ..parsing import MAX_AMOUNT
from ..pricing import CompetitorOffer, ProductOffers
from ..tokens import utc_now
from . import requests
from .answers import whole
from .payload import PRICING_LISTS
from .xmlapi import describe, errors_of, items, text_of

MAX_REFERENCES = 10  # PricingQueryService: ERR_105 beyond
REFERENCE_TYPES = ("Ean", "Isbn", "FnacId", "CnetId")
_REFERENCE = re.compile(r"[0-9A-Z]{1,64}")
SELLER_TYPES = {
    "professional": "professional",
    "not professional": "private",
    "fnac": "marketplace",
}
BEST_GROUPS = ("new", "refurbished", "used")


def money(value):
    """A JSON leaf as a non-negative ``Decimal`` below ``MAX_AMOUNT``, None
    when empty or not such an amount."""
    text = text_of(value)
    if not text or len(text) > 30:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and 0 <= amount < MAX_AMOUNT else None


def normalize(references):
    """``[(type, value)]``, each reference once, in the order given."""
    chosen = []
    for reference in references:
        if isinstance(reference, tuple | list) and len(reference) == 2:
            kind, value = (str(part).strip() for part in reference)
        else:
            kind, value = "Ean", str(reference).strip()
        if (kind, value) not in chosen:
            chosen.append((kind, value))
    return chosen


def _problem(kind, value):
    if kind not in REFERENCE_TYPES:
        return f"{kind!r} is not a reference type of pricing_query"
    if not _REFERENCE.fullmatch(value):
        return f"{value[:40]!r} is not a {kind} Fnac can look up"
    return None


def _row(row):
    """A ``pricing`` row as a ``CompetitorOffer``, None when unusable."""
    seller_type = SELLER_TYPES.get(str(row.get("@type") or "").strip())
    price = money(row.get("price"))
    if seller_type is None or price is None:
        return None
    evaluation = money(row.get("evaluation"))
    return CompetitorOffer(
        seller=text_of(row.get("seller"))
        or ("Fnac" if seller_type == "marketplace" else ""),
        price=price,
        shipping=money(row.get("shipping_price")) or Decimal(0),
        condition=text_of(row.get("offer_status")) or None,
        seller_type=seller_type,
        rating=evaluation,
        rating_count=whole(row.get("nb_orders")),
        fulfilment="marketplace" if seller_type == "marketplace" else None,
        seller_id=text_of(row.get("seller_url")) or None,
    )


def _own(product, shop_id):
    price = money(product.get("seller_price"))
    if price is None:
        return None
    return CompetitorOffer(
        seller=shop_id,
        price=price,
        shipping=money(product.get("seller_shipping")) or Decimal(0),
        condition=text_of(product.get("seller_offer_state")) or None,
        seller_type="professional",
        own=True,
        seller_id=shop_id,
    )


def read_product(product, kind, value, shop_id, now):
    """The ``ProductOffers`` of one ``pricing_product``."""
    errors = errors_of(product)
    offers = tuple(
        offer for offer in map(_row, items(product.get("pricing"))) if offer is not None
    )
    best = {}
    for group in BEST_GROUPS:
        price = money(product.get(f"{group}_price"))
        if price is not None:
            best[group] = price
    return ProductOffers(
        reference=value,
        reference_type=kind,
        marketplace_product_id=value if kind == "FnacId" else None,
        title=text_of(product.get("product_name")) or None,
        own_offer=_own(product, shop_id),
        offers=offers,
        best=best,
        error=describe(errors) if errors else None,
        fetched_at=now,
    )


def _answered(doc):
    """(type, value) -> pricing_product of an answer (first one wins)."""
    products = {}
    for product in items(doc.get("pricing_product")):
        reference = product.get("product_reference")
        kind = "Ean"
        if isinstance(reference, dict):
            kind = str(reference.get("@type") or "Ean").strip()
        products.setdefault((kind, text_of(reference)), product)
    return products


class FnacCompetitorsMixin:
    """``competitor_offers`` of ``FnacClient`` (needs ``_post``, ``shop_id``)."""

    def competitor_offers(self, references):
        """``ProductOffers`` of each reference (EAN or ``(type, value)``),
        ``MAX_REFERENCES`` per pricing_query call."""
        wanted = normalize(references)
        results = {}
        sendable = []
        now = utc_now()
        for kind, value in wanted:
            problem = _problem(kind, value)
            if problem:
                results[kind, value] = ProductOffers(
                    reference=value, reference_type=kind, error=problem, fetched_at=now
                )
            else:
                sendable.append((kind, value))
        for start in range(0, len(sendable), MAX_REFERENCES):
            chunk = sendable[start : start + MAX_REFERENCES]
            doc = self._post(
                "pricing_query", requests.pricing_query(chunk), PRICING_LISTS
            )
            answered = _answered(doc)
            now = utc_now()
            for kind, value in chunk:
                product = answered.get((kind, value))
                if product is None:
                    results[kind, value] = ProductOffers(
                        reference=value,
                        reference_type=kind,
                        error="Fnac's answer does not mention this product",
                        fetched_at=now,
                    )
                else:
                    results[kind, value] = read_product(
                        product, kind, value, self.shop_id, now
                    )
        return [results[reference] for reference in wanted]
