"""Competitors' offers on Amazon: Product Pricing v0 -> ``mphub.pricing``.

- References: ASINs (plain strings shaped like one: ten capitals and
  digits starting with "B0", or ``("ASIN", value)``) go through
  getItemOffersBatch, SKUs (any other plain string, or ``("SKU", value)``)
  through getListingOffersBatch, at most ``MAX_BATCH`` (20) a call. Each
  reference is answered once, in the order asked; an unusable one gets its
  error without being sent.
- Per product: the request's own status (an unknown ASIN: 400
  ``InvalidInput``) lands on its ``ProductOffers.error`` and never raises;
  a product the answer does not mention, or whose offers cannot all be read,
  has an error saying so and no offers (a price decided on part of the
  offers could undercut the one left out).
- Offers: ``SellerId`` -> seller and seller id, ``ListingPrice`` -> price,
  ``Shipping`` -> shipping, the result's ``ItemCondition`` -> condition,
  seller type ``professional`` (Amazon has business sellers only),
  ``SellerFeedbackRating`` -> rating (positive feedback, percent) and
  rating count, ``IsFulfilledByAmazon`` -> fulfilment ``marketplace`` (else
  ``merchant``), ``IsBuyBoxWinner`` -> featured, ``MyOffer`` (or the
  account's seller id) -> own.
- ``best``: the lowest landed price per condition of ``Summary.LowestPrices``
  (lowercase conditions, e.g. ``new``).
"""

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from sp_api.api.products.products_v0 import ProductsV0

from ..parsing import MAX_AMOUNT
from ..pricing import CompetitorOffer, ProductOffers
from ..tokens import utc_now

MAX_BATCH = 20
CENT = Decimal("0.01")
CONDITIONS = ("New", "Used", "Collectible", "Refurbished", "Club")
_ASIN = re.compile(r"B0[0-9A-Z]{8}")
_SKU_MAX = 40


def split_references(references):
    """``(kind, value, error)`` per reference: kind "ASIN" or "SKU"."""
    found = []
    for reference in references:
        if isinstance(reference, tuple | list) and len(reference) == 2:
            kind, value = str(reference[0]).upper(), reference[1]
        else:
            value = reference
            kind = (
                "ASIN" if isinstance(value, str) and _ASIN.fullmatch(value) else "SKU"
            )
        value = value.strip() if isinstance(value, str) else value
        error = None
        if kind not in ("ASIN", "SKU"):
            error = f"unknown reference type {kind!r} (ASIN or SKU)"
        elif not isinstance(value, str) or not value:
            error = "empty reference"
        elif kind == "ASIN" and not re.fullmatch(r"[0-9A-Z]{10}", value):
            error = f"{value!r} is not an ASIN"
        elif kind == "SKU" and (len(value) > _SKU_MAX or not value.isprintable()):
            error = f"{value[:50]!r} is not a seller SKU"
        found.append((kind, value, error))
    return found


def money(node):
    """A ``MoneyType``'s amount as a non-negative ``Decimal`` in cents
    below ``MAX_AMOUNT``, None when absent or not such an amount."""
    amount = node.get("Amount") if isinstance(node, dict) else None
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 <= value < MAX_AMOUNT:
        return None
    # JSON numbers lose their trailing zeros (12.5 is 12.50); an amount
    # finer than the cent is no price
    cents = value.quantize(CENT)
    return cents if cents == value else None


def _currency(node, default):
    code = node.get("CurrencyCode") if isinstance(node, dict) else None
    return (
        code if isinstance(code, str) and re.fullmatch(r"[A-Z]{3}", code) else default
    )


def read_offer(raw, condition, own_seller_id, currency):
    """One ``OfferDetail`` as a ``CompetitorOffer``; ``ValueError`` with the
    reason when it cannot be read."""
    if not isinstance(raw, dict):
        raise ValueError("an offer is not an object")
    price, shipping = money(raw.get("ListingPrice")), money(raw.get("Shipping"))
    if price is None:
        raise ValueError("ListingPrice.Amount is missing or not an amount")
    if shipping is None:
        raise ValueError("Shipping.Amount is missing or not an amount")
    seller_id = raw.get("SellerId")
    seller_id = seller_id.strip() if isinstance(seller_id, str) else ""
    feedback = raw.get("SellerFeedbackRating")
    rating = count = None
    if isinstance(feedback, dict):
        score = feedback.get("SellerPositiveFeedbackRating")
        if isinstance(score, int | float) and not isinstance(score, bool):
            if 0 <= score <= 100:
                rating = Decimal(str(score))
        number = feedback.get("FeedbackCount")
        if isinstance(number, int) and not isinstance(number, bool) and number >= 0:
            count = number
    fba = raw.get("IsFulfilledByAmazon")
    if not isinstance(fba, bool):
        raise ValueError("IsFulfilledByAmazon is missing or not a boolean")
    mine = raw.get("MyOffer") is True or bool(seller_id and seller_id == own_seller_id)
    return CompetitorOffer(
        seller=seller_id or "(unnamed seller)",
        price=price,
        shipping=shipping,
        condition=condition,
        seller_type="professional",
        rating=rating,
        rating_count=count,
        fulfilment="marketplace" if fba else "merchant",
        featured=raw.get("IsBuyBoxWinner") is True,
        own=mine,
        seller_id=seller_id or None,
        currency=_currency(raw.get("ListingPrice"), currency),
    )


