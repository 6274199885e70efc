"""The Listings Items API 2021-08-01 of the Amazon emulator.

- getListingsItem ``GET /listings/2021-08-01/items/{sellerId}/{sku}``
  (``includedData``: summaries, attributes, issues, offers,
  fulfillmentAvailability; 404 ``NOT_FOUND`` for an unknown SKU);
- patchListingsItem ``PATCH`` on the same path (``add``, ``replace``,
  ``merge``, ``delete`` on ``/attributes/<name>``; ``mode=VALIDATION_PREVIEW``
  validates only);
- searchListingsItems ``GET /listings/2021-08-01/items/{sellerId}``
  (``identifiers`` by SKU, EAN/GTIN or ASIN; ``pageSize`` up to 20,
  ``pageToken``; sorted by SKU unless ``sortBy`` says otherwise).

A listing keeps its attributes as Amazon's JSON (``item_name``,
``externally_assigned_product_identifier`` with the product's EAN,
``merchant_suggested_asin``, ``condition_type``, ``fulfillment_availability``,
``purchasable_offer``...). ``fulfillment_availability`` (a non-negative
integer ``quantity`` for the ``DEFAULT`` channel) and ``purchasable_offer``
(a positive ``our_price[0].schedule[0].value_with_tax`` per marketplace and
audience) are checked; a bad value makes the submission ``INVALID`` with
issues and changes nothing. ``replace`` and ``add`` replace an attribute's
whole array; ``merge`` merges ``fulfillment_availability`` by channel and
``purchasable_offer`` by marketplace and audience. The same rules apply to
the messages of a JSON_LISTINGS_FEED (``amazon_feeds``).

This module also holds the helpers and constants the Amazon modules share.
"""

import base64
import copy
import hashlib
import json
import random
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import unquote

from . import catalog
from .server import HttpError, Response, format_timestamp

FR, DE, ES, IT, GB = (
    "A13V1IB3VIYZZH",
    "A1PA6795UKMFR9",
    "A1RKKUPIHCS9HS",
    "APJ6JRA9NG5V4",
    "A1F83G8C2ARO7P",
)
# marketplace id -> country code, currency, sales channel
MARKETPLACES = {
    FR: {"country": "FR", "currency": "EUR", "sales_channel": "Amazon.fr"},
    DE: {"country": "DE", "currency": "EUR", "sales_channel": "Amazon.de"},
    ES: {"country": "ES", "currency": "EUR", "sales_channel": "Amazon.es"},
    IT: {"country": "IT", "currency": "EUR", "sales_channel": "Amazon.it"},
    GB: {"country": "GB", "currency": "GBP", "sales_channel": "Amazon.co.uk"},
}
CENT = Decimal("0.01")
PRODUCT_TYPE = "PRODUCT"
PATCH_OPS = ("add", "replace", "merge", "delete")
ITEM_DATA = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
)
SEARCH_PARAMS = (
    "includedData",
    "identifiers",
    "identifiersType",
    "pageSize",
    "pageToken",
    "sortBy",
    "sortOrder",
    "issueLocale",
    "withStatus",
    "withoutStatus",
)
IDENTIFIER_TYPES = ("SKU", "EAN", "GTIN", "ASIN")
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 20


