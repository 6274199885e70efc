"""Offers, offer batches and competitors' prices of the Fnac Darty store
(a mixin of ``FnacStore``: it gives ``seed``, ``lock``, ``clock``,
``products``, ``generator``, ``shops``, ``shop()``, ``batch_polls`` and
``price_moves``).

Offers (OffersQueryService.xsd) are keyed by their SKU (``offer_seller_id``),
or by their ``offer_fnac_id`` when the SKU is empty (a malformed record).
``offers_update`` applies each offer at once (price and/or quantity, and the
other fields given; conditions, showcase and promotions left as they are
when absent; ``treatment`` delete removes it) and records a batch whose
``batch_status`` answers ACTIVE, then RUNNING, for ``batch_polls`` polls,
then its result: OK (every offer OK), WARNING (some in error) or ERROR
(all), with each offer's status and errors.

Competitors (PricingQueryService.xsd): per product, 0 to 6 other sellers'
offers drawn from the seed and the EAN (professional, not professional, and
Fnac itself), whose prices move with the clock when ``price_moves`` is on (a
seeded step per product, seller and hour); ``set_competitors`` replaces them
for one shop and product (fixed prices).
"""

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from . import catalog
from .fnac_data import (
    ZERO,
    index_of_product_fnac_id,
    money,
    pick_kinds,
    product_fnac_id,
    stable_uuid,
)

OFFER_DEFECTS = {
    "empty_sku": "the offer's offer_seller_id is empty",
    "empty_product_id": "the offer's product_fnac_id is empty",
}
MIN_PRICE = Decimal("0.90")  # excluded
MAX_PRICE = Decimal("20000")
MAX_QUANTITY = 9999
CONDITIONS = ("11", "10", "1", "2", "3", "4", "5", "6", "7", "8")
USED = ("1", "2", "3", "4", "5", "6", "7", "8")
_SELLERS = (
    ("MegaStore Pro", "professional"),
    ("Boutique Déstock", "professional"),
    ("Hexa Distribution", "professional"),
    ("LeBonPlan Électro", "professional"),
    ("Jean-Marc D.", "not professional"),
    ("Sophie L.", "not professional"),
    ("Fnac", "fnac"),
)
_SHIPPINGS = ("0.00", "0.00", "2.99", "4.99", "6.90")


@dataclass
class Offer:
    offer_fnac_id: str
    sku: str
    ean: str
    product_fnac_id: str
    product_name: str
    price: Decimal
    quantity: int
    product_state: str
    created: datetime
    updated: datetime
    description: str = ""
    internal_comment: str = ""
    showcase: object = None  # None: absent, "": empty, or a number
    instead_of_price: Decimal = None
    adherent_price: Decimal = None
    time_to_ship: int = None
    promotion_code_id: int = None
    is_shipping_free: bool = None
    kind: str = "valid"
    defect: str = None

    @property
    def key(self):
        return self.sku or self.offer_fnac_id

    @property
    def fee_excluding_taxes(self):
        return money(self.price * Decimal("0.12"))

    @property
    def fee_including_all_taxes(self):
        return money(self.fee_excluding_taxes * Decimal("1.2"))


@dataclass
class Batch:
    batch_id: str
    shop_id: str
    results: list  # per offer: {"status", "sku", "offer_fnac_id", ...}
    created: datetime
    polls: int = 0

    @property
    def final_status(self):
        errors = sum(1 for result in self.results if result["status"] == "ERROR")
        if not errors:
            return "OK"
        return "ERROR" if errors == len(self.results) else "WARNING"


