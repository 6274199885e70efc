"""Amazon's fee estimates (Product Fees v0) and competitive summary.

``fee_estimates(items)``: items ``(sku, price, currency,
fulfilled_by_amazon)``; getMyFeesEstimates (python-amazon-sp-api's
``ProductFees``) in chunks of ``MAX_ESTIMATES`` (20), ``IdType`` SellerSKU,
on the account's first marketplace. The answer per item, in order: a
``FeeEstimate`` (the ``TotalFeesEstimate``, split by the ``FeeDetailList``
in the referral fee, a percent of the price, and the fixed fees: closing,
per-item and FBA fees), or a ``RemoteError`` carrying
Amazon's reason (an unknown SKU, a price Amazon refuses) that the caller
keeps on that item; a call's own failure raises (``ThrottledError`` with
the retry delay on 429).

``competitive_summary(asins)``: getCompetitiveSummary (Product Pricing
2022-05-01, python-amazon-sp-api's ``ProductsV20220501``) in chunks of
``MAX_SUMMARIES`` (20) on the account's first marketplace, asking the
featured buying options, the lowest priced new offers and the reference
prices. One ``ProductOffers`` per ASIN, in the order asked (an ASIN asked
twice is answered twice): the offers are the lowest priced ones and the
featured ones (``featured`` set on the offer Amazon features for some of
its customers), merged per seller, fulfilment and condition; the seller's
own offer (its seller id) is ``own_offer``; ``best`` the lowest landed new
price (``"new"``); a shipping price Amazon does not state is 0 (FBA ships
free); ratings are not in this API (``None``). An ASIN's own error (an
unknown ASIN: 400 ``InvalidInput``) or an unreadable offer lands on its
``error``; the call's own failure raises (``ThrottledError`` on 429: the
plan is one call every 30 seconds).
"""

from decimal import Decimal

from sp_api.api import ProductFees, ProductsV20220501

from ..errors import RemoteError
from ..pricing import CompetitorOffer, FeeEstimate, ProductOffers
from ..tokens import utc_now
from .pricing import money, split_references

MAX_ESTIMATES = 20
MAX_SUMMARIES = 20
SUMMARY_URI = "/products/pricing/2022-05-01/items/competitiveSummary"
SUMMARY_DATA = ["featuredBuyingOptions", "lowestPricedOffers", "referencePrices"]
CONDITIONS_2022 = ("New", "Used", "Collectible", "Refurbished", "Club")


def _request(item, marketplace_id):
    sku, price, currency, fba = item
    return {
        "price": float(Decimal(price)),
        "currency": currency,
        "is_fba": bool(fba),
        "identifier": sku,
        "id_type": "SellerSKU",
        "id_value": sku,
        "marketplace_id": marketplace_id,
    }


# the fees that are a percent of the sale: the referral fee; the digital
# services fee is a percent of the other fees (its share follows theirs)
VARIABLE_FEES = ("ReferralFee",)
DIGITAL_SERVICES_FEE = "DigitalServicesFee"


def _final_fee(detail):
    """A ``FeeDetail``'s amount after promotions: ``FinalFee`` (required),
    else ``FeeAmount`` less ``FeePromotion``; None when unreadable."""
    if not isinstance(detail, dict):
        return None
    final = money(detail.get("FinalFee"))
    if final is not None:
        return final
    amount = money(detail.get("FeeAmount"))
    if amount is None:
        return None
    promotion = money(detail.get("FeePromotion")) or Decimal("0.00")
    return max(amount - promotion, Decimal("0.00"))


def _split(details, total):
    """(variable, fixed) parts of ``total`` by the ``FeeDetailList``: the
    referral fee (and its share of the digital services fee) is variable,
    the rest fixed. Without a readable detail list, all of it is variable:
    the fees then scale with the price, as a commission rate does."""
    if not isinstance(details, list) or not details:
        return total, Decimal("0.00")
    variable = other = digital = Decimal("0.00")
    for detail in details:
        amount = _final_fee(detail)
        if amount is None:
            return total, Decimal("0.00")
        kind = detail.get("FeeType")
        if kind in VARIABLE_FEES:
            variable += amount
        elif kind == DIGITAL_SERVICES_FEE:
            digital += amount
        else:
            other += amount
    if digital and (variable + other):
        variable += digital * variable / (variable + other)
    variable = min(variable.quantize(Decimal("0.01")), total)
    return variable, total - variable


