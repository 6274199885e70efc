"""Fnac Darty offers (``offers_query_response/offer``) -> ``mphub.offers.Listing``.

Raw records are ``element_to_json(offer, OFFER_LISTS)``. Decisions:

- the SKU is ``offer_seller_id``, the marketplace's offer id
  ``offer_fnac_id``, its product ``product_fnac_id``; offers_query gives no
  EAN (``eans`` is empty: the listing review matches by SKU);
- ``price`` is the tax-included price shown to buyers, EUR, to the cent;
  ``quantity`` the stock; ``product_state`` the condition code (11 new, 10
  refurbished, 1-8 used and collectible grades);
- an offer listed with 0 in stock is still an offer (``active`` stays True:
  offers_query states no activity flag);
- a record without a SKU, or whose price or quantity is empty or not a
  number, is refused with every reason (the page keeps it in ``invalid``);
  ``listing_parts`` reads what it can of it for the listing review.
"""

from ..errors import InvalidPayload
from ..offers import Listing, first_plain, plain
from ..parsing import Reader
from .mapping import CURRENCY, amount, text, whole_number


def map_listing(raw):
    """The ``Listing`` of an offers_query offer record."""
    if not isinstance(raw, dict):
        raise InvalidPayload(["the offer record is not an element"])
    r = Reader()
    sku = r.identifier(raw, "offer_seller_id", "offer")
    quantity = whole_number(r, raw, "quantity", "offer", maximum=10**9)
    price = amount(r, raw, "price", "offer", minimum=0)
    r.raise_if_errors()
    lenient = Reader()
    return Listing(
        sku=sku,
        external_id=lenient.identifier(raw, "offer_fnac_id", "", required=False),
        marketplace_product_id=lenient.identifier(
            raw, "product_fnac_id", "", required=False
        ),
        quantity=quantity,
        price=price,
        currency=CURRENCY,
        condition=lenient.identifier(raw, "product_state", "", required=False),
        active=True,
        title=text(raw, "product_name", 500),
        raw=raw,
    )


def listing_parts(raw):
    """What can be read of an offer record ``map_listing`` refused; never
    raises."""
    if not isinstance(raw, dict):
        return Listing(sku="")
    return Listing(
        sku=plain(raw.get("offer_seller_id"), 255) or "",
        external_id=plain(raw.get("offer_fnac_id"), 255),
        marketplace_product_id=plain(raw.get("product_fnac_id"), 255),
        condition=plain(raw.get("product_state"), 10),
        title=first_plain([raw], ("product_name",), 500),
        currency=CURRENCY,
        raw=raw,
    )
