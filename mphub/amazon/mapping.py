"""Amazon Orders API v0 payload -> canonical ``Order``.

The raw payload the connector stores is the ``Order`` object of getOrders
(read with a restricted data token, so the buyer and address are complete)
with the ``OrderItems`` of getOrderItems added under the same name. The
mapping is strict: an order whose amounts do not add up to its
``OrderTotal``, an item without SKU or with a quantity that is not a whole
number raise ``InvalidPayload`` with every reason found.

Amounts (EU marketplaces): ``ItemPrice`` is the unit price times the quantity,
VAT included, and ``ItemTax`` its VAT part; shipping likewise; promotions
(``PromotionDiscount``, ``ShippingDiscount``) are amounts taken off. Amazon
gives tax amounts, never rates: the canonical taxes carry the amount only,
and the connector chooses the seller's tax and checks it against that amount
(``mphub.taxes``). Amounts may not be negative, but for the discounts, whose
sign varies between Amazon's documents and are taken off whatever it is.

Fulfilment by Amazon (``FulfillmentChannel`` AFN) orders keep their status
prefixed (``AFN:Shipped``), so that an account can import FBA orders (already
delivered by Amazon) without importing seller-fulfilled orders first seen as
shipped.

The pieces both versions of the Orders API share (``amazon_order``,
``check_total``, ``unit_price``, ``build_customer``, ``tax_of``) are here:
``mapping_2026`` maps a v2026-01-01 order to the same canonical order.
"""

from decimal import ROUND_CEILING, Decimal

from ..canonical import Address, Customer, Order, OrderLine, OrderStatus, Tax
from ..errors import InvalidPayload
from ..parsing import CENT, Reader
from .marketplaces import by_id

ORDER_STATUSES = {
    "PendingAvailability": OrderStatus.PENDING,
    "Pending": OrderStatus.PENDING,
    "Unshipped": OrderStatus.TO_SHIP,
    "PartiallyShipped": OrderStatus.TO_SHIP,
    "Shipped": OrderStatus.SHIPPED,
    "InvoiceUnconfirmed": OrderStatus.SHIPPED,
    "Canceled": OrderStatus.CANCELLED,
    "Unfulfillable": OrderStatus.CANCELLED,
}
AFN_PREFIX = "AFN:"
# statuses whose items carry no prices yet (payment not authorised)
UNPRICED_STATUSES = frozenset({"Pending", "PendingAvailability"})
# statuses after which nothing is sold: prices may be absent
DEAD_STATUSES = frozenset({"Canceled", "Unfulfillable"})
# statuses in which an order can be declared shipped (confirmShipment)
SHIPPABLE_STATUSES = frozenset({"Unshipped", "PartiallyShipped"})
DEFAULT_MARKETPLACE = "A13V1IB3VIYZZH"  # France: EUR, FR


def marketplace_status(raw):
    """The order status as the connector's import states know it."""
    status = raw.get("OrderStatus") if isinstance(raw, dict) else None
    if not isinstance(status, str):
        return None
    if raw.get("FulfillmentChannel") == "AFN":
        return AFN_PREFIX + status
    return status


def raw_status(raw):
    """The canonical status of a stored order, None when unreadable; read
    without mapping the rest (a cancelled order carries no prices)."""
    status = raw.get("OrderStatus") if isinstance(raw, dict) else None
    return ORDER_STATUSES.get(status) if isinstance(status, str) else None


