"""Amazon's fee estimates (Product Fees v0) and competitive summary.

``fee_estimates(items)``: items ``(sku, price, currency,
fulfilled_by_amazon)``; getMyFeesEstimates (python-amazon-sp-api's
``ProductFees``) in chunks of ``MAX_ESTIMATES`` (20), ``IdType`` SellerSKU,
on the account's first marketplace. The answer per item, in order: the
``TotalFeesEstimate`` as a ``Decimal``, or a ``RemoteError`` carrying
Amazon's reason (an unknown SKU, a price Amazon refuses) that the caller
keeps on that item; a call's own failure raises (``ThrottledError`` with
the retry delay on 429).
"""

from decimal import Decimal

from sp_api.api import ProductFees

from ..errors import RemoteError
from .pricing import money

MAX_ESTIMATES = 20


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


def read_estimate(result):
    """One ``FeesEstimateResult``: the total fees, or a ``RemoteError``."""
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
    total = (
        money(estimate.get("TotalFeesEstimate")) if isinstance(estimate, dict) else None
    )
    if total is None:
        return RemoteError("getMyFeesEstimates: TotalFeesEstimate is missing")
    return total


def fee_estimates(client, items):
    """``AmazonClient.fee_estimates``: a ``Decimal`` or a ``RemoteError``
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
            found.append(read_estimate(entry))
    return found


def competitive_summary(client, asins):
    """getCompetitiveSummary (2022-05-01): not built yet."""
    raise NotImplementedError("competitive_summary: not built yet")