# ----------------------------------------------------------------------
# shared helpers
# ----------------------------------------------------------------------
def money(value):
    """Round half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def included_tax(amount, rate):
    """The tax included in a tax-included ``amount`` at ``rate`` percent."""
    return money(Decimal(amount) * Decimal(rate) / (100 + Decimal(rate)))


def sp_error(status, code, message, headers=None):
    """An SP-API error: ``{"errors": [{"code", "message", "details"}]}``."""
    return HttpError(
        status,
        message,
        errors=[{"code": code, "message": message, "details": ""}],
        headers=headers,
    )


def invalid(message):
    return sp_error(400, "InvalidInput", message)


def asin_of(seed, sku):
    """A deterministic ASIN ("B0" and 8 characters) for a SKU."""
    digest = hashlib.sha1(f"asin-{seed}-{sku}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    chars = []
    for _ in range(8):
        number, rest = divmod(number, 36)
        chars.append(alphabet[rest])
    return "B0" + "".join(chars)


def csv_values(request, name):
    """Every value of a list query parameter, repeated or comma-joined."""
    return [
        part.strip()
        for value in request.args(name)
        for part in value.split(",")
        if part.strip()
    ]


def encode_token(data):
    """An opaque pagination token holding ``data``."""
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token, name="NextToken"):
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError
        return data
    except (ValueError, TypeError) as err:
        raise invalid(f"Invalid {name}.") from err


def forbidden():
    return sp_error(403, "Unauthorized", "Access to requested resource is denied.")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ----------------------------------------------------------------------
# listings
# ----------------------------------------------------------------------
class Listing:
    """A listings item of a seller: its attributes as Amazon's JSON."""

    def __init__(self, seller_id, sku, asin, ean, kind, moment, attributes):
        self.seller_id = seller_id
        self.sku = sku
        self.asin = asin
        self.ean = ean
        self.kind = kind  # "valid", "unknown_sku" or "ean_only"
        self.product_type = PRODUCT_TYPE
        self.created = moment
        self.updated = moment
        self.attributes = attributes
        self.history = []  # (timestamp, source, number of patches)

    def quantity(self, channel="DEFAULT"):
        for entry in self.attributes.get("fulfillment_availability") or ():
            if entry.get("fulfillment_channel_code") == channel:
                return entry.get("quantity")
        return None

    def take_stock(self, quantity):
        for entry in self.attributes.get("fulfillment_availability") or ():
            if entry.get("fulfillment_channel_code") == "DEFAULT" and _is_number(
                entry.get("quantity")
            ):
                entry["quantity"] = max(0, entry["quantity"] - quantity)

    def offers(self):
        """(marketplace id, audience, currency, price Decimal) of the
        ``purchasable_offer`` entries with a price."""
        found = []
        for entry in self.attributes.get("purchasable_offer") or ():
            try:
                value = entry["our_price"][0]["schedule"][0]["value_with_tax"]
                price = money(Decimal(str(value)))
            except (KeyError, IndexError, TypeError, InvalidOperation):
                continue
            marketplace = entry.get("marketplace_id")
            currency = entry.get("currency") or MARKETPLACES.get(marketplace, {}).get(
                "currency", "EUR"
            )
            found.append((marketplace, entry.get("audience", "ALL"), currency, price))
        return found

    def price(self, marketplace_id, audience="ALL"):
        for marketplace, who, _currency, price in self.offers():
            if marketplace == marketplace_id and who == audience:
                return price
        return None

    def marketplaces(self):
        found = {offer[0] for offer in self.offers() if offer[0] in MARKETPLACES}
        for values in self.attributes.values():
            for value in values if isinstance(values, list) else ():
                if (
                    isinstance(value, dict)
                    and value.get("marketplace_id") in MARKETPLACES
                ):
                    found.add(value["marketplace_id"])
        return found

    def item_name(self):
        for value in self.attributes.get("item_name") or ():
            if isinstance(value, dict) and value.get("value"):
                return str(value["value"])
        return self.sku

    def render(self, marketplace_ids, included):
        """The ``Item`` of getListingsItem / searchListingsItems."""
        item = {"sku": self.sku}
        wanted = [m for m in marketplace_ids if m in self.marketplaces()]
        quantity = self.quantity()
        if "summaries" in included:
            item["summaries"] = [
                {
                    "marketplaceId": marketplace,
                    "asin": self.asin,
                    "productType": self.product_type,
                    "conditionType": "new_new",
                    "status": (
                        ["BUYABLE", "DISCOVERABLE"]
                        if quantity and self.price(marketplace) is not None
                        else ["DISCOVERABLE"]
                    ),
                    "itemName": self.item_name(),
                    "createdDate": format_timestamp(self.created),
                    "lastUpdatedDate": format_timestamp(self.updated),
                }
                for marketplace in wanted
            ]
        if "attributes" in included:
            item["attributes"] = copy.deepcopy(self.attributes)
        if "issues" in included:
            item["issues"] = []
        if "offers" in included:
            item["offers"] = [
                {
                    "marketplaceId": marketplace,
                    "offerType": "B2B" if audience == "B2B" else "B2C",
                    "price": {"currencyCode": currency, "amount": str(price)},
                    "audience": {
                        "value": audience,
                        "displayName": (
                            "Amazon Business" if audience == "B2B" else "Sell on Amazon"
                        ),
                    },
                }
                for marketplace, audience, currency, price in self.offers()
                if marketplace in marketplace_ids
            ]
        if "fulfillmentAvailability" in included:
            item["fulfillmentAvailability"] = [
                {
                    "fulfillmentChannelCode": entry["fulfillment_channel_code"],
                    **(
                        {"quantity": entry["quantity"]}
                        if _is_number(entry.get("quantity"))
                        else {}
                    ),
                }
                for entry in self.attributes.get("fulfillment_availability") or ()
                if isinstance(entry.get("fulfillment_channel_code"), str)
            ]
        if "productTypes" in included:
            item["productTypes"] = [
                {"marketplaceId": m, "productType": self.product_type} for m in wanted
            ]
        if "relationships" in included:
            item["relationships"] = []
        if "procurement" in included:
            item["procurement"] = []
        return item

    def record(self):
        """The internal record, JSON-ready (for tests)."""
        return {
            "seller_id": self.seller_id,
            "sku": self.sku,
            "asin": self.asin,
            "ean": self.ean,
            "kind": self.kind,
            "product_type": self.product_type,
            "quantity": self.quantity(),
            "prices": {
                f"{marketplace}:{audience}" if audience != "ALL" else marketplace: str(
                    price
                )
                for marketplace, audience, _currency, price in self.offers()
            },
            "attributes": copy.deepcopy(self.attributes),
            "created": format_timestamp(self.created),
            "updated": format_timestamp(self.updated),
            "history_count": len(self.history),
            "history": [list(step) for step in self.history],
        }


