"""P11 of the Mirakl emulator: the offers of every shop on given products.

``GET /api/products/offers`` as the seller OpenAPI describes it:

- ``product_ids`` (Mirakl product SKUs, ``MKP00000001``) or
  ``product_references`` (``EAN|3760420000017,...``), together at most 100
  values (400 beyond, or when neither is given, or on a reference without
  its ``type|`` part); a product the operator does not know is left out of
  the answer, as Mirakl does;
- per product, the offers of every shop: the sandbox shops' own offers
  (the caller's among them, with its ``shop_id``) and the competitor shops
  of ``mirakl_competitors``; only active offers unless ``all_offers=true``;
  ``offer_state_codes``, ``channel_codes`` (unless ``all_channels=true``),
  ``shipping_zones`` (unless ``all_shipping_zones=true``: an offer shipping
  to none of them is left out; ``min_shipping_*`` is the cheapest rate in
  the zones chosen) filter them; ``pricing_channel_code`` picks the
  channel's price where the offer has one;
- sort ``bestPrice`` (default: total price, premium shops first, better
  grade first) or ``bestEvaluation`` (grade, total price, premium);
- offset paging per product: ``max`` offers (default 10, at most 100) from
  ``offset``; the product's ``total_count`` counts every offer left by the
  filters.

Admin routes: ``POST /_sandbox/competitors`` ``{"product": <EAN or product
SKU>, "offers": [...]}`` fixes a product's competitors (see
``competitor_of``; ``"offers": null`` gives back the drawn ones);
``GET /_sandbox/competitors?product=`` shows them as P11 would now.
"""

from datetime import timedelta

from . import catalog
from .mirakl_competitors import (
    FIRST_OFFER_ID,
    SHIPPING_TYPES,
    ZONES,
    Competitor,
    competitor_of,
    drawn_competitors,
)
from .mirakl_offer_store import parse_cents
from .mirakl_offers import (
    CATEGORY,
    DEFAULT_OFFER_PAGE,
    MAX_OFFER_PAGE,
    PLATFORM_DEFAULTS,
    _offer_page,
    product_sku,
)
from .server import HttpError, Response, format_timestamp

P11_PARAMS = (
    "product_ids",
    "product_references",
    "offer_state_codes",
    "all_offers",
    "channel_codes",
    "all_channels",
    "pricing_channel_code",
    "pricing_customer_organization_id",
    "shipping_zones",
    "all_shipping_zones",
    "max",
    "offset",
    "sort",
)
MAX_P11_PRODUCTS = 100
DEFAULT_P11_PAGE = DEFAULT_OFFER_PAGE
MAX_P11_PAGE = MAX_OFFER_PAGE
P11_SORTS = ("bestPrice", "bestEvaluation")
OVERRIDE_OFFER_IDS = FIRST_OFFER_ID * 2  # offer ids of fixed competitors


