"""The Product Pricing API v0 of the Amazon emulator: competitors' offers.

- getItemOffers ``GET /products/pricing/v0/items/{Asin}/offers`` and
  getListingOffers ``GET /products/pricing/v0/listings/{SellerSKU}/offers``
  (``MarketplaceId``, ``ItemCondition`` required, ``CustomerType``);
- getItemOffersBatch ``POST /batches/products/pricing/v0/itemOffers`` and
  getListingOffersBatch ``POST /batches/products/pricing/v0/listingOffers``
  (1 to 20 requests, each answered with its own ``status``, ``headers``,
  ``body`` and ``request``, as the model's ``ItemOffersResponse`` says).

Every catalogue product (ASIN ``asin_of(seed, sku)``) has competitors drawn
from a pool of sellers (``competitors``): none for some products (status
``NoBuyableOffers``), more than 20 for others (``Offers`` holds the 20
lowest landed prices, ``TotalOfferCount`` all of them), FBA and merchant
offers, new and used ones, sellers without feedback, a rare very low price.
Each competitor's price walks with the emulator's clock: seeded per (ASIN,
seller, hour), so an hour's answers are the same and the next hour's move.
The sellers of the emulator who list the ASIN have their own offer, at
their listing's price: ``MyOffer`` true for the caller. The buy box goes to
the new offer with the best landed price weighted by the seller's rating
and FBA (``buy_box_winner``), among eligible sellers (FBA, or 90 % positive
feedback on 100 ratings). An unknown ASIN or SKU answers 400
``InvalidInput`` (in a batch: that request only).

Product Pricing 2022-05-01: getCompetitiveSummary ``POST
/batches/products/pricing/2022-05-01/items/competitiveSummary`` (1 to 20
requests of ``asin``, ``marketplaceId``, ``includedData``, ``method`` GET,
``uri`` ``/products/pricing/2022-05-01/items/competitiveSummary``; 0.033 a
second, burst 1). Each answer has its own ``status`` and ``body``:
``featuredBuyingOptions`` (the buy box winner for every customer, and for
non-Prime customers the best eligible merchant offer when another seller
holds the box for Prime members; absent when nobody is eligible),
``lowestPricedOffers`` (up to 20 offers by landed price per
``lowestPricedOffersInputs`` entry, New when none is given; an input
without offers is left out), ``referencePrices`` (``CompetitivePrice``: the
winner's landed price; ``WasPrice``: the list price when the product has
one) and ``similarItems``, each only when asked in ``includedData``. Offers
carry ``shippingOptions`` only when shipping is charged (FBA ships free) and
no ``MyOffer`` flag (the caller recognises its seller id). A request with
an unknown ASIN or marketplace, a bad ``includedData`` or ``uri`` answers
400 ``InvalidInput`` in its own body (``errors``).
"""

import hashlib
import random
import re
import uuid
from decimal import Decimal
from urllib.parse import unquote

from .amazon_listings import CENT, MARKETPLACES, asin_of, invalid, money
from .amazon_pricing_fees import FEES_RATE_LIMITS, AmazonFeesMixin
from .server import HttpError, Response, format_timestamp

# operation -> (rate per second, burst): Amazon's default usage plans
PRICING_RATE_LIMITS = {
    "getItemOffers": (0.5, 1),
    "getListingOffers": (1, 2),
    "getItemOffersBatch": (0.1, 1),
    "getListingOffersBatch": (0.5, 1),
    "getCompetitiveSummary": (0.033, 1),
    **FEES_RATE_LIMITS,
}
CONDITIONS = ("New", "Used", "Collectible", "Refurbished", "Club")
CUSTOMER_TYPES = ("Consumer", "Business")
USED_SUBCONDITIONS = ("mint", "very_good", "good", "acceptable")
OFFER_PARAMS = ("MarketplaceId", "ItemCondition", "CustomerType")
MAX_BATCH = 20
MAX_OFFERS = 20
POOL_SIZE = 40
MERCHANT_SHIPPING = ("0.00", "2.99", "4.99")
ITEM_URI = re.compile(r"/products/pricing/v0/items/(?P<key>[^/]+)/offers")
LISTING_URI = re.compile(r"/products/pricing/v0/listings/(?P<key>[^/]+)/offers")
SUMMARY_URI = "/products/pricing/2022-05-01/items/competitiveSummary"
INCLUDED_DATA = (
    "featuredBuyingOptions",
    "referencePrices",
    "lowestPricedOffers",
    "similarItems",
)
SUBCONDITIONS_2022 = {
    "new": "New",
    "mint": "Mint",
    "very_good": "VeryGood",
    "good": "Good",
    "acceptable": "Acceptable",
}