def map_order(raw):
    """Return the canonical ``Order`` of a stored Amazon v0 order."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    r = Reader()
    order_id = r.str(raw, "AmazonOrderId", "")
    status = r.choice(raw, "OrderStatus", "", ORDER_STATUSES)
    created = r.datetime(raw, "PurchaseDate", "")
    updated = r.datetime(raw, "LastUpdateDate", "")
    priced = status not in UNPRICED_STATUSES | DEAD_STATUSES
    total_money = r.obj(raw, "OrderTotal", "", required=False)
    total = currency = None
    if total_money is not None:
        total = r.decimal(total_money, "Amount", "OrderTotal", minimum=0)
        currency = r.currency(total_money, "CurrencyCode", "OrderTotal")
    elif priced:
        r.fail("OrderTotal", "missing")
    items = r.list(raw, "OrderItems", "", non_empty=True)
    lines = []
    for index, item in enumerate(items):
        line, item_currency = _line(r, item, f"OrderItems[{index}]", priced)
        if line is not None:
            lines.append(line)
        currency = currency or item_currency
    customer = _customer(r, raw)
    business = r.bool(raw, "IsBusinessOrder", "", default=False)
    prime = r.bool(raw, "IsPrime", "", default=False)
    texts = {
        key: r.str(raw, key, "", required=False)
        for key in (
            "SellerOrderId",
            "SalesChannel",
            "MarketplaceId",
            "ShipmentServiceLevelCategory",
            "FulfillmentChannel",
        )
    }
    buyer_info = r.obj(raw, "BuyerInfo", "", required=False) or {}
    purchase_order = r.str(buyer_info, "PurchaseOrderNumber", "BuyerInfo", False)
    extra = _extras(r, raw, items)
    r.raise_if_errors()
    if not currency:
        currency = marketplace_of(raw.get("MarketplaceId")).currency
    if total is not None and (priced or all(line.total for line in lines)):
        check_total(total, lines, "OrderTotal")
    return amazon_order(
        order_id,
        status,
        afn=raw.get("FulfillmentChannel") == "AFN",
        created_at=created,
        updated_at=updated,
        currency=currency.upper(),
        customer=customer,
        lines=lines,
        total=total,
        reference=texts["SellerOrderId"],
        channel=texts["SalesChannel"] or texts["MarketplaceId"],
        shipping_method=texts["ShipmentServiceLevelCategory"],
        shipping_deadline=Reader().datetime(raw, "LatestShipDate", "", False),
        extra={
            "marketplace_id": texts["MarketplaceId"],
            "fulfillment_channel": texts["FulfillmentChannel"],
            "is_business_order": business,
            "is_prime": prime,
            "purchase_order_number": purchase_order,
            **extra,
        },
    )


# ----------------------------------------------------------------------
# shared by both versions of the Orders API
# ----------------------------------------------------------------------
def amazon_order(order_id, code, afn, lines, total, reference, **values):
    """The canonical ``Order`` of an Amazon order whose status is ``code``
    in v0's vocabulary (the account's import states know these), fulfilled
    by Amazon when ``afn``; ``values``: the other fields of ``Order``."""
    return Order(
        external_id=order_id,
        status=ORDER_STATUSES[code],
        marketplace_status=(AFN_PREFIX if afn else "") + code,
        lines=tuple(lines),
        tax_included=True,
        reference=reference or order_id,
        total=total,
        shipping_total=sum((line.shipping_price for line in lines), Decimal(0)),
        fulfilled_by_marketplace=afn,
        **values,
    )


def check_total(total, lines, field):
    """``InvalidPayload`` unless the lines add up to ``total`` (what the
    buyer pays, ``field`` names it): items and shipping less promotions,
    plus gift wrapping."""
    computed = sum(
        (
            line.unit_price * line.quantity
            + line.shipping_price
            - line.discount
            + line.gift_wrap
            for line in lines
        ),
        Decimal(0),
    )
    if computed != total:
        raise InvalidPayload(
            f"{field}: {total} differs from the items' amounts less "
            f"promotions plus gift wrapping, {computed}"
        )


def unit_price(gross, quantity):
    """``(unit, cents)`` of a line of ``quantity`` whose amount is
    ``gross``: a total that the quantity does not divide gives a unit price
    rounded up, and the cents it adds go to the discount, so that the lines
    still add up to Amazon's amounts."""
    unit = (gross / quantity).quantize(CENT, ROUND_CEILING)
    return unit, unit * quantity - gross


def tax_of(amount, given):
    """The canonical taxes of an amount's tax: its amount only (Amazon gives
    no rate), none when Amazon gave no tax for it."""
    return (Tax(rate=None, amount=amount),) if given and amount is not None else ()


def marketplace_of(marketplace_id):
    """The ``Marketplace`` of an id (its country and currency), France's
    when unknown."""
    return by_id(marketplace_id) or by_id(DEFAULT_MARKETPLACE)


def order_extras(items, promotion_ids, cancel_reason):
    """The extras both versions read from the items: the promotions applied
    (``promotion_ids(item, index)``: an item's ids) and whether the buyer
    asked to cancel (``cancel_reason(item, index)``: the reason text, ""
    without one, None when the buyer did not ask)."""
    promotions, reasons, requested = set(), [], False
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        promotions.update(promotion_ids(item, index))
        reason = cancel_reason(item, index)
        if reason is not None:
            requested = True
            if reason and reason not in reasons:
                reasons.append(reason)
    return {
        "promotion_ids": sorted(promotions),
        "buyer_cancel_requested": requested,
        "buyer_cancel_reason": "; ".join(reasons) or None,
    }