class MiraklP11Mixin:
    """P11 route, competitor overrides and their admin routes of
    ``MiraklEmulator`` (which calls ``reset_competitors`` on reset)."""

    def register_p11_routes(self):
        self.route(
            "GET", "/api/products/offers", "P11", self.product_offers, params=P11_PARAMS
        )
        self.admin_route("POST", "/competitors", self._admin_set_competitors)
        self.admin_route("GET", "/competitors", self._admin_competitors)
        self.admin_help = {
            **self.admin_help,
            "POST /_sandbox/competitors": 'fix a product\'s competitors: {"product", '
            '"offers": [{"shop_id", "shop_name", "price", "shipping"...}]}',
            "GET /_sandbox/competitors": "a product's offers as P11 shows them "
            "(?product=)",
        }

    def reset_competitors(self):
        self.competitor_overrides = {}  # catalogue index -> [Competitor]

    # -- Python API --------------------------------------------------------
    def set_competitors(self, product, offers):
        """Fix the competitors of ``product`` (EAN or Mirakl product SKU):
        dicts as ``competitor_of`` reads them; None: the drawn ones again."""
        index = self._p11_index(product)
        if index is None:
            raise ValueError(f"unknown product {product!r}")
        if offers is None:
            with self.lock:
                self.competitor_overrides.pop(index, None)
            return
        fixed = [
            competitor_of(data, OVERRIDE_OFFER_IDS + index * 100 + number)
            for number, data in enumerate(offers)
        ]
        with self.lock:
            self.competitor_overrides[index] = fixed

    def _p11_index(self, product):
        return product_index(self.seed, product)

    # -- P11 -----------------------------------------------------------------
    def product_offers(self, request, shop):
        indexes = _requested_indexes(request, self.seed)
        view = _P11View.from_request(request)
        now = self.clock.now()
        hour = int(now.timestamp() // 3600)
        with self.lock:
            sold = self._store_offers(set(indexes), now)
            products = []
            for index in indexes:
                item = catalog.product(self.seed, index)
                offers = self._p11_competitors(index, item, hour) + sold.get(index, [])
                products.append(view.product_json(index, item, offers, now))
        return Response.json({"products": products})

    def _p11_competitors(self, index, item, hour):
        fixed = self.competitor_overrides.get(index)
        if fixed is not None:
            return list(fixed)
        base = parse_cents(item["price"])
        return drawn_competitors(self.seed, index, base, hour)

    def _store_offers(self, indexes, now):
        """index -> the sandbox shops' offers on those catalogue products."""
        found = {}
        for owner in self.shops.values():
            for offer in owner.offers.values():
                index = self._p11_index(offer.product_sku)
                if index not in indexes or offer.kind == "unknown":
                    continue
                leadtime = (offer.details or PLATFORM_DEFAULTS).get(
                    "leadtime_to_ship", PLATFORM_DEFAULTS["leadtime_to_ship"]
                )
                found.setdefault(index, []).append(
                    Competitor(
                        offer_id=offer.offer_id,
                        shop_id=owner.shop_id,
                        shop_name=owner.name,
                        cents=offer.shown_cents(now),
                        state_code=offer.state_code,
                        quantity=offer.quantity,
                        leadtime=leadtime or 1,
                    )
                )
        return found

    # -- admin -----------------------------------------------------------------
    def _admin_set_competitors(self, request):
        body = request.json_object()
        try:
            self.set_competitors(body.get("product"), body.get("offers"))
        except ValueError as err:
            raise HttpError(400, str(err)) from err
        return Response.json({"product": body.get("product")})

    def _admin_competitors(self, request):
        index = self._p11_index(request.arg("product"))
        if index is None:
            raise HttpError(404, f"unknown product {request.arg('product')!r}")
        now = self.clock.now()
        item = catalog.product(self.seed, index)
        with self.lock:
            offers = self._p11_competitors(index, item, int(now.timestamp() // 3600))
            offers += self._store_offers({index}, now).get(index, [])
        view = _P11View(all_offers=True, limit=MAX_P11_PAGE)
        return Response.json(view.product_json(index, item, offers, now))


def product_index(seed, product):
    """The catalogue index of a Mirakl product SKU or an EAN, or None."""
    text = str(product or "").strip()
    if text.startswith("MKP"):
        number = text[3:]
        if number.isdigit() and 0 < int(number) <= catalog.MAX_INDEX + 1:
            return int(number) - 1
        return None
    return catalog.index_of_ean(seed, text)


def _requested_indexes(request, seed):
    """The catalogue indexes of the products asked for, each once, in the
    order asked (unknown ones left out); 400 on a bad request."""
    ids = _csv(request.arg("product_ids"))
    references = _csv(request.arg("product_references"))
    if not ids and not references:
        raise HttpError(400, "One of product_ids or product_references is required")
    if len(ids) + len(references) > MAX_P11_PRODUCTS:
        raise HttpError(
            400, f"At most {MAX_P11_PRODUCTS} product_ids and product_references"
        )
    indexes = []
    for value in ids:
        indexes.append(product_index(seed, value) if value.startswith("MKP") else None)
    for reference in references:
        kind, bar, value = reference.partition("|")
        if not bar or not kind.strip() or not value.strip():
            raise HttpError(
                400, f"Invalid product reference {reference!r}: <type>|<value> expected"
            )
        # the sandbox's products have EANs only: another type finds nothing
        if kind.strip().upper() == "EAN":
            indexes.append(catalog.index_of_ean(seed, value.strip()))
    return list(dict.fromkeys(i for i in indexes if i is not None))


def _csv(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _bool(request, name):
    value = (request.arg(name) or "").strip().lower()
    if value not in ("", "true", "false"):
        raise HttpError(400, f"{name} must be true or false, not {value!r}")
    return value == "true"


class _P11View:
    """What a P11 request keeps of the offers, and how it writes them."""

    def __init__(
        self,
        all_offers=False,
        states=(),
        channels=(),
        pricing_channel=None,
        zones=(),
        sort="bestPrice",
        offset=0,
        limit=DEFAULT_P11_PAGE,
    ):
        self.all_offers, self.states, self.channels = all_offers, states, channels
        self.pricing_channel, self.zones = pricing_channel, zones
        self.sort, self.offset, self.limit = sort, offset, limit

    @classmethod
    def from_request(cls, request):
        offset, limit = _offer_page(request)  # OF21's: 10 by default, 100 at most
        sort = request.arg("sort") or "bestPrice"
        if sort not in P11_SORTS:
            raise HttpError(400, f"Unknown sort field {sort!r}: {', '.join(P11_SORTS)}")
        channels = request.arg("channel_codes")
        if _bool(request, "all_channels"):
            channels = None
        zones = request.arg("shipping_zones")
        if _bool(request, "all_shipping_zones"):
            zones = None
        return cls(
            all_offers=_bool(request, "all_offers"),
            states=tuple(_csv(request.arg("offer_state_codes"))),
            channels=tuple(_csv(channels or "")),
            pricing_channel=(request.arg("pricing_channel_code") or "").strip() or None,
            zones=tuple(_csv(zones or "")),
            sort=sort,
            offset=offset,
            limit=limit,
        )

    # -- selection -------------------------------------------------------------
    def rates(self, offer):
        """(cents, zone, type) of every shipping rate in the chosen zones."""
        return [
            (cents, zone, kind)
            for zone, kinds in offer.shipping.items()
            if not self.zones or zone in self.zones
            for kind, cents in kinds.items()
        ]

    def keeps(self, offer):
        if not self.all_offers and offer.quantity <= 0:
            return False
        if self.states and offer.state_code not in self.states:
            return False
        if self.channels and not set(self.channels) & set(offer.channels):
            return False
        return bool(self.rates(offer))

    def price(self, offer):
        if self.pricing_channel and self.pricing_channel in offer.channel_cents:
            return offer.channel_cents[self.pricing_channel]
        return offer.cents

    def sort_key(self, offer):
        total = self.price(offer) + min(self.rates(offer))[0]
        if self.sort == "bestEvaluation":
            return (-offer.grade, total, not offer.premium, offer.offer_id)
        return (total, not offer.premium, -offer.grade, offer.offer_id)

    # -- rendering -------------------------------------------------------------
    def product_json(self, index, item, offers, now):
        kept = sorted((o for o in offers if self.keeps(o)), key=self.sort_key)
        page = kept[self.offset : self.offset + self.limit]
        product = {
            "category_code": CATEGORY[0],
            "category_label": CATEGORY[1],
            "offers": [self.offer_json(offer, now) for offer in page],
            "product_references": [{"reference": item["ean"], "reference_type": "EAN"}],
            "product_sku": product_sku(index),
            "product_title": item["name"],
            "total_count": len(kept),
        }
        if index % 3:  # the brand is optional: some products have none
            product["product_brand"] = "Sandbox"
        return product

    def offer_json(self, offer, now):
        rates = sorted(self.rates(offer))
        cheapest, zone, kind = rates[0]
        price = self.price(offer)
        deadline = format_timestamp(
            (now + timedelta(days=offer.leadtime)).replace(
                hour=23, minute=59, second=59, microsecond=0
            )
        )
        record = {
            "active": offer.quantity > 0,
            "all_prices": _all_prices(offer),
            "applicable_pricing": _price_json(
                price, self.pricing_channel if price != offer.cents else None
            ),
            "channels": list(offer.channels),
            "currency_iso_code": "EUR",
            "description": f"Offre {offer.shop_name}",
            "is_professional": offer.is_professional,
            "leadtime_to_ship": offer.leadtime,
            "logistic_class": {"code": "S", "label": "Petit"},
            "min_quantity_alert": 0,
            "min_shipping_price": cheapest / 100,
            "min_shipping_price_additional": 0.0,
            "min_shipping_type": kind,
            "min_shipping_zone": zone,
            "nb_evaluation": offer.evaluations,
            "offer_id": offer.offer_id,
            "premium": offer.premium,
            "price": price / 100,
            "quantity": offer.quantity,
            "shipping_deadline": deadline,
            "shipping_types": [_shipping_json(*rate) for rate in rates],
            "shop_grade": float(offer.grade),
            "shop_id": offer.shop_id,
            "shop_name": offer.shop_name,
            "state_code": offer.state_code,
            "total_price": (price + cheapest) / 100,
        }
        if not record["active"]:
            record["inactivity_reasons"] = ["ZERO_QUANTITY"]
        return record


def _price_json(cents, channel=None):
    amount = cents / 100
    record = {
        "price": amount,
        "unit_origin_price": amount,
        "volume_prices": [
            {
                "price": amount,
                "quantity_threshold": 1,
                "unit_discount_price": amount,
                "unit_origin_price": amount,
            }
        ],
    }
    if channel:  # the default price has no channel code (the schema's null)
        record["channel_code"] = channel
        record["context"] = {"channel_codes": [channel]}
    return record


def _all_prices(offer):
    prices = [_price_json(offer.cents)]
    prices += [_price_json(c, code) for code, c in sorted(offer.channel_cents.items())]
    return prices


def _shipping_json(cents, zone, kind):
    return {
        "code": kind,
        "label": SHIPPING_TYPES.get(kind, kind),
        "shipping_price_type": "FREE_SHIPPING" if not cents else "FIXED_PRICE",
        "shipping_price_unit": cents / 100,
        "shipping_zone_code": zone,
        "shipping_zone_label": ZONES.get(zone, zone),
    }