def _issue(code, message, attribute=None, category="INVALID_ATTRIBUTE"):
    issue = {
        "code": code,
        "message": message,
        "severity": "ERROR",
        "categories": [category] if category else [],
    }
    if attribute:
        issue["attributeNames"] = [attribute]
    return issue


def patch_issues(patches):
    """Problems of a list of patches: issues with code ``INVALID_REQUEST``
    (the request itself is wrong) or ``INVALID_VALUE`` (a bad attribute
    value)."""
    if not isinstance(patches, list) or not patches:
        return [_issue("INVALID_REQUEST", "patches must be a non-empty array.")]
    issues = []
    for number, patch in enumerate(patches):
        where = f"patches[{number}]"
        if not isinstance(patch, dict):
            issues.append(_issue("INVALID_REQUEST", f"{where} must be an object."))
            continue
        op, path, value = patch.get("op"), patch.get("path"), patch.get("value")
        if op not in PATCH_OPS:
            issues.append(
                _issue("INVALID_REQUEST", f"{where}.op must be one of {PATCH_OPS}.")
            )
            continue
        name = path[len("/attributes/") :] if isinstance(path, str) else ""
        if (
            not isinstance(path, str)
            or not path.startswith("/attributes/")
            or (not name or "/" in name)
        ):
            issues.append(
                _issue(
                    "INVALID_REQUEST",
                    f"{where}.path must be /attributes/<name> (top-level attributes "
                    "only).",
                )
            )
            continue
        if op == "delete" and value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            issues.append(
                _issue(
                    "INVALID_REQUEST",
                    f"{where}.value must be an array of objects.",
                    name,
                )
            )
            continue
        if op == "delete":
            continue
        if name == "fulfillment_availability":
            issues += _availability_issues(value, op)
        elif name == "purchasable_offer":
            issues += _offer_issues(value, op)
    return issues


def _availability_issues(values, op):
    issues = []
    name = "fulfillment_availability"
    for entry in values:
        code = entry.get("fulfillment_channel_code")
        if not isinstance(code, str) or not code:
            issues.append(
                _issue("INVALID_VALUE", "fulfillment_channel_code is required.", name)
            )
            continue
        quantity = entry.get("quantity")
        if quantity is None and (op == "merge" or code != "DEFAULT"):
            continue
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            issues.append(
                _issue(
                    "INVALID_VALUE",
                    f"The value {quantity!r} of fulfillment_availability.quantity is "
                    "invalid: a non-negative integer is required.",
                    name,
                )
            )
    return issues


