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
"""

from decimal import ROUND_CEILING, Decimal

from ..canonical import Address, Customer, Order, OrderLine, OrderStatus, Tax
from ..errors import InvalidPayload
from ..parsing import CENT, Reader

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
    r.raise_if_errors()
    if not currency:
        currency = _marketplace_currency(raw)
    if total is not None and (priced or all(line.total for line in lines)):
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
                f"OrderTotal: {total} differs from the items' amounts less "
                f"promotions plus gift wrapping, {computed}"
            )
    shipping = sum((line.shipping_price for line in lines), Decimal(0))
    deadline = Reader().datetime(raw, "LatestShipDate", "", required=False)
    afn = raw.get("FulfillmentChannel") == "AFN"
    return Order(
        external_id=order_id,
        status=ORDER_STATUSES[status],
        marketplace_status=marketplace_status(raw),
        created_at=created,
        updated_at=updated,
        currency=currency.upper(),
        customer=customer,
        lines=tuple(lines),
        tax_included=True,
        reference=texts["SellerOrderId"] or order_id,
        total=total,
        shipping_total=shipping,
        channel=texts["SalesChannel"] or texts["MarketplaceId"],
        shipping_method=texts["ShipmentServiceLevelCategory"],
        shipping_deadline=deadline,
        fulfilled_by_marketplace=afn,
        extra={
            "marketplace_id": texts["MarketplaceId"],
            "fulfillment_channel": texts["FulfillmentChannel"],
            "is_business_order": business,
            "is_prime": prime,
            "purchase_order_number": purchase_order,
        },
    )


def _marketplace_currency(raw):
    from .marketplaces import by_id

    marketplace = by_id(raw.get("MarketplaceId"))
    return marketplace.currency if marketplace else "EUR"


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


def _tax(amount, given):
    """The canonical taxes of an amount's tax: its amount only (Amazon gives
    no rate), none when Amazon gave no tax field."""
    return (Tax(rate=None, amount=amount),) if given else ()


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
    unit = (gross / quantity).quantize(CENT, ROUND_CEILING)
    # a total that the quantity does not divide: the unit price is rounded
    # up and the cents it adds go to the discount, so that the lines still
    # add up to Amazon's amounts
    discount += unit * quantity - gross
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
            taxes=_tax(tax, has("ItemTax") is not None),
            shipping_price=net_shipping,
            shipping_taxes=_tax(
                net_shipping_tax,
                has("ShippingTax") is not None
                or has("ShippingDiscountTax") is not None,
            ),
            discount=discount,
            discount_taxes=_tax(discount_tax, has("PromotionDiscountTax") is not None)
            if discount_tax
            else (),
            gift_wrap=gift_wrap,
            gift_wrap_taxes=_tax(gift_wrap_tax, gift.get("GiftWrapTax") is not None),
            gift_message=r.str(gift, "GiftMessageText", path, required=False),
            status=None,
            active=True,
        ),
        currency,
    )


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
    order_id = raw.get("AmazonOrderId") or ""
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
    buyer_name = text(buyer, "BuyerName", "BuyerInfo")
    email = text(buyer, "BuyerEmail", "BuyerInfo")
    name = (
        text(address, "Name", "ShippingAddress")
        or buyer_name
        or company
        or f"Amazon {order_id}".strip()
    )
    country = text(address, "CountryCode", "ShippingAddress")
    if address and not country:
        r.fail("ShippingAddress.CountryCode", "missing")
    elif country and not (
        len(country) == 2 and country.isascii() and country.isalpha()
    ):
        r.fail("ShippingAddress.CountryCode", f"not an ISO 3166 code: {country!r}")
        country = None
    street = text(address, "AddressLine1", "ShippingAddress") or ""
    street2 = ", ".join(
        line
        for line in (
            text(address, "AddressLine2", "ShippingAddress"),
            text(address, "AddressLine3", "ShippingAddress"),
        )
        if line
    )
    address_type = text(address, "AddressType", "ShippingAddress")
    shipping = Address(
        name=name,
        street=street,
        street2=street2 or None,
        zip=text(address, "PostalCode", "ShippingAddress"),
        city=text(address, "City", "ShippingAddress") or "",
        state=text(address, "StateOrRegion", "ShippingAddress"),
        country_code=(country or "").upper() or _marketplace_country(raw),
        company=recipient_company,
        phone=text(address, "Phone", "ShippingAddress"),
        email=email,
        additional_info=_delivery_preferences(r, raw),
        address_type=address_type.lower()
        if address_type in ("Commercial", "Residential")
        else None,
    )
    return Customer(
        name=buyer_name or name,
        shipping_address=shipping,
        external_id=email,
        email=email,
        vat=vat,
        company=company,
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


def _marketplace_country(raw):
    from .marketplaces import by_id

    marketplace = by_id(raw.get("MarketplaceId"))
    return marketplace.country if marketplace else "FR"