def _best(summary):
    best = {}
    lowest = summary.get("LowestPrices") if isinstance(summary, dict) else None
    for entry in lowest if isinstance(lowest, list) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("condition"), str):
            continue
        landed = money(entry.get("LandedPrice"))
        if landed is None:
            price, ship = money(entry.get("ListingPrice")), money(entry.get("Shipping"))
            landed = price + ship if price is not None and ship is not None else None
        key = entry["condition"].lower()
        if landed is not None and (key not in best or landed < best[key]):
            best[key] = landed
    return best


def read_result(entry, kind, value, own_seller_id, currency="EUR", now=None):
    """One ``ItemOffersResponse`` / ``ListingOffersResponse`` of a batch as
    the ``ProductOffers`` of ``(kind, value)``; never raises."""
    now = now or utc_now()
    empty = {"reference": value, "reference_type": kind, "fetched_at": now}
    if not isinstance(entry, dict):
        return ProductOffers(**empty, error="unreadable answer for this product")
    body = entry.get("body") if isinstance(entry.get("body"), dict) else {}
    status = entry.get("status") if isinstance(entry.get("status"), dict) else {}
    code = status.get("statusCode")
    payload = body.get("payload")
    if (isinstance(code, int) and code != 200) or not isinstance(payload, dict):
        return ProductOffers(**empty, error=_error_text(code, body))
    return read_payload(payload, kind, value, own_seller_id, currency, now)


def read_payload(payload, kind, value, own_seller_id, currency="EUR", now=None):
    """A ``GetOffersResult`` as the ``ProductOffers`` of ``(kind, value)``;
    never raises."""
    now = now or utc_now()
    asin = payload.get("ASIN") if isinstance(payload, dict) else None
    if asin is None and isinstance(payload, dict):
        identifier = payload.get("Identifier")
        asin = identifier.get("ASIN") if isinstance(identifier, dict) else None
    head = {
        "reference": value,
        "reference_type": kind,
        "marketplace_product_id": asin if isinstance(asin, str) else None,
        "fetched_at": now,
    }
    if not isinstance(payload, dict):
        return ProductOffers(**head, error="unreadable answer for this product")
    condition = payload.get("ItemCondition")
    if condition not in CONDITIONS:
        condition = None
    raws = payload.get("Offers")
    if not isinstance(raws, list):
        return ProductOffers(**head, error="Offers is missing or not a list")
    offers, problems = [], []
    for number, raw in enumerate(raws):
        try:
            offers.append(read_offer(raw, condition, own_seller_id, currency))
        except ValueError as err:
            problems.append(f"Offers[{number}]: {err}")
    if problems:
        return ProductOffers(**head, error="; ".join(problems)[:1000])
    own = next((offer for offer in offers if offer.own), None)
    return ProductOffers(
        **head,
        own_offer=own,
        offers=tuple(offer for offer in offers if not offer.own),
        best=_best(payload.get("Summary")),
    )


def _error_text(code, body):
    errors = body.get("errors") if isinstance(body, dict) else None
    errors = errors if isinstance(errors, list) else []
    parts = [
        f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict)
    ]
    text = "; ".join(str(part) for part in parts) or "no offers in the answer"
    return (f"HTTP {code}: {text}" if isinstance(code, int) else text)[:1000]


def _batch_request(kind, value, marketplace_id, condition):
    path = "items" if kind == "ASIN" else "listings"
    return {
        "uri": f"/products/pricing/v0/{path}/{quote(value, safe='')}/offers",
        "method": "GET",
        "MarketplaceId": marketplace_id,
        "ItemCondition": condition,
        "CustomerType": "Consumer",
    }


def competitor_offers(client, references, condition="New", marketplace_id=None):
    """``AmazonClient.competitor_offers``: the ``ProductOffers`` of each
    reference, in the order asked."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown item condition {condition!r}")
    marketplace_id = marketplace_id or client.marketplace_ids[0]
    now = utc_now()
    found = split_references(references)
    results = [None] * len(found)
    for kind in ("ASIN", "SKU"):
        todo = [
            (number, value)
            for number, (k, value, error) in enumerate(found)
            if k == kind and not error
        ]
        for start in range(0, len(todo), MAX_BATCH):
            chunk = todo[start : start + MAX_BATCH]
            answers = _call_batch(client, kind, chunk, marketplace_id, condition)
            for position, (number, value) in enumerate(chunk):
                entry = answers[position] if position < len(answers) else None
                results[number] = read_result(
                    entry, kind, value, client.seller_id, client.currency, now
                )
    for number, (kind, value, error) in enumerate(found):
        if error:
            results[number] = ProductOffers(
                reference=str(value), reference_type=kind, error=error, fetched_at=now
            )
    return results


def _call_batch(client, kind, chunk, marketplace_id, condition):
    api = client.api(ProductsV0)
    requests_ = [_batch_request(kind, v, marketplace_id, condition) for _, v in chunk]
    if kind == "ASIN":
        operation, function = "getItemOffersBatch", api.get_item_offers_batch
    else:
        operation, function = "getListingOffersBatch", api.get_listing_offers_batch
    response = client.call(operation, function, requests_)
    payload = response.payload if response is not None else None
    answers = payload.get("responses") if isinstance(payload, dict) else None
    if not isinstance(answers, list):
        return []
    return _in_request_order(answers, chunk, kind)


def _in_request_order(answers, chunk, kind):
    """The answers matched to the chunk by their ``request`` echo (Amazon
    keeps the order; an echo that names another product is not trusted)."""
    key = "Asin" if kind == "ASIN" else "SellerSKU"
    by_value = {}
    for answer in answers:
        request = answer.get("request") if isinstance(answer, dict) else None
        name = request.get(key) if isinstance(request, dict) else None
        if isinstance(name, str):
            by_value.setdefault(name, answer)
    if by_value:
        return [by_value.get(value) for _, value in chunk]
    return answers