def build_customer(r, found, country_path, marketplace_id):
    """The canonical buyer and shipping address from the texts a mapping
    ``found`` under its own keys (``name``, ``buyer_name``, ``email``,
    ``company``, ``recipient_company``, ``vat``, ``street``, ``street2``,
    ``street3``, ``zip``, ``city``, ``state``, ``country``, ``phone``,
    ``address_type``, ``instructions``; ``has_address``: an address object
    was given). A missing or bad country is recorded on ``r`` at
    ``country_path``."""
    country = found["country"]
    if found["has_address"] and not country:
        r.fail(country_path, "missing")
    elif country and not (
        len(country) == 2 and country.isascii() and country.isalpha()
    ):
        r.fail(country_path, f"not an ISO 3166 code: {country!r}")
        country = None
    name = (
        found["name"]
        or found["buyer_name"]
        or found["company"]
        or f"Amazon {found['order_id'] or ''}".strip()
    )
    street2 = ", ".join(line for line in (found["street2"], found["street3"]) if line)
    shipping = Address(
        name=name,
        street=found["street"] or "",
        street2=street2 or None,
        zip=found["zip"],
        city=found["city"] or "",
        state=found["state"],
        country_code=(country or "").upper() or marketplace_of(marketplace_id).country,
        company=found["recipient_company"],
        phone=found["phone"],
        email=found["email"],
        additional_info=found["instructions"],
        address_type=found["address_type"],
    )
    return Customer(
        name=found["buyer_name"] or name,
        shipping_address=shipping,
        external_id=found["email"],
        email=found["email"],
        vat=found["vat"],
        company=found["company"],
    )


# ----------------------------------------------------------------------
# v0
# ----------------------------------------------------------------------
def _money(r, data, key, path, required=False, signed=False):
    """``(amount, currency)`` of a Money object; amount ``Decimal(0)`` when
    absent and not required. Negative amounts are refused, but for
    ``signed`` ones (discounts), whose magnitude is taken."""
    money = r.obj(data, key, path, required=required)
    if money is None:
        return Decimal(0), None
    amount = r.decimal(
        money,
        "Amount",
        f"{path}.{key}",
        default=Decimal(0),
        minimum=None if signed else 0,
    )
    currency = r.currency(money, "CurrencyCode", f"{path}.{key}", required=False)
    return (abs(amount) if signed else amount), currency


def _line(r, item, path, priced):
    if not isinstance(item, dict):
        r.fail(path, "expected an object")
        return None, None
    quantity = r.positive_int(item, "QuantityOrdered", path)
    gross, currency = _money(r, item, "ItemPrice", path, required=priced)
    tax, _cur = _money(r, item, "ItemTax", path)
    shipping, _cur = _money(r, item, "ShippingPrice", path)
    shipping_tax, _cur = _money(r, item, "ShippingTax", path)
    shipping_discount, _cur = _money(r, item, "ShippingDiscount", path, signed=True)
    shipping_discount_tax, _cur = _money(
        r, item, "ShippingDiscountTax", path, signed=True
    )
    discount, _cur = _money(r, item, "PromotionDiscount", path, signed=True)
    discount_tax, _cur = _money(r, item, "PromotionDiscountTax", path, signed=True)
    cod, _cur = _money(r, item, "CODFee", path)
    cod_discount, _cur = _money(r, item, "CODFeeDiscount", path, signed=True)
    sku = r.str(item, "SellerSKU", path)
    item_id = r.str(item, "OrderItemId", path)
    if quantity is None:
        return None, currency
    unit, cents = unit_price(gross, quantity)
    discount += cents
    net_shipping = shipping - shipping_discount + cod - cod_discount
    net_shipping_tax = shipping_tax - shipping_discount_tax
    gift = item.get("BuyerInfo") if isinstance(item.get("BuyerInfo"), dict) else {}
    gift_wrap, _cur = _money(r, gift, "GiftWrapPrice", f"{path}.BuyerInfo")
    gift_wrap_tax, _cur = _money(r, gift, "GiftWrapTax", f"{path}.BuyerInfo")
    has = item.get
    return (
        OrderLine(
            external_id=item_id,
            sku=sku,
            quantity=quantity,
            unit_price=unit,
            title=r.str(item, "Title", path, required=False, default=""),
            marketplace_product_id=r.str(item, "ASIN", path, required=False),
            total=gross,
            taxes=tax_of(tax, has("ItemTax") is not None),
            shipping_price=net_shipping,
            shipping_taxes=tax_of(
                net_shipping_tax,
                has("ShippingTax") is not None
                or has("ShippingDiscountTax") is not None,
            ),
            discount=discount,
            discount_taxes=tax_of(discount_tax, has("PromotionDiscountTax") is not None)
            if discount_tax
            else (),
            gift_wrap=gift_wrap,
            gift_wrap_taxes=tax_of(gift_wrap_tax, gift.get("GiftWrapTax") is not None),
            gift_message=r.str(gift, "GiftMessageText", path, required=False),
            status=None,
            active=True,
        ),
        currency,
    )


