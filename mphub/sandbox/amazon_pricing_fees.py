"""The Product Fees API v0 of the Amazon emulator.

- getMyFeesEstimateForSKU ``POST /products/fees/v0/listings/{SellerSKU}/feesEstimate``
  (the seller's listing; an unknown SKU is a ``ClientError`` result);
- getMyFeesEstimates ``POST /products/fees/v0/feesEstimate`` (1 to 20
  ``FeesEstimateByIdRequest``, ``IdType`` ASIN or SellerSKU; one
  ``FeesEstimateResult`` each, in order).

Fees (``fee_parts``): the referral fee, a percent of the sales price (price
and shipping) by the product's category with a minimum per item; the
variable closing fee of media; the FBA fulfilment fee by weight when the
item is fulfilled by Amazon. The category is drawn from the product's ASIN
(``category_of``). ``null`` values the client library sends for absent
fields (``Shipping``, ``Points``) are accepted as absent.
"""

import hashlib
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote

from .amazon_listings import MARKETPLACES, invalid, money
from .server import Response, format_timestamp

FEES_RATE_LIMITS = {"getMyFeesEstimateForSKU": (1, 2), "getMyFeesEstimates": (0.5, 1)}
# category -> (referral percent, minimum per item, closing fee)
CATEGORIES = {
    "media": (Decimal(15), Decimal("0.00"), Decimal("0.81")),
    "electronics": (Decimal(7), Decimal("0.30"), Decimal(0)),
    "home": (Decimal(15), Decimal("0.30"), Decimal(0)),
    "jewellery": (Decimal(20), Decimal("0.30"), Decimal(0)),
}
# (weight up to, kg) -> FBA fulfilment fee
FBA_FEES = ((0.1, Decimal("2.70")), (0.5, Decimal("3.20")), (1.0, Decimal("3.70")))
FBA_HEAVY = Decimal("4.50")
MAX_ESTIMATES = 20


def category_of(asin):
    names = sorted(CATEGORIES)
    return names[hashlib.sha1(asin.encode()).digest()[0] % len(names)]


def fba_fee(weight):
    for limit, fee in FBA_FEES:
        if weight <= limit:
            return fee
    return FBA_HEAVY


def fee_parts(asin, price, shipping, fba, weight):
    """[(FeeType, amount)] of an item sold at ``price`` + ``shipping``."""
    percent, minimum, closing = CATEGORIES[category_of(asin)]
    parts = [("ReferralFee", max(minimum, money((price + shipping) * percent / 100)))]
    if closing:
        parts.append(("VariableClosingFee", closing))
    if fba:
        parts.append(("FBAFees", fba_fee(weight)))
    return parts


def _amount(node, name):
    if node is None:
        return Decimal(0)
    value = node.get("Amount") if isinstance(node, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name}.Amount is not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as err:
        raise ValueError(f"{name}.Amount is not a number") from err
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name}.Amount must be 0 or more")
    return amount


def _client_error(message):
    return {
        "Type": "Sender",
        "Code": "InvalidParameterValue",
        "Message": message,
        "Detail": [],
    }


class AmazonFeesMixin:
    """Product Fees v0 routes of ``AmazonEmulator``."""

    def register_fees_routes(self):
        self.api(
            "POST",
            "/products/fees/v0/listings/(?P<sku>[^/]+)/feesEstimate",
            "getMyFeesEstimateForSKU",
            self.get_fees_for_sku,
        )
        self.api(
            "POST",
            "/products/fees/v0/feesEstimate",
            "getMyFeesEstimates",
            self.get_fees_estimates,
        )

    def _asin_for(self, seller, id_type, value):
        if id_type == "ASIN":
            return value if self.product_of_asin(value) is not None else None
        with self.lock:
            listing = seller.listings.get(value)
        return listing.asin if listing is not None else None

    def estimate(self, seller, id_type, value, request):
        """The ``FeesEstimateResult`` of one ``FeesEstimateRequest``."""
        request = request if isinstance(request, dict) else {}
        marketplace = request.get("MarketplaceId")
        identifier = {
            "MarketplaceId": marketplace if isinstance(marketplace, str) else "",
            "SellerId": seller.seller_id,
            "IdType": id_type,
            "IdValue": value,
            "IsAmazonFulfilled": request.get("IsAmazonFulfilled") is True,
            "SellerInputIdentifier": str(request.get("Identifier") or value),
        }
        prices = request.get("PriceToEstimateFees")
        try:
            if marketplace not in MARKETPLACES:
                raise ValueError(f"Invalid MarketplaceId: {marketplace!r}")
            if not isinstance(prices, dict):
                raise ValueError("PriceToEstimateFees is required")
            price = _amount(prices.get("ListingPrice") or {}, "ListingPrice")
            shipping = _amount(prices.get("Shipping"), "Shipping")
            if price <= 0:
                raise ValueError("ListingPrice.Amount must be more than 0")
            asin = self._asin_for(seller, id_type, value)
            if asin is None:
                raise ValueError(f"Invalid {id_type} {value} for marketplace")
        except ValueError as err:
            return {
                "Status": "ClientError",
                "FeesEstimateIdentifier": identifier,
                "Error": _client_error(str(err)),
            }
        currency = MARKETPLACES[marketplace]["currency"]
        identifier["PriceToEstimateFees"] = {
            "ListingPrice": {"CurrencyCode": currency, "Amount": float(price)},
            "Shipping": {"CurrencyCode": currency, "Amount": float(shipping)},
        }
        product = self.product_of_asin(asin) or {}
        parts = fee_parts(
            asin,
            price,
            shipping,
            identifier["IsAmazonFulfilled"],
            float(product.get("weight") or 0.5),
        )

        def fee(amount):
            return {"CurrencyCode": currency, "Amount": float(amount)}

        return {
            "Status": "Success",
            "FeesEstimateIdentifier": identifier,
            "FeesEstimate": {
                "TimeOfFeesEstimation": format_timestamp(self.clock.now()),
                "TotalFeesEstimate": fee(sum(a for _, a in parts)),
                "FeeDetailList": [
                    {
                        "FeeType": name,
                        "FeeAmount": fee(amount),
                        "FinalFee": fee(amount),
                        "FeePromotion": fee(0),
                        "TaxAmount": fee(0),
                    }
                    for name, amount in parts
                ],
            },
        }

    def get_fees_for_sku(self, request, caller):
        body = request.json_object()
        result = self.estimate(
            caller.seller,
            "SellerSKU",
            unquote(request.params["sku"]),
            body.get("FeesEstimateRequest"),
        )
        return Response.json({"payload": {"FeesEstimateResult": result}})

    def get_fees_estimates(self, request, caller):
        body = request.json()
        if not isinstance(body, list) or not 1 <= len(body) <= MAX_ESTIMATES:
            raise invalid(f"The body must hold 1 to {MAX_ESTIMATES} requests.")
        results = []
        for entry in body:
            entry = entry if isinstance(entry, dict) else {}
            id_type, value = entry.get("IdType"), entry.get("IdValue")
            if id_type not in ("ASIN", "SellerSKU") or not isinstance(value, str):
                raise invalid(
                    "Each request needs IdType ASIN or SellerSKU and IdValue."
                )
            results.append(
                self.estimate(
                    caller.seller, id_type, value, entry.get("FeesEstimateRequest")
                )
            )
        return Response.json(results)


__all__ = ["FEES_RATE_LIMITS", "AmazonFeesMixin", "category_of", "fee_parts"]