def _offer_issues(values, op):
    issues = []
    name = "purchasable_offer"
    for entry in values:
        marketplace = entry.get("marketplace_id")
        if marketplace not in MARKETPLACES:
            issues.append(
                _issue(
                    "INVALID_VALUE",
                    f"purchasable_offer.marketplace_id {marketplace!r} is invalid.",
                    name,
                )
            )
            continue
        currency = entry.get("currency")
        if currency is not None and currency != MARKETPLACES[marketplace]["currency"]:
            issues.append(
                _issue(
                    "INVALID_VALUE",
                    f"purchasable_offer.currency {currency!r} is not the currency of "
                    f"marketplace {marketplace}.",
                    name,
                )
            )
        if entry.get("audience", "ALL") not in ("ALL", "B2B"):
            issues.append(
                _issue("INVALID_VALUE", "purchasable_offer.audience is invalid.", name)
            )
        prices = entry.get("our_price")
        if prices is None and op == "merge":
            continue
        try:
            value = prices[0]["schedule"][0]["value_with_tax"]
        except (KeyError, IndexError, TypeError):
            issues.append(
                _issue(
                    "INVALID_VALUE",
                    "purchasable_offer.our_price[0].schedule[0].value_with_tax is "
                    "required.",
                    name,
                    "MISSING_ATTRIBUTE",
                )
            )
            continue
        if not _is_number(value) or value <= 0:
            issues.append(
                _issue(
                    "INVALID_VALUE",
                    f"The value {value!r} of purchasable_offer.our_price is invalid: "
                    "a price greater than 0 is required.",
                    name,
                )
            )
    return issues


def _merge_key(name, entry):
    if name == "fulfillment_availability":
        return entry.get("fulfillment_channel_code")
    if name == "purchasable_offer":
        return entry.get("marketplace_id"), entry.get("audience", "ALL")
    return entry.get("marketplace_id"), entry.get("language_tag")


def apply_patches(listing, patches):
    """Apply checked patches to a listing's attributes."""
    for patch in patches:
        name = patch["path"][len("/attributes/") :]
        value = copy.deepcopy(patch.get("value"))
        if patch["op"] == "delete":
            listing.attributes.pop(name, None)
        elif patch["op"] == "merge" and name in listing.attributes:
            current = listing.attributes[name]
            for entry in value:
                key = _merge_key(name, entry)
                for existing in current:
                    if _merge_key(name, existing) == key:
                        existing.update(entry)
                        break
                else:
                    current.append(entry)
        else:
            listing.attributes[name] = value