def read_estimate(result, price=None):
    """One ``FeesEstimateResult`` for an item asked at ``price`` (by default
    the ``ListingPrice`` the result echoes): a ``FeeEstimate`` (the total,
    split by the ``FeeDetailList`` in what grows with the price and what
    does not), or a ``RemoteError``."""
    if not isinstance(result, dict):
        return RemoteError("getMyFeesEstimates: unreadable estimate")
    if result.get("Status") != "Success":
        error = result.get("Error") if isinstance(result.get("Error"), dict) else {}
        return RemoteError(
            f"getMyFeesEstimates: {error.get('Code') or result.get('Status')}: "
            f"{error.get('Message') or 'no estimate'}"[:500],
            code=error.get("Code") if isinstance(error.get("Code"), str) else None,
        )
    estimate = result.get("FeesEstimate")
    if not isinstance(estimate, dict):
        return RemoteError("getMyFeesEstimates: FeesEstimate is missing")
    details = estimate.get("FeeDetailList")
    total = money(estimate.get("TotalFeesEstimate"))
    if total is None and isinstance(details, list) and details:
        # TotalFeesEstimate is optional: the details add up to it
        amounts = [_final_fee(detail) for detail in details]
        if None not in amounts:
            total = sum(amounts, Decimal("0.00"))
    if total is None:
        return RemoteError("getMyFeesEstimates: TotalFeesEstimate is missing")
    if price is None:
        price = _asked_price(result)
    variable, fixed = _split(details, total)
    return FeeEstimate(price or Decimal("0.00"), total, variable, fixed)


def _asked_price(result):
    identifier = result.get("FeesEstimateIdentifier")
    if not isinstance(identifier, dict):
        return None
    asked = identifier.get("PriceToEstimateFees")
    return money(asked.get("ListingPrice")) if isinstance(asked, dict) else None


def fee_estimates(client, items):
    """``AmazonClient.fee_estimates``: a ``FeeEstimate`` or a ``RemoteError``
    per item of ``items``, in their order."""
    items = list(items)
    api = client.api(ProductFees)
    marketplace_id = client.marketplace_ids[0]
    found = []
    for start in range(0, len(items), MAX_ESTIMATES):
        chunk = items[start : start + MAX_ESTIMATES]
        response = client.call(
            "getMyFeesEstimates",
            api.get_my_fees_estimates,
            [_request(item, marketplace_id) for item in chunk],
        )
        results = response.payload if response is not None else None
        results = results if isinstance(results, list) else []
        for position in range(len(chunk)):
            entry = results[position] if position < len(results) else None
            found.append(read_estimate(entry, Decimal(str(chunk[position][1]))))
    return found


def _money_2022(node):
    """A 2022-05-01 ``MoneyType`` (lowercase keys) as ``money`` reads v0's."""
    if not isinstance(node, dict):
        return None
    return money({"Amount": node.get("amount")})


def read_offer_2022(raw, own_seller_id, currency, featured=False):
    """One 2022-05-01 ``Offer`` as a ``CompetitorOffer``; ``ValueError`` with
    the reason when it cannot be read."""
    if not isinstance(raw, dict):
        raise ValueError("an offer is not an object")
    price = _money_2022(raw.get("listingPrice"))
    if price is None:
        raise ValueError("listingPrice.amount is missing or not an amount")
    shipping = Decimal("0.00")
    options = raw.get("shippingOptions")
    for option in options if isinstance(options, list) else ():
        if isinstance(option, dict) and option.get("shippingOptionType") == "DEFAULT":
            shipping = _money_2022(option.get("price"))
            if shipping is None:
                raise ValueError("shippingOptions price is not an amount")
            break
    kind = raw.get("fulfillmentType")
    fulfilment = {"AFN": "marketplace", "MFN": "merchant"}.get(
        kind if isinstance(kind, str) else None
    )
    if fulfilment is None:
        raise ValueError("fulfillmentType is missing or unknown")
    seller_id = raw.get("sellerId")
    seller_id = seller_id.strip() if isinstance(seller_id, str) else ""
    condition = raw.get("condition")
    condition = condition if isinstance(condition, str) else None
    code = (raw.get("listingPrice") or {}).get("currencyCode")
    return CompetitorOffer(
        seller=seller_id or "(unnamed seller)",
        price=price,
        shipping=shipping,
        condition=condition if condition in CONDITIONS_2022 else None,
        seller_type="professional",
        fulfilment=fulfilment,
        featured=featured,
        own=bool(seller_id and seller_id == own_seller_id),
        seller_id=seller_id or None,
        currency=code if isinstance(code, str) and len(code) == 3 else currency,
    )


def _offer_key(offer):
    return (offer.seller_id, offer.fulfilment, offer.condition)


