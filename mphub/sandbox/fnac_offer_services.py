"""The offers services of the Fnac Darty emulator: offers_update,
batch_status, offers_query and pricing_query (PricingQueryService.xsd: at
most 10 product references, ERR_105 beyond; its answer has no root error
element, so errors are carried by each ``pricing_product``).

offers_query: ``results_count`` default 100, at most 10,000 (more is served
as 10,000, ``nb_total_per_page`` says it), ``paging`` 1-based; filters
ANDed: ``date type=Created|Modified`` min/max (inclusive), ``quantity
mode= value=``, ``product_fnac_id``, ``offer_fnac_id``, ``offer_seller_id``,
``with_free_shipping``, ``promotion_types``, ``promotion_uids`` (the
sandbox's offers have no promotion: those two match none). Sorted by
creation, then key.
"""

import operator

from .fnac_offers import MAX_QUANTITY
from .fnac_requests import (
    child,
    children,
    date_windows,
    decimal_or_none,
    fail,
    in_window,
    integer,
    page_number,
    page_of,
    page_size,
    text_of,
    texts,
)
from .fnac_xml import (
    answer,
    batch_offer_el,
    el,
    error_el,
    offer_el,
    paging_el,
    pricing_error_el,
    pricing_product_el,
)

MAX_OFFERS_UPDATE = 10_000
MAX_OFFERS_PAGE = 10_000
MAX_PRICING_REFERENCES = 10
_QUANTITY_MODES = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanOrEquals": operator.le,
    "GreaterThanOrEquals": operator.ge,
}


def offer_item(element):
    """An offers_update ``offer`` as the store's item (fnac_offers)."""
    reference = child(element, "offer_reference")
    product = child(element, "product_reference")
    price_text, quantity_text = text_of(element, "price"), text_of(element, "quantity")
    quantity = None
    if quantity_text is not None and quantity_text.lstrip("-").isdigit():
        quantity = int(quantity_text)
    showcase = text_of(element, "showcase")
    time_to_ship = text_of(element, "time_to_ship")
    return {
        "reference": text_of(reference) if reference is not None else "",
        "reference_type": (reference.get("type") if reference is not None else None)
        or "SellerSku",
        "product_reference": (
            ((product.get("type") or "Ean"), text_of(product))
            if product is not None
            else None
        ),
        "price": decimal_or_none(price_text) if price_text is not None else None,
        "price_text": price_text,
        "quantity": quantity,
        "quantity_text": quantity_text,
        "product_state": text_of(element, "product_state"),
        "description": text_of(element, "description"),
        "internal_comment": text_of(element, "internal_comment"),
        "showcase": int(showcase) if showcase and showcase.isdigit() else None,
        "time_to_ship": int(time_to_ship)
        if time_to_ship and time_to_ship.isdigit()
        else None,
        "treatment": text_of(element, "treatment"),
    }


class FnacOfferServicesMixin:
    """offers_update, batch_status, offers_query, pricing_query."""

    def _offers_update(self, request, shop):
        offers = children(request.xml(), "offer")
        if not offers:
            raise fail("ERR_106", "offers_update: at least one offer is required")
        if len(offers) > MAX_OFFERS_UPDATE:
            raise fail(
                "ERR_103",
                f"offers_update: at most {MAX_OFFERS_UPDATE} offers per call, "
                f"not {len(offers)}: nothing applied",
            )
        batch_id = self.store.submit_offers(shop, [offer_item(e) for e in offers])
        return answer("offers_update_response", "OK", el("batch_id", batch_id))

    def _batch_status(self, request, shop):
        batch_id = text_of(request.xml(), "batch_id") or ""
        with self.lock:
            status, batch = self.store.poll_batch(shop, batch_id)
            if batch is None:
                body = el("batch_id", batch_id) + error_el(
                    "ERR_140", f"Unknown batch {batch_id!r}"
                )
                return answer("batch_status_response", "ERROR", body)
            body = el("batch_id", batch_id)
            if status not in ("ACTIVE", "RUNNING"):
                body += "".join(batch_offer_el(result) for result in batch.results)
        return answer("batch_status_response", status, body)

    def _offers_query(self, request, shop):
        root = request.xml()
        size, page = page_size(root, MAX_OFFERS_PAGE), page_number(root)
        matches = _offer_matcher(root)
        with self.lock:
            selected = [
                offer for offer in self.store.offer_list(shop) if matches(offer)
            ]
            selected.sort(key=lambda offer: (offer.created, offer.key))
            items, total_paging = page_of(selected, page, size)
            body = paging_el(page, total_paging, size, len(selected)) + "".join(
                offer_el(offer) for offer in items
            )
        return answer("offers_query_response", "OK", body)

    def _pricing_query(self, request, shop):
        root = request.xml()
        references = [
            ((element.get("type") or "Ean"), text_of(element))
            for element in children(root, "product_reference")
        ]
        if len(references) > MAX_PRICING_REFERENCES:
            message = (
                f"pricing_query: at most {MAX_PRICING_REFERENCES} product references "
                f"per call, not {len(references)}"
            )
            raise fail("ERR_105", message)
        sellers = root.get("sellers") or "all"
        parts, errors = [], 0
        for kind, value in references:
            found = self.store.pricing_product(shop, kind, value, sellers)
            if found is None:
                errors += 1
                parts.append(
                    pricing_error_el(
                        kind, value, "ERR_120", f"Unknown product {kind} {value}"
                    )
                )
            else:
                parts.append(pricing_product_el(kind, value, found))
        status = (
            "OK" if not errors else "ERROR" if errors == len(references) else "WARNING"
        )
        return answer("pricing_query_response", status, "".join(parts))


def _offer_matcher(root):
    windows = date_windows(root)
    for kind, _low, _high in windows:
        if kind not in ("Created", "Modified"):
            raise fail("ERR_106", f"Unknown offer date type {kind!r}")
    quantities = []
    for element in children(root, "quantity"):
        mode = element.get("mode") or "Equals"
        if mode not in _QUANTITY_MODES:
            raise fail("ERR_106", f"Unknown quantity mode {mode!r}")
        value = integer(element.get("value") or "0", "quantity/@value", 0)
        quantities.append((_QUANTITY_MODES[mode], min(value, MAX_QUANTITY + 1)))
    products = set(texts(root, "product_fnac_id"))
    offer_ids = set(texts(root, "offer_fnac_id"))
    skus = set(texts(root, "offer_seller_id"))
    free = bool(children(root, "with_free_shipping"))
    promotions = bool(
        children(root, "promotion_types") or children(root, "promotion_uids")
    )

    def matches(offer):
        for kind, low, high in windows:
            if not in_window(
                offer.created if kind == "Created" else offer.updated, low, high
            ):
                return False
        if any(not test(offer.quantity, value) for test, value in quantities):
            return False
        if products and offer.product_fnac_id not in products:
            return False
        if offer_ids and offer.offer_fnac_id not in offer_ids:
            return False
        if skus and offer.sku not in skus:
            return False
        if free and not offer.is_shipping_free:
            return False
        return not promotions

    return matches