class AmazonListingsMixin:
    """Listings Items routes and store of ``AmazonEmulator``."""

    def register_listing_routes(self):
        item = "/listings/2021-08-01/items/(?P<seller_id>[^/]+)/(?P<sku>[^/]+)"
        self.api(
            "GET",
            item,
            "getListingsItem",
            self.get_listings_item,
            ("includedData", "issueLocale"),
        )
        self.api(
            "PATCH",
            item,
            "patchListingsItem",
            self.patch_listings_item,
            ("includedData", "mode", "issueLocale"),
        )
        self.api(
            "GET",
            "/listings/2021-08-01/items/(?P<seller_id>[^/]+)",
            "searchListingsItems",
            self.search_listings_items,
            SEARCH_PARAMS,
        )
        self.admin_route("POST", "/listings", self._admin_create_listings)
        self.admin_route(
            "GET",
            "/listings/(?P<seller_id>[^/]+)/(?P<sku>[^/]+)",
            self._admin_get_listing,
        )

    # -- data ---------------------------------------------------------
    def populate_offers(self, count, unknown_sku_share=0.0, ean_only_share=0.0, **_):
        """``count`` listings in every seller (the other shares of the
        command line are Mirakl's and ignored)."""
        for seller_id in self.sellers:
            self.create_listings(
                seller_id,
                count,
                unknown_sku_share=unknown_sku_share,
                ean_only_share=ean_only_share,
            )

    def create_listings(
        self,
        seller_id,
        count,
        unknown_sku_share=0.0,
        ean_only_share=0.0,
        quantity=None,
        marketplace_id=FR,
    ):
        """Create ``count`` listings of a seller from the catalogue (in its
        order, after the products already listed); return their SKUs.

        Exactly ``round(count * unknown_sku_share)`` have a SKU and an EAN in
        no catalogue, ``round(count * ean_only_share)`` an unknown SKU and
        their product's EAN. ``quantity``: the DEFAULT stock of every
        listing (default: drawn, 0 to 50). The price is the catalogue's, on
        ``marketplace_id``.
        """
        seller = self.seller(seller_id)
        count = int(count)
        if marketplace_id not in MARKETPLACES:
            raise ValueError(f"unknown marketplace {marketplace_id!r}")
        n_unknown = round(count * float(unknown_sku_share))
        n_ean_only = round(count * float(ean_only_share))
        if (
            count < 0
            or n_unknown < 0
            or n_ean_only < 0
            or n_unknown + n_ean_only > count
        ):
            raise ValueError("count >= 0 and shares adding up to 1 at most required")
        if quantity is not None and (not isinstance(quantity, int) or quantity < 0):
            raise ValueError("quantity must be a non-negative integer")
        currency = MARKETPLACES[marketplace_id]["currency"]
        with self.lock:
            start = seller.next_listing
            picker = random.Random(f"amazon-listings-{self.seed}-{seller_id}-{start}")
            chosen = picker.sample(range(count), n_unknown + n_ean_only)
            unknown, ean_only = set(chosen[:n_unknown]), set(chosen[n_unknown:])
            moment = self.clock.now()
            skus = []
            for offset in range(count):
                index = start + offset
                product = catalog.product(self.seed, index)
                rng = random.Random(f"amazon-listing-{self.seed}-{seller_id}-{index}")
                sku, ean, name, kind = (
                    product["sku"],
                    product["ean"],
                    product["name"],
                    "valid",
                )
                number = seller.number * 100_000 + index
                if offset in unknown:
                    sku, ean = catalog.unknown_sku(number), catalog.unknown_ean(number)
                    name, kind = f"Article hors catalogue {index + 1}", "unknown_sku"
                elif offset in ean_only:
                    sku, kind = catalog.unknown_sku(number), "ean_only"
                stock = quantity if quantity is not None else rng.randint(0, 50)
                asin = asin_of(
                    self.seed, sku if kind == "unknown_sku" else product["sku"]
                )
                tag = {"marketplace_id": marketplace_id}
                attributes = {
                    "item_name": [{"value": name, "language_tag": "fr_FR", **tag}],
                    "externally_assigned_product_identifier": [
                        {"type": "ean", "value": ean, **tag}
                    ],
                    "merchant_suggested_asin": [{"value": asin, **tag}],
                    "condition_type": [{"value": "new_new", **tag}],
                    "fulfillment_availability": [
                        {"fulfillment_channel_code": "DEFAULT", "quantity": stock}
                    ],
                    "purchasable_offer": [
                        {
                            "marketplace_id": marketplace_id,
                            "currency": currency,
                            "audience": "ALL",
                            "our_price": [
                                {
                                    "schedule": [
                                        {"value_with_tax": float(product["price"])}
                                    ]
                                }
                            ],
                        }
                    ],
                }
                seller.listings[sku] = Listing(
                    seller_id, sku, asin, ean, kind, moment, attributes
                )
                skus.append(sku)
            seller.next_listing = start + count
        return skus

    def listing_record(self, seller_id, sku):
        with self.lock:
            listing = self.seller(seller_id).listings.get(sku)
            if listing is None:
                raise ValueError(f"no listing {sku!r} for seller {seller_id}")
            return listing.record()

    # -- API ----------------------------------------------------------
    def _own_seller(self, request, caller):
        if request.params["seller_id"] != caller.seller.seller_id:
            raise forbidden()
        return caller.seller

    def _listing_marketplaces(self, request):
        values = csv_values(request, "marketplaceIds")
        if not values:
            raise invalid("marketplaceIds is required.")
        unknown = [value for value in values if value not in MARKETPLACES]
        if unknown:
            raise invalid(f"Invalid marketplaceIds: {', '.join(unknown)}.")
        if len(values) > 1:
            raise invalid("Only one marketplaceId is supported.")
        return values

    @staticmethod
    def _included(request, allowed=ITEM_DATA, default=("summaries",)):
        values = csv_values(request, "includedData") or list(default)
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise invalid(f"Invalid includedData: {', '.join(unknown)}.")
        return values

    def get_listings_item(self, request, caller):
        seller = self._own_seller(request, caller)
        marketplaces = self._listing_marketplaces(request)
        included = self._included(request)
        sku = unquote(request.params["sku"])
        with self.lock:
            listing = seller.listings.get(sku)
            if listing is None:
                raise sp_error(
                    404,
                    "NOT_FOUND",
                    f"SKU '{sku}' not found in marketplace {marketplaces[0]}",
                )
            return Response.json(listing.render(marketplaces, included))

    def patch_listings_item(self, request, caller):
        """patchListingsItem: ACCEPTED (applied at once), VALID (preview)
        or INVALID with issues."""
        seller = self._own_seller(request, caller)
        marketplaces = self._listing_marketplaces(request)
        included = self._included(request, ("identifiers", "issues"), ("issues",))
        mode = request.arg("mode")
        if mode not in (None, "", "VALIDATION_PREVIEW"):
            raise invalid(f"Invalid mode {mode!r}.")
        body = request.json_object()
        if not isinstance(body.get("productType"), str) or not body["productType"]:
            raise invalid("productType is required.")
        issues = patch_issues(body.get("patches"))
        bad_request = [i["message"] for i in issues if i["code"] == "INVALID_REQUEST"]
        if bad_request:
            raise invalid(" ".join(bad_request))
        sku = unquote(request.params["sku"])
        with self.lock:
            seller.submissions += 1
            submission = f"{seller.seller_id.lower()}-{seller.submissions:08d}"
            listing = seller.listings.get(sku)
            if listing is None:
                issues = [
                    _issue(
                        "NOT_FOUND",
                        f"SKU '{sku}' not found in marketplace {marketplaces[0]}: a "
                        "listing must exist before it can be patched.",
                        category=None,
                    )
                ]
            if issues:
                status = "INVALID"
            elif mode == "VALIDATION_PREVIEW":
                status = "VALID"
            else:
                status = "ACCEPTED"
                apply_patches(listing, body["patches"])
                listing.updated = self.clock.now()
                listing.history.append(
                    (format_timestamp(listing.updated), "patch", len(body["patches"]))
                )
        answer = {"sku": sku, "status": status, "submissionId": submission}
        answer["issues"] = issues
        if "identifiers" in included and listing is not None:
            answer["identifiers"] = [
                {"marketplaceId": marketplaces[0], "asin": listing.asin}
            ]
        return Response.json(answer)

    def search_listings_items(self, request, caller):
        """searchListingsItems: filters, sort, pages of ``pageSize``."""
        seller = self._own_seller(request, caller)
        marketplaces = self._listing_marketplaces(request)
        included = self._included(request)
        identifiers = csv_values(request, "identifiers")
        kind = request.arg("identifiersType")
        if identifiers and kind not in IDENTIFIER_TYPES:
            raise invalid(
                "identifiersType is required with identifiers and must be one of "
                f"{', '.join(IDENTIFIER_TYPES)}."
            )
        if len(identifiers) > 20:
            raise invalid("identifiers: 20 values at most.")
        size = request.arg("pageSize") or str(DEFAULT_PAGE_SIZE)
        if not size.isdigit() or not 1 <= int(size) <= MAX_PAGE_SIZE:
            raise invalid(f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")
        sort_by = request.arg("sortBy") or "sku"
        if sort_by not in ("sku", "createdDate", "lastUpdatedDate"):
            raise invalid(f"Invalid sortBy {sort_by!r}.")
        order = request.arg("sortOrder") or "ASC"
        if order not in ("ASC", "DESC"):
            raise invalid(f"Invalid sortOrder {order!r}.")
        offset = 0
        token = request.arg("pageToken")
        if token:
            state = decode_token(token, "pageToken")
            offset = state.get("o")
            if state.get("seller") != seller.seller_id or not isinstance(offset, int):
                raise invalid("Invalid pageToken.")
        wanted = set(identifiers)
        with self.lock:
            found = []
            for listing in seller.listings.values():
                if wanted:
                    value = {
                        "SKU": listing.sku,
                        "EAN": listing.ean,
                        "GTIN": listing.ean,
                        "ASIN": listing.asin,
                    }[kind]
                    if value not in wanted:
                        continue
                found.append(listing)
            sort_key = {
                "sku": lambda x: (x.sku,),
                "createdDate": lambda x: (x.created, x.sku),
                "lastUpdatedDate": lambda x: (x.updated, x.sku),
            }[sort_by]
            found.sort(key=sort_key, reverse=order == "DESC")
            page = found[offset : offset + int(size)]
            items = [listing.render(marketplaces, included) for listing in page]
        answer = {"numberOfResults": len(found), "items": items}
        if offset + int(size) < len(found):
            answer["pagination"] = {
                "nextToken": encode_token(
                    {"seller": seller.seller_id, "o": offset + int(size)}
                )
            }
        return Response.json(answer)

    # -- admin --------------------------------------------------------
    def _admin_create_listings(self, request):
        arguments = dict(request.json_object())
        seller_id = arguments.pop("seller_id", next(iter(self.sellers)))
        count = arguments.pop("count", 1)
        try:
            skus = self.create_listings(seller_id, count, **arguments)
        except TypeError as err:
            raise ValueError(str(err)) from err
        return Response.json({"skus": skus})

    def _admin_get_listing(self, request):
        return Response.json(
            self.listing_record(
                request.params["seller_id"], unquote(request.params["sku"])
            )
        )