def read_summary(entry, asin, own_seller_id, currency="EUR", now=None):
    """One ``CompetitiveSummaryResponse`` as the ``ProductOffers`` of
    ``asin``; never raises."""
    now = now or utc_now()
    head = {"reference": asin, "reference_type": "ASIN", "fetched_at": now}
    if not isinstance(entry, dict) or not isinstance(entry.get("body"), dict):
        return ProductOffers(**head, error="unreadable answer for this product")
    body, status = entry["body"], entry.get("status")
    code = status.get("statusCode") if isinstance(status, dict) else None
    if (isinstance(code, int) and code != 200) or body.get("errors"):
        return ProductOffers(**head, error=_summary_error(code, body))
    head["marketplace_product_id"] = asin
    found, problems = {}, []
    for label, raw, featured in _summary_offers(body):
        try:
            offer = read_offer_2022(raw, own_seller_id, currency, featured)
        except ValueError as err:
            problems.append(f"{label}: {err}")
            continue
        known = found.get(_offer_key(offer))
        if known is None or (featured and not known.featured):
            found[_offer_key(offer)] = offer
    if problems:
        return ProductOffers(**head, error="; ".join(problems)[:1000])
    offers = list(found.values())
    own = next((offer for offer in offers if offer.own), None)
    new = [o.landed for o in offers if o.condition == "New" and not o.own]
    return ProductOffers(
        **head,
        own_offer=own,
        offers=tuple(offer for offer in offers if not offer.own),
        best={"new": min(new)} if new else {},
    )


def _summary_offers(body):
    """(label, raw offer, featured) of the featured offers, then of the
    lowest priced ones."""
    options = body.get("featuredBuyingOptions")
    for number, option in enumerate(options if isinstance(options, list) else ()):
        raws = (
            option.get("segmentedFeaturedOffers") if isinstance(option, dict) else None
        )
        for position, raw in enumerate(raws if isinstance(raws, list) else ()):
            label = f"featuredBuyingOptions[{number}][{position}]"
            yield label, raw, True
    lowest = body.get("lowestPricedOffers")
    for number, group in enumerate(lowest if isinstance(lowest, list) else ()):
        raws = group.get("offers") if isinstance(group, dict) else None
        for position, raw in enumerate(raws if isinstance(raws, list) else ()):
            yield f"lowestPricedOffers[{number}][{position}]", raw, False


def _summary_error(code, body):
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    parts = [
        f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict)
    ]
    text = "; ".join(parts) or "no summary in the answer"
    return (f"HTTP {code}: {text}" if isinstance(code, int) else text)[:1000]


def summary_request(asin, marketplace_id):
    return {
        "asin": asin,
        "marketplaceId": marketplace_id,
        "includedData": list(SUMMARY_DATA),
        "lowestPricedOffersInputs": [{"itemCondition": "New", "offerType": "Consumer"}],
        "method": "GET",
        "uri": SUMMARY_URI,
    }


def competitive_summary(client, asins):
    """``AmazonClient.competitive_summary``: the ``ProductOffers`` of each
    ASIN of ``asins``, in their order."""
    marketplace_id = client.marketplace_ids[0]
    now = utc_now()
    results, todo = [], []
    for number, (kind, value, error) in enumerate(
        split_references(("ASIN", asin) for asin in asins)
    ):
        error = error or (None if kind == "ASIN" else "not an ASIN")
        if error:
            results.append(
                ProductOffers(
                    reference=str(value), reference_type="ASIN", error=error,
                    fetched_at=now,
                )
            )  # fmt: skip
        else:
            results.append(None)
            todo.append((number, value))
    api = client.api(ProductsV20220501)
    for start in range(0, len(todo), MAX_SUMMARIES):
        chunk = todo[start : start + MAX_SUMMARIES]
        response = client.call(
            "getCompetitiveSummary",
            api.get_competitive_summary_batch,
            [summary_request(asin, marketplace_id) for _, asin in chunk],
        )
        payload = response.payload if response is not None else None
        answers = payload.get("responses") if isinstance(payload, dict) else None
        answers = _by_asin(answers if isinstance(answers, list) else [], chunk)
        for (number, asin), entry in zip(chunk, answers, strict=True):
            results[number] = read_summary(
                entry, asin, client.seller_id, client.currency, now
            )
    return results


def _by_asin(answers, chunk):
    """The answers matched to the chunk by their body's ``asin`` (Amazon
    keeps the order; an answer naming another ASIN is not trusted)."""
    by_asin = {}
    for answer in answers:
        body = answer.get("body") if isinstance(answer, dict) else None
        asin = body.get("asin") if isinstance(body, dict) else None
        if isinstance(asin, str):
            by_asin.setdefault(asin, answer)
    if by_asin:
        return [by_asin.get(asin) for _, asin in chunk]
    return [answers[n] if n < len(answers) else None for n in range(len(chunk))]