def _seller_code(*parts):
    digest = hashlib.sha1("-".join(map(str, parts)).encode()).hexdigest().upper()
    return "A" + "".join(c for c in digest if c.isalnum())[:13]


def seller_pool(seed):
    """The competitor sellers: id, positive feedback (None: no feedback
    yet), feedback count, whether they ship with FBA."""
    rng = random.Random(f"amazon-pricing-pool-{seed}")
    pool = []
    for number in range(POOL_SIZE):
        rated = rng.random() > 0.1
        pool.append(
            {
                "seller_id": _seller_code("competitor", seed, number),
                "rating": rng.choice((72, 85, 91, 95, 97, 98, 99, 100))
                if rated
                else None,
                "count": rng.randint(1, 25000) if rated else 0,
                "fba": rng.random() < 0.4,
            }
        )
    return pool


def competitors(seed, asin, base_price, hour):
    """The competitors' offers of an ASIN at an hour (hours since the
    epoch): dicts with seller_id, rating, count, fba, condition,
    subcondition, price and shipping (``Decimal``)."""
    rng = random.Random(f"amazon-pricing-{seed}-{asin}")
    count = rng.choice((0, 1, 2, 3, 3, 4, 5, 6, 8, 25))
    pool = seller_pool(seed)
    offers = []
    for seller in rng.sample(pool, min(count, len(pool))):
        used = rng.random() < 0.15
        anchor = rng.uniform(0.85, 1.15)
        if rng.random() < 0.03:
            anchor = 0.05  # a very low price (a mistake, a clearance)
        walk = random.Random(
            f"amazon-pricing-walk-{seed}-{asin}-{seller['seller_id']}-{hour}"
        ).uniform(-0.04, 0.04)
        price = max(CENT, money(base_price * Decimal(str(round(anchor + walk, 4)))))
        shipping = Decimal("0.00") if seller["fba"] else None
        if shipping is None:
            shipping = Decimal(rng.choice(MERCHANT_SHIPPING))
        offers.append(
            {
                **seller,
                "condition": "Used" if used else "New",
                "subcondition": rng.choice(USED_SUBCONDITIONS) if used else "new",
                "price": price,
                "shipping": shipping,
            }
        )
    return offers


def buy_box_eligible(offer):
    return offer["fba"] or (
        offer["rating"] is not None and offer["rating"] >= 90 and offer["count"] >= 100
    )


def buy_box_winner(offers):
    """The featured offer among the new eligible ones: the lowest landed
    price, raised by what the seller's feedback lacks, lowered 3 % for FBA;
    ties to the seller id."""

    def score(offer):
        rating = offer["rating"] if offer["rating"] is not None else 80
        landed = offer["price"] + offer["shipping"]
        factor = Decimal(1) + Decimal(100 - rating) / 200
        if offer["fba"]:
            factor *= Decimal("0.97")
        return (landed * factor, offer["seller_id"])

    eligible = [o for o in offers if o["condition"] == "New" and buy_box_eligible(o)]
    return min(eligible, key=score, default=None)


def _money(amount, currency):
    return {"CurrencyCode": currency, "Amount": float(amount)}