class OffersMixin:
    """Offers, batches and competitors (module docstring)."""

    def reset_offers(self):
        self.offer_tables = {shop_id: {} for shop_id in self.shops}
        self.batch_tables = {shop_id: {} for shop_id in self.shops}
        self.competitor_overrides = {}  # (shop id, ean) -> [rows]
        self.batch_counter = 0

    # -- offers --------------------------------------------------------------
    def create_offers(
        self,
        shop_id,
        count,
        *,
        unknown_sku_share=0.0,
        malformed_share=0.0,
        catalog_start=0,
    ):
        """``count`` offers of catalogue products from ``catalog_start`` (or
        unknown SKUs, or malformed, ``OFFER_DEFECTS`` in turn, exactly
        ``round(count * share)`` each); returns their keys."""
        shop = self.shop(shop_id)
        count, start = int(count), int(catalog_start)
        if start < 0 or start + count - 1 > catalog.MAX_INDEX:
            raise ValueError(f"catalogue range out of 0..{catalog.MAX_INDEX}")
        kinds = pick_kinds(
            f"fnac-offers-{self.seed}-{shop.slot}-{start}-{count}",
            count,
            unknown_sku_share,
            malformed_share,
            unknown="unknown_sku",
        )
        table = self.offer_tables[shop.shop_id]
        keys = []
        with self.lock:
            now = self.clock.now()
            for offset in range(count):
                offer = self._new_offer(shop, start + offset, kinds.get(offset), now)
                if kinds.get(offset) == "malformed":
                    offer.defect = tuple(OFFER_DEFECTS)[len(keys) % len(OFFER_DEFECTS)]
                    _apply_offer_defect(offer)
                table[offer.key] = offer
                keys.append(offer.key)
        return keys

    def _new_offer(self, shop, index, kind, now):
        rng = random.Random(f"fnac-offer-{self.seed}-{shop.slot}-{index}")
        product = self.generator.product(index)
        sku = product["sku"] if kind != "unknown_sku" else catalog.unknown_sku(index)
        draw = rng.random()
        price = Decimal(product["price"])
        if draw < 0.05:
            price = money(Decimal(rng.randrange(91, 250)) / 100)
        offer = _offer_of(shop, sku, index, product, price, now)
        offer.quantity = rng.choice((0, 1, 2, 5, 10, 25, 100))
        if rng.random() >= 0.9:
            offer.product_state = rng.choice(CONDITIONS[1:])
        offer.kind = kind or "valid"
        if rng.random() < 0.2:
            offer.description = "Neuf, expédié sous 48h"
        if rng.random() < 0.1:
            offer.internal_comment = f"Allée {rng.randrange(1, 40)}"
        offer.showcase = rng.choice((None, None, "", 0, 1, 3))
        if rng.random() < 0.1:
            offer.instead_of_price = money(price * Decimal("1.2"))
        if rng.random() < 0.03:
            offer.adherent_price = max(money(price * Decimal("0.95")), Decimal("0.91"))
        if rng.random() < 0.3:
            offer.time_to_ship = rng.choice((1, 2, 3, 5))
        if rng.random() < 0.03:
            offer.promotion_code_id = rng.randrange(1000, 9999)
        return offer

    def offer_list(self, shop):
        with self.lock:
            return list(self.offer_tables[shop.shop_id].values())

    def offers(self, shop_id):
        """key -> the offer as a plain dict (``price`` as text)."""
        shop = self.shop(shop_id)
        with self.lock:
            return {offer.key: _offer_record(offer) for offer in self.offer_list(shop)}

    # -- offers_update -------------------------------------------------------
    def submit_offers(self, shop, items):
        """Apply each offers_update item (dict of the request's offer, see
        ``fnac_services``) and record a batch; returns its id."""
        with self.lock:
            results = [self._apply_offer(shop, item) for item in items]
            self.batch_counter += 1
            batch_id = stable_uuid(
                "fnac-batch", self.seed, shop.slot, self.batch_counter
            )
            self.batch_tables[shop.shop_id][batch_id] = Batch(
                batch_id, shop.shop_id, results, self.clock.now()
            )
            return batch_id

    def _apply_offer(self, shop, item):
        table = self.offer_tables[shop.shop_id]
        reference = (item.get("reference") or "").strip()
        result = {
            "status": "OK",
            "sku": reference,
            "offer_fnac_id": None,
            "product_fnac_id": None,
            "errors": [],
        }
        if not reference:
            return _failed(result, "ERR_130", "The offer_reference is empty")
        if item.get("reference_type") == "FnacId":
            offer = next(
                (o for o in table.values() if o.offer_fnac_id == reference), None
            )
        else:
            offer = table.get(reference)
        errors = _field_errors(item)
        if errors:
            result["errors"] = errors
            result["status"] = "ERROR"
            return _identify(result, offer)
        if item.get("treatment") == "delete":
            if offer is None:
                return _failed(
                    result, "ERR_136", f"Offer {reference} not found: nothing to delete"
                )
            del table[offer.key]
            return _identify(result, offer)
        if offer is None:
            if item.get("reference_type") == "FnacId":
                return _failed(result, "ERR_131", f"Unknown offer {reference}")
            offer, error = self._create_offer(shop, reference, item)
            if error:
                return _failed(result, *error)
            table[offer.key] = offer
        _update_offer(offer, item, self.clock.now())
        return _identify(result, offer)

    def _create_offer(self, shop, sku, item):
        reference = item.get("product_reference")
        if not reference:
            return None, (
                "ERR_131",
                f"Unknown offer {sku}: a product_reference is required to create it",
            )
        kind, value = reference
        index = self.product_index(kind, value)
        if index is None:
            return None, ("ERR_132", f"Unknown product {kind} {value}")
        if item.get("price") is None:
            return None, ("ERR_135", f"A price is required to create the offer {sku}")
        product = self.generator.product(index)
        return _offer_of(
            shop, sku, index, product, item["price"], self.clock.now()
        ), None

    def product_index(self, reference_type, value):
        """The catalogue index of a product reference (Ean, Isbn: the EAN;
        FnacId: the product's Fnac id), None when unknown."""
        if reference_type in ("Ean", "Isbn"):
            return catalog.index_of_ean(self.seed, value)
        if reference_type == "FnacId":
            return index_of_product_fnac_id(value)
        return None

    # -- batches -------------------------------------------------------------
    def poll_batch(self, shop, batch_id):
        """The batch's status at this poll (ACTIVE, RUNNING, then its
        result) and the batch; None when unknown."""
        with self.lock:
            batch = self.batch_tables[shop.shop_id].get(batch_id)
            if batch is None:
                return None, None
            batch.polls += 1
            if batch.polls <= self.batch_polls:
                return ("ACTIVE" if batch.polls == 1 else "RUNNING"), batch
            return batch.final_status, batch

    def batches(self, shop_id):
        """The shop's batches, oldest first, as plain dicts."""
        shop = self.shop(shop_id)
        with self.lock:
            return [
                _batch_record(batch)
                for batch in self.batch_tables[shop.shop_id].values()
            ]

    def batch_record(self, shop_id, batch_id):
        shop = self.shop(shop_id)
        with self.lock:
            batch = self.batch_tables[shop.shop_id].get(batch_id)
            if batch is None:
                raise ValueError(f"unknown batch {batch_id!r}")
            return _batch_record(batch)

    # -- competitors (pricing_query) -----------------------------------------
    def set_competitors(self, shop_id, ean, rows):
        """Replace the competitors of ``ean`` for one shop: dicts with
        ``seller``, ``price``, ``shipping`` (default 0), ``type``
        (professional, not professional, fnac), ``state`` (product state,
        default "11"), ``evaluation``, ``nb_orders``, ``seller_url``."""
        shop = self.shop(shop_id)
        fixed = []
        for row in rows:
            try:
                fixed.append(_competitor(row))
            except (KeyError, InvalidOperation, TypeError) as err:
                raise ValueError(f"bad competitor {row!r}: {err!r}") from err
        with self.lock:
            self.competitor_overrides[(shop.shop_id, ean)] = fixed

    def pricing_product(self, shop, reference_type, value, sellers="all"):
        """What pricing_query answers for one product reference: a dict
        with the product, the own offer, the rows and the best prices per
        condition; None when the product is unknown."""
        index = self.product_index(reference_type, value)
        if index is None:
            return None
        product = self.generator.product(index)
        with self.lock:
            rows = self.competitor_overrides.get((shop.shop_id, product["ean"]))
            if rows is None:
                rows = self._drawn_competitors(product)
            own = next(
                (
                    o
                    for o in self.offer_tables[shop.shop_id].values()
                    if o.ean == product["ean"]
                ),
                None,
            )
        if own is not None and sellers != "others":
            own_row = {
                "type": "professional",
                "seller": shop.name,
                "price": own.price,
                "shipping": ZERO,
                "state": own.product_state,
                "evaluation": None,
                "nb_orders": None,
                "seller_url": None,
            }
            rows = [*rows, own_row]
        return {
            "index": index,
            "product": product,
            "own": own,
            "rows": rows,
            "best": _best(rows),
        }

    def _drawn_competitors(self, product):
        rng = random.Random(f"fnac-competitors-{self.seed}-{product['ean']}")
        hour = int(self.clock.now().timestamp() // 3600)
        rows = []
        for seller, kind in rng.sample(_SELLERS, rng.choice((0, 1, 2, 3, 3, 4, 5, 6))):
            base = Decimal(product["price"]) * Decimal(rng.randrange(80, 126)) / 100
            if self.price_moves:
                step = random.Random(
                    f"fnac-move-{self.seed}-{product['ean']}-{seller}-{hour}"
                )
                base *= 1 + Decimal(step.randrange(-30, 31)) / 1000
            rows.append(
                {
                    "type": kind,
                    "seller": seller,
                    "price": max(money(base), Decimal("0.91")),
                    "shipping": Decimal(rng.choice(_SHIPPINGS)),
                    "state": "11"
                    if rng.random() < 0.75
                    else rng.choice(CONDITIONS[1:]),
                    "evaluation": None
                    if rng.random() < 0.1
                    else Decimal(rng.randrange(32, 51)) / 10,
                    "nb_orders": None
                    if rng.random() < 0.1
                    else rng.randrange(0, 50_000),
                    "seller_url": _seller_url(seller),
                }
            )
        return rows


def _offer_of(shop, sku, index, product, price, now):
    """A new offer of ``shop`` for catalogue product ``index`` (quantity 1,
    new: the XSD's defaults)."""
    return Offer(
        offer_fnac_id=stable_uuid("fnac-offer", shop.shop_id, sku),
        sku=sku,
        ean=product["ean"],
        product_fnac_id=product_fnac_id(index),
        product_name=product["name"],
        price=price,
        quantity=1,
        product_state="11",
        created=now,
        updated=now,
    )


def _seller_url(seller):
    return "https://www.fnac.com/vendeur/" + seller.lower().replace(" ", "-")


def _apply_offer_defect(offer):
    if offer.defect == "empty_sku":
        offer.sku = ""
    elif offer.defect == "empty_product_id":
        offer.product_fnac_id = ""


def _failed(result, code, message):
    result["status"] = "ERROR"
    result["errors"].append((code, message))
    return result


def _identify(result, offer):
    if offer is not None:
        result["offer_fnac_id"] = offer.offer_fnac_id
        result["product_fnac_id"] = offer.product_fnac_id
    return result


def _field_errors(item):
    """The emulator's own checks of an item's price and quantity (the XSD
    says the same when requests are validated)."""
    errors = []
    price, quantity = item.get("price"), item.get("quantity")
    if item.get("price_text") is not None and price is None:
        errors.append(("ERR_133", f"Invalid price {item['price_text']!r}"))
    elif price is not None and not MIN_PRICE < price <= MAX_PRICE:
        errors.append(
            ("ERR_133", f"Price {price} out of range (0.90 < price <= 20000)")
        )
    if item.get("quantity_text") is not None and quantity is None:
        errors.append(("ERR_134", f"Invalid quantity {item['quantity_text']!r}"))
    elif quantity is not None and not 0 <= quantity <= MAX_QUANTITY:
        errors.append(("ERR_134", f"Quantity {quantity} out of range (0..9999)"))
    state = item.get("product_state")
    if state is not None and state not in CONDITIONS:
        errors.append(("ERR_137", f"Unknown product_state {state!r}"))
    return errors


def _update_offer(offer, item, now):
    """Only what the item carries changes."""
    for name in (
        "price",
        "quantity",
        "product_state",
        "description",
        "internal_comment",
        "showcase",
        "time_to_ship",
    ):
        if item.get(name) is not None:
            setattr(offer, name, item[name])
    offer.updated = now


def _competitor(row):
    return {
        "type": row.get("type", "professional"),
        "seller": str(row["seller"]),
        "price": money(row["price"]),
        "shipping": money(row.get("shipping", "0")),
        "state": str(row.get("state", "11")),
        "evaluation": None
        if row.get("evaluation") is None
        else Decimal(str(row["evaluation"])),
        "nb_orders": None if row.get("nb_orders") is None else int(row["nb_orders"]),
        "seller_url": row.get("seller_url"),
    }


def _best(rows):
    """Condition group (new, refurbished, used) -> the cheapest row."""
    best = {}
    for row in rows:
        group = (
            "new"
            if row["state"] == "11"
            else "refurbished"
            if row["state"] == "10"
            else "used"
        )
        if (
            group not in best
            or row["price"] + row["shipping"]
            < best[group]["price"] + best[group]["shipping"]
        ):
            best[group] = row
    return best


def _offer_record(offer):
    return {
        "sku": offer.sku,
        "offer_fnac_id": offer.offer_fnac_id,
        "product_fnac_id": offer.product_fnac_id,
        "ean": offer.ean,
        "price": str(offer.price),
        "quantity": offer.quantity,
        "state": offer.product_state,
        "description": offer.description,
        "showcase": offer.showcase,
        "kind": offer.kind,
        "defect": offer.defect,
    }


def _batch_record(batch):
    return {
        "batch_id": batch.batch_id,
        "status": batch.final_status,
        "polls": batch.polls,
        "offers": len(batch.results),
        "errors": {
            result["sku"]: [message for _code, message in result["errors"]]
            for result in batch.results
            if result["status"] == "ERROR"
        },
        "results": [
            {**result, "errors": [list(error) for error in result["errors"]]}
            for result in batch.results
        ],
    }