def _extras(r, raw, items):
    """The replaced order, the promotions and the buyer's cancellation
    request of a v0 order."""

    def promotion_ids(item, index):
        return r.texts(item, "PromotionIds", f"OrderItems[{index}]")

    def cancel_reason(item, index):
        path = f"OrderItems[{index}]"
        request = r.obj(item, "BuyerRequestedCancel", path, required=False)
        path += ".BuyerRequestedCancel"
        if not request or not r.bool(request, "IsBuyerRequestedCancel", path):
            return None
        return r.str(request, "BuyerCancelReason", path, required=False, default="")

    replaced = None
    if r.bool(raw, "IsReplacementOrder", "", default=False):
        replaced = r.str(raw, "ReplacedOrderId", "", required=False)
    return {
        "replaced_order_id": replaced,
        **order_extras(items, promotion_ids, cancel_reason),
    }


def _customer(r, raw):
    """The buyer and the shipping address.

    Amazon gives a buyer's tax number only where its documents say so:
    ``BuyerInfo.BuyerTaxInfo`` for business orders of the Brazil, Mexico and
    India marketplaces, ``BuyerTaxInformation`` in Turkey. EU business orders
    carry the company name (``ShippingAddress.CompanyName``) but no VAT
    number: it is read where it is given, never guessed.
    """
    buyer = r.obj(raw, "BuyerInfo", "", required=False) or {}
    address = r.obj(raw, "ShippingAddress", "", required=False) or {}
    tax_info = r.obj(buyer, "BuyerTaxInfo", "BuyerInfo", required=False) or {}
    vat = None
    classifications = tax_info.get("TaxClassifications")
    for classification in classifications if isinstance(classifications, list) else ():
        if isinstance(classification, dict) and classification.get("Name") in (
            "VATNumber",
            "VATNumberV2",
        ):
            vat = (
                r.str(
                    classification,
                    "Value",
                    "BuyerInfo.BuyerTaxInfo.TaxClassifications",
                    required=False,
                )
                or None
            )
    registration = r.obj(raw, "BuyerTaxInformation", "", required=False) or {}
    if not vat:
        vat = (
            r.str(
                registration,
                "BuyerTaxRegistrationId",
                "BuyerTaxInformation",
                required=False,
            )
            or None
        )

    def text(data, key, path):
        return r.str(data, key, path, required=False) or None

    recipient_company = text(address, "CompanyName", "ShippingAddress")
    company = (
        text(tax_info, "CompanyLegalName", "BuyerInfo.BuyerTaxInfo")
        or text(registration, "BuyerLegalCompanyName", "BuyerTaxInformation")
        or recipient_company
    )
    found = {
        "order_id": raw.get("AmazonOrderId"),
        "has_address": bool(address),
        "vat": vat,
        "company": company,
        "recipient_company": recipient_company,
        "buyer_name": text(buyer, "BuyerName", "BuyerInfo"),
        "email": text(buyer, "BuyerEmail", "BuyerInfo"),
    }
    for key, field in (
        ("name", "Name"),
        ("country", "CountryCode"),
        ("street", "AddressLine1"),
        ("street2", "AddressLine2"),
        ("street3", "AddressLine3"),
        ("address_type", "AddressType"),
        ("zip", "PostalCode"),
        ("city", "City"),
        ("state", "StateOrRegion"),
        ("phone", "Phone"),
    ):
        found[key] = text(address, field, "ShippingAddress")
    if found["address_type"] in ("Commercial", "Residential"):
        found["address_type"] = found["address_type"].lower()
    else:
        found["address_type"] = None
    found["instructions"] = _delivery_preferences(r, raw)
    return build_customer(
        r, found, "ShippingAddress.CountryCode", raw.get("MarketplaceId")
    )


def _delivery_preferences(r, raw):
    """The buyer's delivery instructions for the address, one line each.

    Orders v0 gives them in ``DeliveryPreferences`` of getOrderAddress, not
    in getOrders' order: they are read when the stored payload carries that
    object next to the order's own fields."""
    preferences = r.obj(raw, "DeliveryPreferences", "", required=False) or {}
    lines = [
        r.str(preferences, key, "DeliveryPreferences", required=False)
        for key in ("AddressInstructions", "DropOffLocation")
    ]
    return "\n".join(line for line in lines if line) or None