class AmazonPricingMixin(AmazonFeesMixin):
    """Product Pricing v0 (and Product Fees v0) routes of ``AmazonEmulator``."""

    def register_pricing_routes(self):
        self.api(
            "GET",
            "/products/pricing/v0/items/(?P<asin>[^/]+)/offers",
            "getItemOffers",
            self.get_item_offers,
            OFFER_PARAMS,
        )
        self.api(
            "GET",
            "/products/pricing/v0/listings/(?P<sku>[^/]+)/offers",
            "getListingOffers",
            self.get_listing_offers,
            OFFER_PARAMS,
        )
        self.api(
            "POST",
            "/batches/products/pricing/v0/itemOffers",
            "getItemOffersBatch",
            self.get_item_offers_batch,
        )
        self.api(
            "POST",
            "/batches/products/pricing/v0/listingOffers",
            "getListingOffersBatch",
            self.get_listing_offers_batch,
        )
        self.api(
            "POST",
            "/batches/products/pricing/2022-05-01/items/competitiveSummary",
            "getCompetitiveSummary",
            self.get_competitive_summary,
        )
        self.register_fees_routes()

    # -- data ---------------------------------------------------------
    def product_of_asin(self, asin):
        """The catalogue product of an ASIN, or None."""
        index = getattr(self, "_asin_index", None)
        if index is None or index[0] is not self.products:
            table = {asin_of(self.seed, p["sku"]): p for p in self.products}
            index = self._asin_index = (self.products, table)
        return index[1].get(asin)

    def pricing_hour(self):
        return int(self.clock.now().timestamp() // 3600)

    def all_offers(self, asin, marketplace_id, caller_id, hour=None):
        """Every offer of an ASIN on a marketplace (competitors and the
        emulator's sellers listing it), the caller's flagged ``mine``; None
        for an unknown ASIN."""
        product = self.product_of_asin(asin)
        hour = self.pricing_hour() if hour is None else hour
        offers = []
        if product is not None:
            base = Decimal(product["price"])
            offers = [
                {**o, "mine": False} for o in competitors(self.seed, asin, base, hour)
            ]
        known = product is not None
        with self.lock:
            for seller in self.sellers.values():
                for listing in seller.listings.values():
                    if listing.asin != asin:
                        continue
                    known = True
                    price = listing.price(marketplace_id)
                    if price is None:
                        continue
                    offers.append(self._own_offer(seller, price, caller_id))
        return offers if known else None

    @staticmethod
    def _own_offer(seller, price, caller_id):
        return {
            "seller_id": seller.seller_id,
            "rating": 96,
            "count": 1200 * seller.number,
            "fba": False,
            "condition": "New",
            "subcondition": "new",
            "price": price,
            "shipping": Decimal("0.00"),
            "mine": seller.seller_id == caller_id,
        }

    # -- rendering ----------------------------------------------------
    def offers_result(self, asin, marketplace_id, condition, caller_id, sku=None):
        """The ``GetOffersResult`` of an ASIN (None: unknown ASIN)."""
        offers = self.all_offers(asin, marketplace_id, caller_id)
        if offers is None:
            return None
        currency = MARKETPLACES[marketplace_id]["currency"]
        winner = buy_box_winner(offers)
        chosen = sorted(
            (o for o in offers if o["condition"] == condition),
            key=lambda o: (o["price"] + o["shipping"], o["seller_id"]),
        )
        identifier = {
            "MarketplaceId": marketplace_id,
            "ItemCondition": condition,
            "ASIN": asin,
        }
        key = {"SKU": sku} if sku else {"ASIN": asin}
        if sku:
            identifier["SellerSKU"] = sku
        return {
            **key,
            "status": "Success" if chosen else "NoBuyableOffers",
            "ItemCondition": condition,
            "Identifier": identifier,
            "Summary": self._summary(asin, offers, winner, currency),
            "Offers": [
                self._offer_detail(o, o is winner, currency, marketplace_id)
                for o in chosen[:MAX_OFFERS]
            ],
            "marketplaceId": marketplace_id,
        }

    @staticmethod
    def _offer_detail(offer, winner, currency, marketplace_id):
        detail = {
            "Shipping": _money(offer["shipping"], currency),
            "ListingPrice": _money(offer["price"], currency),
            "ShippingTime": {
                "minimumHours": 24 if offer["fba"] else 48,
                "maximumHours": 48 if offer["fba"] else 96,
                "availabilityType": "NOW",
            },
            "SubCondition": offer["subcondition"],
            "SellerId": offer["seller_id"],
            "IsFeaturedMerchant": buy_box_eligible(offer),
            "IsBuyBoxWinner": winner,
            "IsFulfilledByAmazon": offer["fba"],
        }
        if offer["mine"]:
            detail["MyOffer"] = True
        if offer["rating"] is not None:
            detail["SellerFeedbackRating"] = {
                "SellerPositiveFeedbackRating": float(offer["rating"]),
                "FeedbackCount": offer["count"],
            }
        if offer["fba"]:
            detail["PrimeInformation"] = {"IsPrime": True, "IsNationalPrime": True}
        else:
            detail["ShipsFrom"] = {"Country": MARKETPLACES[marketplace_id]["country"]}
        return detail

    def _summary(self, asin, offers, winner, currency):
        groups = {}
        for offer in offers:
            channel = "Amazon" if offer["fba"] else "Merchant"
            groups.setdefault((offer["condition"].lower(), channel), []).append(offer)
        lowest = []
        for (condition, channel), members in sorted(groups.items()):
            best = min(members, key=lambda o: o["price"] + o["shipping"])
            lowest.append(
                {
                    "condition": condition,
                    "fulfillmentChannel": channel,
                    **self._prices(best, currency),
                }
            )
        summary = {
            "TotalOfferCount": len(offers),
            "NumberOfOffers": [
                {"condition": c, "fulfillmentChannel": f, "OfferCount": len(m)}
                for (c, f), m in sorted(groups.items())
            ],
            "LowestPrices": lowest,
            "BuyBoxEligibleOffers": [
                {
                    "condition": c,
                    "fulfillmentChannel": f,
                    "OfferCount": sum(1 for o in m if buy_box_eligible(o)),
                }
                for (c, f), m in sorted(groups.items())
            ],
        }
        if winner is not None:
            summary["BuyBoxPrices"] = [
                {"condition": "new", **self._prices(winner, currency)}
            ]
        product = self.product_of_asin(asin)
        if product is not None and int(asin_of(self.seed, "list" + asin)[-1], 36) % 3:
            summary["ListPrice"] = _money(Decimal(product["price"]), currency)
        return summary

    @staticmethod
    def _prices(offer, currency):
        return {
            "LandedPrice": _money(offer["price"] + offer["shipping"], currency),
            "ListingPrice": _money(offer["price"], currency),
            "Shipping": _money(offer["shipping"], currency),
        }

    # -- API ----------------------------------------------------------
    @staticmethod
    def _offer_params(values):
        """(marketplace id, condition, customer type) of a request's
        parameters; 400 when missing or invalid."""
        marketplace = values.get("MarketplaceId")
        condition = values.get("ItemCondition")
        customer = values.get("CustomerType")
        if marketplace not in MARKETPLACES:
            raise invalid(f"Invalid MarketplaceId: {marketplace!r}.")
        if condition not in CONDITIONS:
            raise invalid(f"Invalid ItemCondition: {condition!r}.")
        if customer is not None and customer not in CUSTOMER_TYPES:
            raise invalid(f"Invalid CustomerType: {customer!r}.")
        return marketplace, condition, customer

    def _item_result(self, asin, values, caller):
        marketplace, condition, _customer = self._offer_params(values)
        result = self.offers_result(
            asin, marketplace, condition, caller.seller.seller_id
        )
        if result is None:
            raise invalid(f"Invalid ASIN {asin} for marketplace {marketplace}.")
        return result

    def _listing_result(self, sku, values, caller):
        marketplace, condition, _customer = self._offer_params(values)
        with self.lock:
            listing = caller.seller.listings.get(sku)
        if listing is None:
            raise invalid(f"Invalid SellerSKU {sku} for marketplace {marketplace}.")
        return self.offers_result(
            listing.asin, marketplace, condition, caller.seller.seller_id, sku=sku
        )

    @staticmethod
    def _query(request):
        return {name: request.arg(name) for name in OFFER_PARAMS}

    def get_item_offers(self, request, caller):
        asin = unquote(request.params["asin"])
        return Response.json(
            {"payload": self._item_result(asin, self._query(request), caller)}
        )

    def get_listing_offers(self, request, caller):
        sku = unquote(request.params["sku"])
        return Response.json(
            {"payload": self._listing_result(sku, self._query(request), caller)}
        )

    def get_item_offers_batch(self, request, caller):
        return self._batch(request, caller, ITEM_URI, self._item_result, "Asin")

    def get_listing_offers_batch(self, request, caller):
        return self._batch(
            request, caller, LISTING_URI, self._listing_result, "SellerSKU"
        )

    def _batch(self, request, caller, uri, answer, key_name):
        requests_ = request.json_object().get("requests")
        if not isinstance(requests_, list) or not 1 <= len(requests_) <= MAX_BATCH:
            raise invalid(f"requests must hold 1 to {MAX_BATCH} requests.")
        responses = []
        for entry in requests_:
            responses.append(self._batch_entry(entry, caller, uri, answer, key_name))
        return Response.json({"responses": responses})

    def _batch_entry(self, entry, caller, uri, answer, key_name):
        entry = entry if isinstance(entry, dict) else {}
        echo = {
            name: entry[name]
            for name in OFFER_PARAMS
            if isinstance(entry.get(name), str)
        }
        echo.setdefault("MarketplaceId", "")
        echo.setdefault("ItemCondition", "")
        found = uri.fullmatch(entry.get("uri") or "") if entry.get("uri") else None
        if found:
            echo[key_name] = unquote(found.group("key"))
        try:
            if entry.get("method") != "GET" or not found:
                raise invalid("Each request needs method GET and a valid uri.")
            status, body = 200, {"payload": answer(echo[key_name], entry, caller)}
        except HttpError as err:  # this request's error only
            status = err.status
            body = {
                "errors": err.errors
                or [{"code": "InvalidInput", "message": err.message}]
            }
        return {
            "status": {"statusCode": status, "reasonPhrase": _REASONS[status]},
            "body": body,
            "headers": {
                "x-amzn-RequestId": str(uuid.uuid4()),
                "Date": format_timestamp(self.clock.now()),
            },
            "request": echo,
        }

    # -- Product Pricing 2022-05-01: getCompetitiveSummary ---------------
    def get_competitive_summary(self, request, caller):
        requests_ = request.json_object().get("requests")
        if not isinstance(requests_, list) or not 1 <= len(requests_) <= MAX_BATCH:
            raise invalid(f"requests must hold 1 to {MAX_BATCH} requests.")
        return Response.json(
            {"responses": [self._summary_entry(entry, caller) for entry in requests_]}
        )

    def _summary_entry(self, entry, caller):
        entry = entry if isinstance(entry, dict) else {}
        asin, marketplace = entry.get("asin"), entry.get("marketplaceId")
        head = {
            "asin": asin if isinstance(asin, str) else "",
            "marketplaceId": marketplace if isinstance(marketplace, str) else "",
        }
        try:
            body = {**head, **self.competitive_summary(entry, caller.seller.seller_id)}
            status = 200
        except HttpError as err:  # this request's error only
            status = err.status
            errors = err.errors or [{"code": "InvalidInput", "message": err.message}]
            body = {**head, "errors": errors}
        return {
            "status": {"statusCode": status, "reasonPhrase": _REASONS[status]},
            "body": body,
        }

    def competitive_summary(self, entry, caller_id):
        """The body of one competitiveSummary request (without ``asin`` and
        ``marketplaceId``); 400 ``InvalidInput`` when it cannot be answered."""
        included = entry.get("includedData")
        if entry.get("method") != "GET" or entry.get("uri") != SUMMARY_URI:
            raise invalid(f"Each request needs method GET and uri {SUMMARY_URI}.")
        if (
            not isinstance(included, list)
            or not included
            or any(item not in INCLUDED_DATA for item in included)
        ):
            raise invalid(f"includedData must list some of {', '.join(INCLUDED_DATA)}.")
        inputs = self._lowest_inputs(entry.get("lowestPricedOffersInputs"))
        marketplace, asin = entry.get("marketplaceId"), entry.get("asin")
        if marketplace not in MARKETPLACES:
            raise invalid(f"Invalid marketplaceId: {marketplace!r}.")
        offers = self.all_offers(asin, marketplace, caller_id) if asin else None
        if offers is None:
            raise invalid(f"Invalid ASIN {asin} for marketplace {marketplace}.")
        currency = MARKETPLACES[marketplace]["currency"]
        body = {}
        winner = buy_box_winner(offers)
        if "featuredBuyingOptions" in included and winner is not None:
            body["featuredBuyingOptions"] = [
                {
                    "buyingOptionType": "New",
                    "segmentedFeaturedOffers": self._featured(offers, winner, currency),
                }
            ]
        if "lowestPricedOffers" in included:
            body["lowestPricedOffers"] = [
                {
                    "lowestPricedOffersInput": wanted,
                    "offers": [self._offer_2022(o, currency) for o in chosen],
                }
                for wanted, chosen in (
                    (wanted, self._lowest(offers, wanted["itemCondition"]))
                    for wanted in inputs
                )
                if chosen
            ]
        if "referencePrices" in included:
            body["referencePrices"] = self._reference_prices(asin, winner, currency)
        if "similarItems" in included:
            body["similarItems"] = [{"items": self._similar(asin)}]
        return body

    @staticmethod
    def _lowest_inputs(inputs):
        if inputs is None:
            return [{"itemCondition": "New", "offerType": "Consumer"}]
        if not isinstance(inputs, list) or len(inputs) > 5:
            raise invalid("lowestPricedOffersInputs must hold 0 to 5 inputs.")
        for wanted in inputs:
            if (
                not isinstance(wanted, dict)
                or wanted.get("itemCondition") not in CONDITIONS
                or wanted.get("offerType") != "Consumer"
            ):
                raise invalid(
                    "Each lowestPricedOffersInput needs an itemCondition and "
                    "offerType Consumer."
                )
        return [
            {"itemCondition": w["itemCondition"], "offerType": "Consumer"}
            for w in inputs
        ]

    @staticmethod
    def _lowest(offers, condition):
        return sorted(
            (o for o in offers if o["condition"] == condition),
            key=lambda o: (o["price"] + o["shipping"], o["seller_id"]),
        )[:MAX_OFFERS]

    def _featured(self, offers, winner, currency):
        """The segmented featured offers: the winner for every customer, or
        for Prime members only when a merchant offer wins the others."""
        merchant = buy_box_winner([o for o in offers if not o["fba"]])
        if not winner["fba"] or merchant is None:
            segments = [("DEFAULT", 100)]
            return [self._featured_offer(winner, segments, currency)]
        share = 55 + int(asin_of(self.seed, winner["seller_id"])[-1], 36) % 30
        return [
            self._featured_offer(winner, [("PRIME", share)], currency),
            self._featured_offer(
                merchant, [("NON_PRIME", 100 - share), ("DEFAULT", 0)], currency
            ),
        ]

    def _featured_offer(self, offer, segments, currency):
        country = "FR" if currency == "EUR" else "GB"
        return {
            **self._offer_2022(offer, currency),
            "featuredOfferSegments": [
                {
                    "customerMembership": membership,
                    "segmentDetails": {
                        "glanceViewWeightPercentage": weight,
                        "sampleLocation": {
                            "postalCode": {"countryCode": country, "value": "75001"}
                        },
                    },
                }
                for membership, weight in segments
            ],
        }

    @staticmethod
    def _offer_2022(offer, currency):
        detail = {
            "sellerId": offer["seller_id"],
            "condition": offer["condition"],
            "subCondition": SUBCONDITIONS_2022.get(offer["subcondition"], "Other"),
            "fulfillmentType": "AFN" if offer["fba"] else "MFN",
            "listingPrice": _money_2022(offer["price"], currency),
            "primeDetails": {"eligibility": "NATIONAL" if offer["fba"] else "NONE"},
        }
        if offer["shipping"]:
            detail["shippingOptions"] = [
                {
                    "shippingOptionType": "DEFAULT",
                    "price": _money_2022(offer["shipping"], currency),
                }
            ]
        return detail

    def _reference_prices(self, asin, winner, currency):
        prices = []
        if winner is not None:
            landed = winner["price"] + winner["shipping"]
            prices.append(
                {"name": "CompetitivePrice", "price": _money_2022(landed, currency)}
            )
        product = self.product_of_asin(asin)
        if product is not None and int(asin_of(self.seed, "list" + asin)[-1], 36) % 3:
            price = _money_2022(Decimal(product["price"]), currency)
            prices.append({"name": "WasPrice", "price": price})
        return prices

    def _similar(self, asin):
        number = int(asin_of(self.seed, "similar" + asin)[-1], 36) % 4
        others = sorted(
            asin_of(self.seed, p["sku"])
            for p in self.products[: number * 3]
            if asin_of(self.seed, p["sku"]) != asin
        )
        return [{"asin": other} for other in others[:number]]


def _money_2022(amount, currency):
    return {"currencyCode": currency, "amount": float(amount)}


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Server Error"}

__all__ = [
    "PRICING_RATE_LIMITS",
    "AmazonPricingMixin",
    "buy_box_winner",
    "competitors",
    "seller_pool",
]
